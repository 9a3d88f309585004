"""Is the audit trail able to work right now? The checks behind ``GET /readyz``.

A web process that cannot append to the audit trail cannot show anything (every read of child
data writes its event first), and a trail whose checkpoints have stopped is no longer
tamper-evident past the last one. Each check returns ``None`` when all is well, or the sentence
an operator reads. None of them writes anything that stays: the append is rolled back.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import logging
import os
from pathlib import Path

from django.conf import settings
from django.core.mail import mail_admins
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from childindex.audit.models import Action, AuditEvent
from childindex.audit.services import audit_record

logger = logging.getLogger(__name__)

READINESS_PROBE = Action.READINESS_PROBE  # the action of the probe's (rolled back) event


class _RollBack(Exception):
    pass


def database_problem() -> str | None:
    """The database answers a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return f"the database does not answer: {_first_line(exc)}"
    return None


def audit_append_problem() -> str | None:
    """An event can be appended to the chain: the chain lock, the append (the one-statement
    function on PostgreSQL) and the rights to insert. The probe's event is rolled back, so it
    leaves no event and no gap in the ids."""
    try:
        with transaction.atomic():
            audit_record(actor=None, action=READINESS_PROBE, actor_label="readyz")
            raise _RollBack
    except _RollBack:
        return None
    except DatabaseError as exc:
        return f"an audit event cannot be appended: {_first_line(exc)}"


def checkpoint_problem(*, now: dt.datetime | None = None) -> str | None:
    """The checkpoint folder is configured and writable, and no event has waited for a signed
    checkpoint longer than two clock intervals (``AUDIT_CHECKPOINT_MINUTES``) and a minute."""
    directory = settings.AUDIT_CHECKPOINT_DIR
    if directory is None:
        return "audit checkpoints are not configured (CHILDINDEX_AUDIT_CHECKPOINT_DIR)"
    directory = Path(directory)
    problem = folder_write_problem(directory)
    if problem:
        return problem
    covered = last_checkpointed_event_id(directory)
    oldest = (
        AuditEvent.objects.filter(id__gt=covered)
        .exclude(action=READINESS_PROBE)
        .order_by("id")
        .values_list("at", flat=True)
        .first()
    )
    if oldest is None:
        return None
    limit = dt.timedelta(minutes=2 * settings.AUDIT_CHECKPOINT_MINUTES + 1)
    waited = (now or timezone.now()) - oldest
    if waited > limit:
        return (
            f"no signed checkpoint for {int(waited.total_seconds() // 60)} minutes "
            f"(events after {covered} wait; limit {int(limit.total_seconds() // 60)} minutes): "
            "is the clock (`childindex monitor --every`) and the worker running?"
        )
    return None


def folder_write_problem(directory: Path) -> str | None:
    """A checkpoint-sized file can be written and flushed into the folder (a full disk, a
    read-only mount or lost rights show here before a checkpoint is lost)."""
    probe = directory / f".readyz-{os.getpid()}"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(descriptor, b"\0" * 4096)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    except OSError as exc:
        return f"the checkpoint folder {directory} cannot be written: {_os_reason(exc)}"
    finally:
        probe.unlink(missing_ok=True)
    return None


def last_checkpointed_event_id(directory: Path) -> int:
    """The event id the newest checkpoint file signs (0 when there is none)."""
    names = sorted(p.name for p in directory.glob("*.json"))
    if not names:
        return 0
    try:
        return int(json.loads((directory / names[-1]).read_text("ascii"))["event_id"])
    except (OSError, ValueError, KeyError):
        return int(names[-1].split("-", 1)[1].removesuffix(".json") or 0)


def alert_operator_checkpoint_failed(exc: BaseException) -> None:
    """Tell the operator at once: a CRITICAL log line (for the log alerting) and an e-mail to
    ``ADMINS`` (``CHILDINDEX_OPERATOR_EMAILS``). The trail keeps being written; what stops is
    its tamper evidence past the last checkpoint, until the folder can be written again."""
    reason = _os_reason(exc) if isinstance(exc, OSError) else str(exc)
    alert_operator(
        f"Audit checkpoint not written to {settings.AUDIT_CHECKPOINT_DIR}: {reason}. "
        "Free or fix the checkpoint folder; /readyz fails until it can be written."
    )


def alert_operator_if_folder_unwritable() -> str | None:
    """When there was nothing new to sign, the folder is still probed: a full disk is told to
    the operator before the next checkpoint is due, not after it was lost."""
    directory = settings.AUDIT_CHECKPOINT_DIR
    problem = folder_write_problem(Path(directory)) if directory is not None else None
    if problem:
        alert_operator(f"{problem}. The next audit checkpoint will fail; /readyz fails until then.")
    return problem


def alert_operator(message: str) -> None:
    logger.critical(message)
    if settings.ADMINS:
        try:
            mail_admins("childindex: audit checkpoint not written", message)
        except Exception:  # the log line above stands even when the mail server is down
            logger.exception("could not e-mail the operators")


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "no space left on the device (the disk is full)"
    return exc.strerror or str(exc)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
