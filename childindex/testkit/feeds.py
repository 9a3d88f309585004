"""The feed county: one LA with one GP practice, its service and practitioner, children in the
index, and the means to write a feed file and its mapping and import it (the feed tests and the
index team's pages)."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from childindex.directory.models import LocalAuthority, Practitioner, Service
from childindex.directory.tests.factories import (
    LocalAuthorityFactory,
    OrganisationFactory,
    PractitionerFactory,
    ServiceFactory,
)
from childindex.records.models import AddressStatus, Child
from childindex.records.search_index import search_keys_refresh
from childindex.records.tests.factories import (
    ChildAddressFactory,
    ChildFactory,
    ChildIdentifierFactory,
    ChildNameFactory,
)
from childindex.sources.importing import feed_import
from childindex.sources.models import ImportRun

COLUMNS = [
    "id",
    "nhs",
    "upn",
    "local",
    "given",
    "family",
    "dob",
    "sex",
    "line1",
    "postcode",
    "org",
    "service",
    "practitioner",
    "start",
    "end",
]
TODAY = dt.date(2026, 11, 21)


def mapping_text(
    *,
    la_code: str,
    name: str = "gp",
    kind: str = "snapshot",
    may_create: bool = True,
    encoding: str | None = None,
    date_format: str = "%Y-%m-%d",
) -> str:
    extra = f'encoding = "{encoding}"\n' if encoding else ""
    return f"""
[feed]
name = "{name}"
label = "Synthetic GP registrations"
local_authority = "{la_code}"
kind = "{kind}"
may_create_children = {"true" if may_create else "false"}
{extra}
[record]
key = "id"

[columns]
given_names = "given"
family_name = "family"
date_of_birth = "dob"
gender = "sex"
address_line_1 = "line1"
postcode = "postcode"
organisation_code = "org"
service_name = "service"
practitioner_email = "practitioner"
start_date = "start"
end_date = "end"

[dates]
formats = ["{date_format}"]

[[identifiers]]
column = "nhs"
type = "nhs"

[[identifiers]]
column = "upn"
type = "upn"

[[identifiers]]
column = "local"
type = "local"

[values.gender]
F = "female"
M = "male"
"""


@dataclass
class FeedCounty:
    """One LA, one GP practice and its service, a practitioner, and a folder for feed files
    (``files`` counts those written, so each gets a new name)."""

    la: LocalAuthority
    service: Service  # "Synthetic Practice", the practice's GP service
    practitioner: Practitioner  # of that service
    tmp: Path
    files: int = 0

    def row(
        self,
        key: str,
        given: str,
        family: str,
        dob: str,
        *,
        sex: str = "F",
        nhs: str = "",
        upn: str = "",
        local: str = "",
        line1: str = "1 Elm Road",
        postcode: str = "TN34 1AA",
        start: str = "2020-01-01",
        end: str = "",
        service: str | None = None,
    ) -> dict[str, str]:
        return {
            "id": key,
            "nhs": nhs,
            "upn": upn,
            "local": local,
            "given": given,
            "family": family,
            "dob": dob,
            "sex": sex,
            "line1": line1,
            "postcode": postcode,
            "org": self.service.organisation.code,
            "service": service or self.service.name,
            "practitioner": self.practitioner.secure_email,
            "start": start,
            "end": end,
        }

    def write(
        self,
        rows: list[dict[str, str]] | list[list[str]],
        *,
        columns: list[str] | None = None,
        encoding: str = "utf-8",
    ) -> Path:
        self.files += 1
        path = self.tmp / f"feed{self.files}.csv"
        with path.open("w", encoding=encoding, newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            header = columns or COLUMNS
            writer.writerow(header)
            for row in rows:
                writer.writerow([row.get(c, "") for c in header] if isinstance(row, dict) else row)
        return path

    def mapping(self, **options) -> str:
        return mapping_text(la_code=self.la.code, **options)

    def load(self, rows, *, mapping: str | None = None, **options) -> ImportRun:
        """Write ``rows`` to a new file and import it with this county's mapping."""
        return feed_import(
            path=self.write(rows), mapping_text=mapping or self.mapping(**options), today=TODAY
        )

    def child(
        self,
        given: str,
        family: str,
        dob: str,
        *,
        gender: str = "female",
        nhs: str = "",
        upn: str = "",
        line1: str = "1 Elm Road",
        postcode: str = "TN34 1AA",
        shielded: bool = False,
    ) -> Child:
        extra = (
            {"shielded": True, "shield_review_on": TODAY + dt.timedelta(days=90)}
            if shielded
            else {}
        )
        child = ChildFactory.create(
            date_of_birth=dt.date.fromisoformat(dob),
            gender=gender,
            responsible_la=self.la,
            current_name=None,
            **extra,
        )
        ChildNameFactory.create(child=child, given_names=given, family_name=family)
        ChildAddressFactory.create(
            child=child,
            status=AddressStatus.KNOWN,
            line_1=line1,
            town="Synthetic Town",
            postcode=postcode,
            local_authority=self.la,
            lived_from=None,
        )
        if nhs:
            ChildIdentifierFactory.create(child=child, type="nhs", issuer="", value=nhs)
        if upn:
            ChildIdentifierFactory.create(child=child, type="upn", issuer="", value=upn)
        # What the records services keep with a child's names and address (its search and
        # linkage keys), so search and a feed's blocking find it as they find a real child.
        search_keys_refresh(child_ids=[child.pk])
        return child


def feed_county(tmp_path: Path) -> FeedCounty:
    la = LocalAuthorityFactory.create()
    practice = OrganisationFactory.create(gp_practice=True, local_authority=la)
    service = ServiceFactory.create(organisation=practice, name="Synthetic Practice", kind="gp")
    practitioner = PractitionerFactory.create(organisation=practice, services=[service])
    return FeedCounty(la=la, service=service, practitioner=practitioner, tmp=tmp_path)
