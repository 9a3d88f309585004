"""Accounts for the load test: one distinct, ready account per simulated user.

    python benchmarks/load/accounts.py --practitioners 400 --index-team 50 --auditors 50 \
        --out var/load/accounts.csv      (DATABASE_URL set; synthetic data only)

Each account is approved, vetted, trained and has a confirmed authenticator with a secret
written to ``--out`` (username, role, password, base32 secret), so each simulated user signs in
as a person does: password, then a fresh code. Practitioners take over the generator's
practitioner accounts (each has a practitioner and services); index-team and auditor accounts
are made in the first LA's own organisation. Distinct accounts keep per-user limits (search
limits, two-factor codes that work once) per simulated user. Also writes ``--children``: name
and date of birth of children to search for: active children whose record the clock's daily
lifecycle run will not archive in the next ``--lifecycle-margin`` days (60), that is children
who are not 18 by then, so that a record a simulated practitioner is working on is not archived
under them by the LA's ordinary day (the record would then be gone: 404).
"""

from __future__ import annotations

import argparse
import base64
import csv
import datetime as dt
import hashlib
import os
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childindex.config.settings")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from childindex.access import agreement  # noqa: E402
from childindex.access.models import AgreementAcceptance, Role, User  # noqa: E402
from childindex.directory.models import LocalAuthority, Organisation  # noqa: E402
from childindex.records.models import ChildName  # noqa: E402
from childindex.sources.lifecycle import ARCHIVE_AGE, years_before  # noqa: E402

PASSWORD = "synthetic-load-test-only-2026"  # noqa: S105 - synthetic accounts only


def _secret_hex(username: str) -> str:
    return hashlib.sha256(f"childindex-load:{username}".encode()).hexdigest()[:40]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--practitioners", type=int, default=400)
    parser.add_argument("--index-team", type=int, default=50)
    parser.add_argument("--auditors", type=int, default=50)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--children", type=Path, required=True)
    parser.add_argument("--lifecycle-margin", type=int, default=60, metavar="DAYS")
    args = parser.parse_args()
    la = LocalAuthority.objects.order_by("pk").first()
    today = dt.date.today()
    hashed = make_password(PASSWORD)  # one hash for all (each sign-in still checks it)
    org = Organisation.objects.filter(local_authority=la).order_by("pk").first()
    rows = []
    with transaction.atomic():
        practitioners = list(
            User.objects.filter(role=Role.PRACTITIONER, practitioner__isnull=False)
            .select_related("practitioner")
            .order_by("pk")[: args.practitioners]
        )
        if len(practitioners) < args.practitioners:
            raise SystemExit(
                f"only {len(practitioners)} practitioner accounts: generate a larger county"
            )
        wanted = [(u, Role.PRACTITIONER) for u in practitioners]
        for role, count in ((Role.INDEX_TEAM, args.index_team), (Role.AUDITOR, args.auditors)):
            for n in range(count):
                username = f"load-{role.value.replace('_', '-')}-{n:04d}"
                user = User.objects.filter(username=username).first() or User(username=username)
                user.organisation = org
                wanted.append((user, role))
        for user, role in wanted:
            if role == Role.PRACTITIONER:
                user.username = f"load-practitioner-{user.pk:06d}"
                user.organisation = user.practitioner.organisation
            user.role = role
            user.local_authority = la
            user.first_name, user.last_name = "Load", role.label
            user.email = f"{user.username}@example.invalid"
            user.approved_on = today
            user.suspended_on = None
            user.is_active = True
            user.dbs_checked_on = today - dt.timedelta(days=30)
            user.training_completed_on = today - dt.timedelta(days=20)
            user.password = hashed
            user.save()
            TOTPDevice.objects.filter(user=user).delete()
            key = _secret_hex(user.username)
            TOTPDevice.objects.create(user=user, name="Authenticator app", key=key, confirmed=True)
            if agreement.is_due(user):  # accepted as at a first sign-in (issue 17)
                AgreementAcceptance.objects.create(
                    user=user, version=agreement.VERSION, accepted_at=timezone.now()
                )
            secret = base64.b32encode(bytes.fromhex(key)).decode()
            rows.append((user.username, role.value, PASSWORD, secret))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="") as handle:
        csv.writer(handle).writerows([("username", "role", "password", "secret"), *rows])
    # Not 18 by today + margin (archive at 18; those kept to 25 with consent are left out too).
    not_due = years_before(today + dt.timedelta(days=args.lifecycle_margin), ARCHIVE_AGE)
    names = ChildName.objects.filter(
        kind="current", child__status="active", child__date_of_birth__gt=not_due
    ).select_related("child")
    with args.children.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(("given", "family", "day", "month", "year", "index_number"))
        for name in names.order_by("?")[:5000]:
            born = name.child.date_of_birth
            out.writerow(
                (name.given_names, name.family_name, born.day, born.month, born.year,
                 name.child.index_number)
            )  # fmt: skip
    print(f"{len(rows)} accounts in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
