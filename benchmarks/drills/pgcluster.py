"""Throw-away PostgreSQL clusters for the drills and the replica tests (never the machine's).

Each cluster is ``initdb`` in a temporary folder, listening on 127.0.0.1 on a port of its own
(``CHILDINDEX_DRILL_PORTS``, default 55300-55399: the first free one), with trust
authentication for ``postgres`` on loopback only. Run as root, the server commands run as the
``postgres`` user (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import suppress
from pathlib import Path

import psycopg

BIN = Path(
    os.environ.get("CHILDINDEX_PG_BIN")
    or next(
        (str(p.parent) for p in sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))),
        str(Path(shutil.which("initdb") or "/usr/bin/initdb").parent),
    )
)


def available() -> bool:
    return (BIN / "initdb").exists() and (BIN / "pg_ctl").exists()


def _port_range() -> range:
    low, _, high = os.environ.get("CHILDINDEX_DRILL_PORTS", "55300-55399").partition("-")
    return range(int(low), int(high) + 1)


_taken: set[int] = set()


def free_port() -> int:
    """The first port of the range nobody listens on (and this process has not handed out)."""
    for port in _port_range():
        if port in _taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _taken.add(port)
        return port
    raise RuntimeError("no free port in CHILDINDEX_DRILL_PORTS")


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(  # noqa: S603 - the PostgreSQL tools, our arguments
        _as_postgres(args), capture_output=True, text=True, check=False, **kwargs
    )
    if result.returncode != 0:
        raise RuntimeError(f"{Path(args[0]).name} failed: {result.stderr.strip()[-800:]}")
    return result


def scratch(prefix: str) -> Path:
    """A temporary folder the server user owns."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    return folder


class Cluster:
    def __init__(self, root: Path, *, port: int | None = None, name: str = "pg") -> None:
        self.root = root
        self.data = root / name
        self.port = port or free_port()
        self.name = name

    # --- making one ---------------------------------------------------------------------------
    def initdb(self, **settings: str) -> Cluster:
        run([str(BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
             "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"])  # fmt: skip
        self.configure(
            listen_addresses="'127.0.0.1'",
            unix_socket_directories=f"'{self.root}'",
            wal_level="replica",
            max_wal_senders="10",
            hot_standby="on",
            fsync="on",
            shared_buffers="'64MB'",
            **settings,
        )
        with (self.data / "pg_hba.conf").open("a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")
        return self

    @classmethod
    def standby_of(cls, primary: Cluster, root: Path, *, name: str = "standby") -> Cluster:
        """A streaming standby made by ``pg_basebackup -R`` from ``primary`` (running)."""
        standby = cls(root, name=name)
        run([str(BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port),
             "-U", "postgres", "-D", str(standby.data), "-R", "-X", "stream",
             "-c", "fast", "-C", "-S", name])  # fmt: skip
        standby.configure(port=str(standby.port))
        return standby

    def configure(self, **settings: str) -> None:
        with (self.data / "postgresql.conf").open("a") as conf:
            for key, value in settings.items():
                conf.write(f"{key} = {value}\n")
        if "port" not in settings:
            with (self.data / "postgresql.conf").open("a") as conf:
                conf.write(f"port = {self.port}\n")

    # --- running it ---------------------------------------------------------------------------
    def start(self, timeout: int = 60) -> None:
        run([str(BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / f"{self.name}.log"),
             "-w", "-t", str(timeout), "start"])  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        with suppress(RuntimeError):
            run([str(BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])

    def kill9(self) -> int:
        """SIGKILL the postmaster (its backends die with it when they notice): a crash."""
        pid = int((self.data / "postmaster.pid").read_text().splitlines()[0])
        os.kill(pid, signal.SIGKILL)
        return pid

    def promote(self) -> None:
        run([str(BIN / "pg_ctl"), "-D", str(self.data), "-w", "promote"])

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres", **kwargs) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=database,
            autocommit=True, connect_timeout=5, **kwargs,
        )  # fmt: skip

    def sql(self, statement: str, database: str = "postgres", params=None):
        with self.connect(database) as connection:
            cursor = connection.execute(statement, params)
            return cursor.fetchall() if cursor.description else None

    def wait_streaming(self, primary: Cluster, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with suppress(psycopg.Error):
                rows = primary.sql("SELECT state FROM pg_stat_replication")
                if rows and rows[0][0] == "streaming":
                    return
            time.sleep(0.2)
        raise RuntimeError("the standby did not start streaming")

    def wait_caught_up(self, primary: Cluster, timeout: float = 60) -> None:
        """Until the standby has replayed everything the primary has written so far."""
        [[target]] = primary.sql("SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            [[done]] = self.sql(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", params=(str(target),)
            )
            if done:
                return
            time.sleep(0.1)
        raise RuntimeError("the standby did not catch up")


def remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
