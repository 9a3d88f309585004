"""`directory_import`: load LAs, their postcode districts, organisations, services and
practitioners from a folder of files, so an LA can start from an empty index.

One transaction: either every good row is written or nothing is. Bad rows are left out and
reported with their file and row number (``directory.registers``). Running it again on the
same files changes nothing; a changed row updates what it describes. One audit event says
what was read (the files' SHA-256) and what changed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from childindex.audit.models import Action
from childindex.audit.services import audit_record
from childindex.directory.models import (
    LocalAuthority,
    Organisation,
    PostcodeDistrict,
    Practitioner,
    Service,
)
from childindex.directory.registers import DirectoryFiles, Held, RowProblem, directory_files_read

IMPORTER_LABEL = "childindex directory import"
BATCH = 500


@dataclass(frozen=True, slots=True)
class DirectoryImportResult:
    counts: dict[str, int]  # "<what>_<created|updated|unchanged>"
    problems: tuple[RowProblem, ...]
    skipped: dict[str, int]
    files: dict[str, str]

    @property
    def changed(self) -> int:
        return sum(n for k, n in self.counts.items() if not k.endswith("_unchanged"))


def directory_held() -> Held:
    """What the index holds that a folder's rows may refer to."""
    las = dict(LocalAuthority.objects.values_list("pk", "code"))
    organisations: dict[str, set[str]] = {}
    by_pk: dict[int, tuple[str, str]] = {}
    for pk, type_, code in Organisation.objects.values_list("pk", "type", "code"):
        organisations.setdefault(code, set()).add(type_)
        by_pk[pk] = (type_, code)
    return Held(
        la_codes=frozenset(las.values()),
        la_by_dfe_number={
            number: code
            for code, number in LocalAuthority.objects.filter(
                dfe_la_number__isnull=False
            ).values_list("code", "dfe_la_number")
            if number is not None  # the filter already says so; the type checker needs it here
        },
        la_by_district={
            outward: las[la_id]
            for outward, la_id in PostcodeDistrict.objects.values_list(
                "outward", "local_authority_id"
            )
        },
        organisations={code: frozenset(types) for code, types in organisations.items()},
        services=frozenset(
            (*by_pk[org_id], name.casefold())
            for org_id, name in Service.objects.values_list("organisation_id", "name")
        ),
    )


def _upsert(
    model: Any,
    *,
    wanted: dict[Any, dict[str, Any]],
    held: dict[Any, Any],
    what: str,
    counts: Counter[str],
) -> dict[Any, Any]:
    """Create the rows ``wanted`` that are not ``held``; update the held ones that differ.
    A ``None`` value means "the file does not say": the held value stays."""
    create, update, fields = [], [], set()
    for key, values in wanted.items():
        row = held.get(key)
        if row is None:
            row = model(**{k: v for k, v in values.items() if v is not None})
            create.append(row)
            held[key] = row
            continue
        changed = [
            name
            for name, value in values.items()
            if value is not None and getattr(row, name) != value
        ]
        if not changed:
            counts[f"{what}_unchanged"] += 1
            continue
        for name in changed:
            setattr(row, name, values[name])
        fields.update(changed)
        update.append(row)
    for row in create:
        row.full_clean(validate_unique=False, validate_constraints=False)
    model.objects.bulk_create(create, batch_size=BATCH)
    if update:
        for row in update:
            row.updated_at = dt.datetime.now(dt.UTC)
        model.objects.bulk_update(update, [*sorted(fields), "updated_at"], batch_size=BATCH)
    counts[f"{what}_created"] += len(create)
    counts[f"{what}_updated"] += len(update)
    return held


