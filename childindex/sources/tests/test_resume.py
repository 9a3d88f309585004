"""An import killed at any point (SIGKILL) and run again ends in exactly the state of an
uninterrupted run: nothing lost, nothing doubled, one audit event per change.

Real processes on a real database file (or a PostgreSQL database when DATABASE_URL names
one): a synthetic county is generated and loaded once; a feed that both links rows to its
children and creates new ones (with a source's own duplicates and some bad rows) is imported
without interruption into one copy, and into other copies killed after 0, 2, 5, 9 and all of
its chunks had committed, then run again. The canonical state of each (``state_dump``) must
be the same.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[3]
CHUNK = 20
KILL_AFTER_CHUNKS = (0, 2, 5, 9, None)  # None: after the last chunk, before the run finishes


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(CHILDINDEX_MODE="test", PYTHONPATH=str(ROOT), **extra)
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "childindex", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result


class SqliteCopies:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp

    def env(self, name: str) -> dict[str, str]:
        return _env(CHILDINDEX_VAR_DIR=str(self.tmp / name), DATABASE_URL="")

    def copy(self, source: str, target: str) -> None:
        shutil.copytree(self.tmp / source, self.tmp / target)

    def close(self) -> None:
        pass


class PostgresCopies:
    """Databases made from a template (CREATE DATABASE ... TEMPLATE)."""

    def __init__(self, url: str) -> None:
        import psycopg

        parts = urlsplit(url)
        self.base = parts.path.lstrip("/") or "postgres"
        self.prefix = f"{self.base}_resume"
        self.url = url
        self.admin = psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)
        self.made: list[str] = []

    def name(self, label: str) -> str:
        return f"{self.prefix}_{label}"

    def env(self, label: str) -> dict[str, str]:
        parts = urlsplit(self.url)
        return _env(DATABASE_URL=urlunsplit(parts._replace(path="/" + self.name(label))))

    def create(self, label: str, template: str | None = None) -> None:
        name = self.name(label)
        self.admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        self.admin.execute(
            f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{self.name(template)}"' if template else "")
        )
        self.made.append(name)

    def copy(self, source: str, target: str) -> None:
        self.create(target, template=source)

    def close(self) -> None:
        for name in reversed(self.made):
            self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.close()


def _mixed_feed(generated: Path, out: Path) -> tuple[Path, Path]:
    """The GP feed's rows (children in the index), the same rows made into children the index
    does not hold (another family name and postcode, no NHS number), one row kept with a
    warning and three rejected rows."""
    source = generated / "feeds" / "gp_registrations.csv"
    with source.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    header = list(rows[0])
    mixed = []
    for row in rows:
        mixed.append(row)
        other = dict(
            row,
            source_record_id="N" + row["source_record_id"],
            family_name=row["family_name"][::-1].capitalize() + "ton",
            nhs_number="",
            postcode="WE9 9ZZ",
        )
        mixed.append(other)
    # kept with a warning (an impossible date of birth is dropped from matching, not fatal)
    mixed.insert(9, dict(rows[3], source_record_id="WARN1", date_of_birth="2012-02-30"))
    # rejected: a gender that cannot be read, a start date that cannot be read, nothing that
    # identifies a child
    mixed.insert(17, dict(rows[0], source_record_id="BAD1", gender="robot"))
    mixed.insert(150, dict(rows[1], source_record_id="BAD2", start_date="2020-13-45"))
    mixed.insert(
        300,
        dict(
            rows[2],
            source_record_id="BAD3",
            given_names="",
            family_name="",
            date_of_birth="",
            nhs_number="",
        ),
    )
    path = out / "mixed.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(mixed)
    mapping = (generated / "feeds" / "gp_registrations.toml").read_text(encoding="utf-8")
    mapping_path = out / "mixed.toml"
    mapping_path.write_text(
        mapping.replace('name = "gp_registrations"', 'name = "mixed"'), encoding="utf-8"
    )
    return path, mapping_path


def _import_args(feed: Path, mapping: Path) -> list[str]:
    return [
        "feed",
        "import",
        "--no-progress",
        "--chunk-rows",
        str(CHUNK),
        "--mapping",
        str(mapping),
        str(feed),
    ]


def _state(env: dict[str, str], generated: Path) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "childindex.sources.tests.state_dump", str(generated)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def _kill_after(env: dict[str, str], args: list[str], chunks: int | None) -> str:
    """Start the import and SIGKILL it once ``chunks`` chunks have committed (None: once the
    last one has). Returns the progress it reported."""
    process = subprocess.Popen(
        [sys.executable, "-m", "childindex", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: list[str] = []
    try:
        assert process.stderr is not None
        if chunks == 0:
            # Before anything commits: once the process is up and reading its index.
            time.sleep(1.5)
        else:
            for line in process.stderr:
                seen.append(line.strip())
                if "rows committed" not in line:
                    continue
                done, total = (
                    int(x) for x in line.split(": ", 1)[1].split(" rows")[0].split(" of ")
                )
                if (chunks is None and done == total) or (chunks and done >= chunks * CHUNK):
                    break
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    return "\n".join(seen)


@pytest.mark.slow
def test_an_import_killed_at_any_point_and_run_again_ends_as_if_never_interrupted(tmp_path):
    url = os.environ.get("DATABASE_URL", "")
    copies = PostgresCopies(url) if url.startswith("postgres") else SqliteCopies(tmp_path)
    try:
        generated = tmp_path / "generated"
        if isinstance(copies, PostgresCopies):
            copies.create("base")
        _run(copies.env("base"), "migrate", "-v0")
        _run(
            copies.env("base"),
            "generate",
            "--children",
            "150",
            "--seed",
            "5",
            "--as-of",
            "2026-11-21",
            "--out",
            str(generated),
            "--load",
        )
        feed, mapping = _mixed_feed(generated, tmp_path)
        args = _import_args(feed, mapping)

        copies.copy("base", "whole")
        _run(copies.env("whole"), *args)
        expected = _state(copies.env("whole"), generated)
        assert expected["runs"][0][0] == "finished"
        assert len(expected["rejected"]) == 3
        assert any(c.startswith("new:") for c in expected["children"])

        for i, chunks in enumerate(KILL_AFTER_CHUNKS):
            label = f"killed{i}"
            copies.copy("base", label)
            progress = _kill_after(copies.env(label), args, chunks)
            interrupted = _state(copies.env(label), generated)
            if chunks:
                assert interrupted["runs"] and interrupted["runs"][0][0] == "running", progress
                assert interrupted["runs"][0][2] >= chunks * CHUNK
            if chunks is None and interrupted["runs"][0][0] == "finished":
                resumed = interrupted  # the kill came after the run's last commit
            else:
                _run(copies.env(label), *args)
                resumed = _state(copies.env(label), generated)
            for part in expected:
                assert resumed[part] == expected[part], f"killed after {chunks}: {part} differs"
    finally:
        copies.close()
