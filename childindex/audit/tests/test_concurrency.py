"""Concurrent writers make one unbroken chain; a process killed mid-transaction leaves nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from django.db import connection, connections

from childindex.audit.models import AuditEvent, AuditEventChild
from childindex.audit.services import audit_record
from childindex.audit.verify import verify_trail

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_writers_make_one_unbroken_chain():
    if connection.vendor != "postgresql":
        pytest.skip(
            "PostgreSQL-specific: SQLite allows one writer at a time (its write lock serialises "
            "appends by construction), so there is no concurrency to test"
        )
    writers, per_writer = 50, 8
    start = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write(n: int) -> None:
        try:
            start.wait()
            for k in range(per_writer):
                audit_record(
                    actor=None,
                    actor_label=f"writer{n}",
                    action="record_view",
                    children=[f"{10_000_000_000 + n * 100 + k}"],
                )
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert list(AuditEvent.objects.order_by("id").values_list("id", flat=True)) == list(
        range(1, writers * per_writer + 1)
    )
    report = verify_trail(checkpoint_dir=None, public_keys=[])
    assert report.problem is None
    assert report.events == writers * per_writer
    assert AuditEventChild.objects.count() == writers * per_writer


_KILLED_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    import django
    django.setup()
    from django.db import transaction
    from childindex.audit.services import audit_record

    audit_record(actor=None, actor_label="before", action="sign_in_failed", request_id="kept")
    with transaction.atomic():
        audit_record(
            actor=None, actor_label="killed", action="change", request_id="killed",
            children=["12345678901"],
        )
        print("written, not committed", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """
)


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        return (
            f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
            f"{settings['PORT'] or 5432}/{settings['NAME']}"
        )
    raise AssertionError("only for PostgreSQL")


def _run(code_or_args, database_url: str, *, script: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DATABASE_URL=database_url,
        CHILDINDEX_MODE="test",
        DJANGO_SETTINGS_MODULE="childindex.config.settings",
        PYTHONPATH=str(ROOT),
    )
    command = (
        [sys.executable, "-c", code_or_args]
        if script
        else [sys.executable, "-m", "childindex", *code_or_args]
    )
    return subprocess.run(
        command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300, check=False
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_process_killed_mid_transaction_leaves_no_partial_event(tmp_path):
    if connection.vendor == "postgresql":
        database_url = _database_url()
    else:  # the in-memory test database is invisible to another process: use a file
        database_url = f"sqlite:///{tmp_path / 'killed.sqlite3'}"
        migrated = _run(["migrate", "--verbosity", "0"], database_url, script=False)
        assert migrated.returncode == 0, migrated.stderr

    killed = _run(_KILLED_WRITER, database_url, script=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert "written, not committed" in killed.stdout

    check = _run(
        textwrap.dedent(
            """
            import django
            django.setup()
            from childindex.audit.models import AuditEvent, AuditEventChild
            from childindex.audit.services import audit_record
            print(sorted(AuditEvent.objects.values_list("request_id", flat=True)))
            print(AuditEventChild.objects.count())
            print(audit_record(actor=None, actor_label="after", action="sign_in_failed").id)
            """
        ),
        database_url,
        script=True,
    )
    assert check.returncode == 0, check.stderr
    kept, links, next_id = check.stdout.split("\n")[:3]
    assert kept == "['kept']"  # the killed transaction's event is gone, whole
    assert links == "0"  # and so are its child-index rows
    assert next_id == "2"  # the chain lock was released: the next writer follows on, no gap

    verified = _run(["audit", "verify", "--no-checkpoints"], database_url, script=False)
    assert verified.returncode == 0, verified.stderr
    assert "audit trail whole: 2 events" in verified.stdout
