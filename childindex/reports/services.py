"""The reports' writes: loading the LA child population estimates (ONS mid-year estimates)."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from childindex.access import policy
from childindex.audit.models import Action
from childindex.audit.services import audit_record
from childindex.directory.models import LocalAuthority
from childindex.reports.models import MAX_CHILD_AGE, PopulationEstimate

# The ONS "MYEB1 detailed population estimates series" layout: one row per LA, sex and single
# year of age, one population column per mid-year: ladcode23, laname23, country, sex, age,
# population_2011, ..., population_2023 (the year in the code and name columns follows the
# geography's vintage; age 90 means 90 and over; sex is 1/2 or M/F).
LADCODE = re.compile(r"^ladcode\d*$")
LANAME = re.compile(r"^laname\d*$")
POPULATION = re.compile(r"^population_(\d{4})$")
MAX_ERRORS_SHOWN = 5
COMMAND_LABEL = "childindex population load"


@dataclass(frozen=True)
class EstimatesLoaded:
    local_authorities: list[str]
    years: list[int]
    rows: int
    skipped_unknown_las: list[str]


def _parse(handle: IO[str]) -> tuple[dict[tuple[str, int, int], int], set[str]]:
    reader = csv.reader(handle)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ValidationError(
            "The file is empty: expected the ONS mid-year estimate layout."
        ) from None
    code_col = next((i for i, h in enumerate(header) if LADCODE.match(h)), None)
    year_cols = {i: int(m.group(1)) for i, h in enumerate(header) if (m := POPULATION.match(h))}
    missing = [
        name
        for name, present in (
            ("ladcode (e.g. ladcode23)", code_col is not None),
            ("sex", "sex" in header),
            ("age", "age" in header),
            ("population_YYYY", bool(year_cols)),
        )
        if not present
    ]
    if missing:
        raise ValidationError(
            "The file is not in the ONS mid-year estimate layout (ladcode, laname, country, sex, "
            f"age, population_YYYY): missing {', '.join(missing)}."
        )
    assert code_col is not None  # checked with the other columns above
    age_col = header.index("age")
    sex_col = header.index("sex")
    totals: dict[tuple[str, int, int], int] = defaultdict(int)
    codes: set[str] = set()
    errors: list[str] = []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            errors.append(f"line {line}: {len(row)} columns, the header has {len(header)}")
            continue
        code = row[code_col].strip().upper()
        if row[sex_col].strip().upper() not in {"1", "2", "M", "F"}:
            errors.append(f"line {line}: sex must be 1, 2, M or F")
            continue
        try:
            age = int(row[age_col].strip().rstrip("+"))
        except ValueError:
            errors.append(f"line {line}: age {row[age_col][:10]!r} is not a whole number")
            continue
        codes.add(code)
        if age > MAX_CHILD_AGE:
            continue
        for col, year in year_cols.items():
            cell = row[col].strip().replace(",", "")
            if not cell.isdigit():
                errors.append(f"line {line}: population_{year} {cell[:12]!r} is not a count")
                break
            totals[code, year, age] += int(cell)
    if errors:
        more = len(errors) - MAX_ERRORS_SHOWN
        raise ValidationError(
            "Nothing was loaded; fix these rows and load the file again: "
            + "; ".join(errors[:MAX_ERRORS_SHOWN])
            + (f" (and {more} more)" if more > 0 else "")
        )
    return totals, codes


def population_estimates_load(*, actor, handle: IO[str], file_name: str) -> EstimatesLoaded:
    """Load an ONS mid-year estimates file: for every LA of the index in it, each year's
    estimates for ages 0 to 17 (both sexes together) replace that LA's estimates for that year.
    All or nothing: a bad row loads nothing and says which row. LAs the index does not hold
    are skipped and reported (the national file covers every LA)."""
    if actor is not None:  # None: the operator's own command line (``childindex population``)
        decision = policy.can_load_population_estimates(actor)
        if not decision:
            raise PermissionDenied(decision.message)
    totals, codes = _parse(handle)
    las = {la.code: la for la in LocalAuthority.objects.filter(code__in=codes)}
    now = timezone.now()
    years = sorted({year for _, year, _ in totals})
    with transaction.atomic():
        for la in las.values():
            PopulationEstimate.objects.filter(local_authority=la, year__in=years).delete()
        PopulationEstimate.objects.bulk_create(
            PopulationEstimate(
                local_authority=las[code],
                year=year,
                age=age,
                population=n,
                loaded_at=now,
                loaded_by=(getattr(actor, "username", "") or COMMAND_LABEL)[:150],
                source_file=file_name[:255],
            )
            for (code, year, age), n in sorted(totals.items())
            if code in las
        )
        loaded = EstimatesLoaded(
            local_authorities=sorted(las),
            years=years,
            rows=sum(1 for code, _, _ in totals if code in las),
            skipped_unknown_las=sorted(codes - set(las)),
        )
        audit_record(
            actor=actor,
            actor_label="" if actor is not None else COMMAND_LABEL,
            action=Action.CHANGE,
            detail={
                "change": "population_estimates_load",
                "file": file_name[:255],
                "local_authorities": loaded.local_authorities,
                "years": years,
                "rows": loaded.rows,
            },
        )
    return loaded


def population_estimates_load_text(*, actor, text: str, file_name: str) -> EstimatesLoaded:
    return population_estimates_load(actor=actor, handle=io.StringIO(text), file_name=file_name)