def _write(files: DirectoryFiles, counts: Counter[str]) -> None:
    las = _upsert(
        LocalAuthority,
        wanted={
            la.code: {
                "code": la.code,
                "name": la.name,
                "nation": la.nation,
                "index_team_phone": la.index_team_phone,
                "index_team_email": la.index_team_email,
                "safeguarding_email": la.safeguarding_email,
                "dfe_la_number": la.dfe_la_number,
            }
            for la in files.las
        },
        held={la.code: la for la in LocalAuthority.objects.all()},
        what="local_authorities",
        counts=counts,
    )
    _upsert(
        PostcodeDistrict,
        wanted={
            outward: {"outward": outward, "local_authority": las[la.code]}
            for la in files.las
            for outward in la.districts
        },
        held={d.outward: d for d in PostcodeDistrict.objects.select_related("local_authority")},
        what="postcode_districts",
        counts=counts,
    )
    if not las:
        las = {la.code: la for la in LocalAuthority.objects.all()}
    for la in LocalAuthority.objects.filter(code__in=[o.la_code for o in files.organisations]):
        las.setdefault(la.code, la)
    organisations = _upsert(
        Organisation,
        wanted={
            (o.type, o.code): {
                "type": o.type,
                "code": o.code,
                "name": o.name,
                "local_authority": las[o.la_code],
                "address": o.address,
                "postcode": o.postcode,
                "phone": o.phone,
                "email": o.email,
            }
            for o in files.organisations
        },
        held={(o.type, o.code): o for o in Organisation.objects.select_related("local_authority")},
        what="organisations",
        counts=counts,
    )
    services_held = {
        (s.organisation.type, s.organisation.code, s.name.casefold()): s
        for s in Service.objects.select_related("organisation")
    }
    services = _upsert(
        Service,
        wanted={
            (s.organisation_type, s.organisation_code, s.name.casefold()): {
                "organisation": organisations[(s.organisation_type, s.organisation_code)],
                "name": s.name,
                "kind": s.kind,
                "category": s.category,
                "sensitive": s.sensitive,
                "phone": s.phone,
                "email": s.email,
            }
            for s in files.services
        },
        held=services_held,
        what="services",
        counts=counts,
    )
    practitioners = _upsert(
        Practitioner,
        wanted={
            p.secure_email: {
                "secure_email": p.secure_email,
                "given_name": p.given_name,
                "family_name": p.family_name,
                "job_title": p.job_title,
                "organisation": organisations[(p.organisation_type, p.organisation_code)],
                "work_phone": p.work_phone,
            }
            for p in files.practitioners
        },
        held={p.secure_email: p for p in Practitioner.objects.select_related("organisation")},
        what="practitioners",
        counts=counts,
    )
    # Which services a practitioner works in: the ones listed are added, none taken away
    # (a practitioner may work in a service no file of this import mentions).
    through = Practitioner.services.through
    linked = set(through.objects.values_list("practitioner_id", "service_id"))
    add = []
    for p in files.practitioners:
        practitioner = practitioners[p.secure_email]
        for name in p.service_names:
            service = services_held.get((p.organisation_type, p.organisation_code, name.casefold()))
            if service is None:
                service = services[(p.organisation_type, p.organisation_code, name.casefold())]
            pair = (practitioner.pk, service.pk)
            if pair not in linked:
                linked.add(pair)
                add.append(through(practitioner_id=practitioner.pk, service_id=service.pk))
    through.objects.bulk_create(add, batch_size=BATCH)
    counts["practitioner_services_created"] += len(add)


def directory_import(*, folder: Path, actor_label: str = IMPORTER_LABEL) -> DirectoryImportResult:
    """Import every directory file in ``folder``; see the module's docstring for the rules."""
    with transaction.atomic():
        files = directory_files_read(folder, held=directory_held())
        counts: Counter[str] = Counter()
        _write(files, counts)
        result = DirectoryImportResult(
            counts=dict(sorted(counts.items())),
            problems=files.problems,
            skipped=files.skipped,
            files=files.files,
        )
        audit_record(
            actor=None,
            actor_label=actor_label,
            action=Action.DIRECTORY_IMPORT,
            detail={
                "files": files.files,
                "counts": result.counts,
                "bad_rows": len(files.problems),
                "skipped": files.skipped,
            },
        )
    return result
