"""`childindex audit verify | keygen | checkpoint`: the operator's tools for the audit trail.

- ``verify``: check every link of the chain and every signed checkpoint, against the witness
  file (the furthest checkpoint seen). Exit 0 when the trail is whole (a fresh install: "whole:
  N events, no checkpoint yet"); exit 1 naming the first broken event or checkpoint and what is
  wrong with it; exit 3 when no checkpoint was ever written or seen and old events are unsigned.
- ``keygen --out PATH``: make the Ed25519 key pair that signs checkpoints (PATH and PATH.pub).
  Keep the private key outside the database and its backups.
- ``checkpoint``: sign the chain's head now (the worker does this every N events or M minutes).
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from childindex.audit import checkpoints
from childindex.audit.services import checkpoint_write, trail_origin
from childindex.audit.verify import verify_trail

# Exit code when no checkpoint exists or was ever seen, and events older than twice the
# checkpoint interval are unsigned (docs/operations.md). A broken trail exits 1.
NO_CHECKPOINT_OLD_EVENTS = 3


class Command(BaseCommand):
    help = "Verify the audit trail, make a checkpoint signing key, or write a checkpoint now."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(
            dest="subcommand", required=True, metavar="verify|keygen|checkpoint"
        )
        verify = sub.add_parser("verify", help="Check every link and every checkpoint signature.")
        verify.add_argument(
            "--checkpoints",
            type=Path,
            default=None,
            help="Checkpoint folder (default: CHILDINDEX_AUDIT_CHECKPOINT_DIR).",
        )
        verify.add_argument(
            "--public-key",
            type=Path,
            action="append",
            default=None,
            help="A public key that may have signed checkpoints (repeatable; default: "
            "CHILDINDEX_AUDIT_PUBLIC_KEYS, or the signing key's .pub).",
        )
        verify.add_argument(
            "--no-checkpoints",
            action="store_true",
            help="Check the chain alone (a recomputed chain will then go unnoticed).",
        )
        verify.add_argument("--chunk-size", type=int, default=5000)
        keygen = sub.add_parser("keygen", help="Make the Ed25519 key pair that signs checkpoints.")
        keygen.add_argument("--out", type=Path, required=True, help="Private key file to create.")
        sub.add_parser("checkpoint", help="Sign the chain's head into the checkpoint folder now.")

    def handle(self, *args, **options) -> None:
        getattr(self, f"_{options['subcommand']}")(options)

    def _verify(self, options) -> None:
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be at least 1")
        directory = None
        if not options["no_checkpoints"]:
            directory = options["checkpoints"] or settings.AUDIT_CHECKPOINT_DIR
            if directory is None:
                raise CommandError(
                    "no checkpoint folder: set CHILDINDEX_AUDIT_CHECKPOINT_DIR or pass "
                    "--checkpoints (or --no-checkpoints to check the chain alone)"
                )
            directory = Path(directory)
        public_keys = options["public_key"] or [Path(p) for p in settings.AUDIT_PUBLIC_KEYS]
        started = time.monotonic()
        report = verify_trail(
            checkpoint_dir=directory,
            public_keys=public_keys,
            chunk_size=options["chunk_size"],
            origin=checkpoints.origin_line(trail_origin()),
            witness_paths=list(settings.AUDIT_WITNESS_FILES),
            unsigned_after=dt.timedelta(minutes=2 * settings.AUDIT_CHECKPOINT_MINUTES),
        )
        elapsed = time.monotonic() - started
        if report.checkpoint_problem:
            raise CommandError(f"audit checkpoints broken: {report.checkpoint_problem}")
        if report.problem is not None:
            raise CommandError(
                f"audit trail broken at event {report.problem.event_id}: {report.problem.problem}"
            )
        for note in report.notes:
            self.stdout.write(f"note: {note}")
        if directory is not None and report.no_checkpoint_yet:
            message = (
                f"audit trail whole: {report.events} events, no checkpoint yet; run "
                "`childindex audit checkpoint` (the chain alone was checked)"
            )
            if report.unsigned_old_from:
                raise CommandError(
                    f"{message}. Event {report.unsigned_old_from} is older than twice the "
                    "checkpoint interval: either the checkpoint worker has never run, or the "
                    "checkpoints were removed before they were ever verified",
                    returncode=NO_CHECKPOINT_OLD_EVENTS,
                )
            self.stdout.write(message)
            return
        self.stdout.write(
            f"audit trail whole: {report.events} events (last {report.last_event_id}), "
            f"{report.checkpoints} signed checkpoints (to event {report.covered_to}), "
            f"checked in {elapsed:.1f} s"
        )

    def _keygen(self, options) -> None:
        try:
            key_id = checkpoints.generate_key_pair(options["out"])
        except (checkpoints.CheckpointError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        public = checkpoints.public_key_path(options["out"])
        self.stdout.write(
            f"audit signing key {key_id}: private key {options['out']} (keep it out of the "
            f"database and its backups), public key {public}"
        )

    def _checkpoint(self, options) -> None:
        try:
            written = checkpoint_write()
        except (checkpoints.CheckpointError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        if written is None:
            self.stdout.write("no new events since the last checkpoint")
        else:
            self.stdout.write(f"checkpoint {written.sequence}: event {written.event_id} signed")
