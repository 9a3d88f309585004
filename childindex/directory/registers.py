"""Reading the directory's source files: the generator's own layout and the public registers.

An LA starts its part of the index from files it already has:

- the generator's layout (``local_authorities.csv``, ``organisations.csv``, ``services.csv``,
  ``practitioners.csv``, as ``childindex generate`` writes them);
- the DfE's Get Information about Schools establishment export (``edubasealldata*.csv``:
  ``URN``, ``EstablishmentName``, ``LA (code)``, ``TypeOfEstablishment (name)``,
  ``PhaseOfEducation (name)``, ``EstablishmentStatus (name)``, ``Street``, ``Locality``,
  ``Address3``, ``Town``, ``Postcode``, ``TelephoneNum``), for schools;
- the NHS ODS GP practice file (``epraccur*.csv``, headerless, its columns in a fixed order),
  for GP practices.

This module reads and checks rows and says what is wrong with each bad one (file, row number,
column, problem); it writes nothing. A bad row is left out, never the whole file. A row that
names something another bad row would have made is bad too, with that reason.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from childindex.core.models import Nation
from childindex.core.postcodes import PostcodeError, is_outward_code, normalise_postcode

GENERATOR_FILES = (
    "local_authorities.csv",
    "organisations.csv",
    "services.csv",
    "practitioners.csv",
)
GIAS_PATTERN = "edubasealldata*.csv"
EPRACCUR_PATTERN = "epraccur*.csv"

ORGANISATION_TYPES = (
    "school",
    "early_years",
    "gp_practice",
    "health_trust",
    "local_authority",
    "youth_justice",
    "voluntary",
)
SERVICE_KINDS = (
    "school",
    "early_years",
    "gp",
    "health_visiting",
    "school_nursing",
    "camhs",
    "speech_language",
    "paediatrics",
    "education_welfare",
    "early_help",
    "social_care",
    "youth_justice",
    "youth_service",
    "connexions",
    "sexual_health",
    "substance_misuse",
    "voluntary",
)
SERVICE_CATEGORIES = ("universal", "additional", "specialist", "statutory")
_NATION_LETTER = {"E": "england", "W": "wales", "S": "scotland", "N": "northern_ireland"}

# GIAS: the columns read, the phases known, and the statuses that mean "not open".
GIAS_COLUMNS = (
    "URN",
    "EstablishmentName",
    "LA (code)",
    "TypeOfEstablishment (name)",
    "PhaseOfEducation (name)",
    "EstablishmentStatus (name)",
    "Street",
    "Locality",
    "Address3",
    "Town",
    "Postcode",
    "TelephoneNum",
)
GIAS_PHASES = (
    "Not applicable",
    "Nursery",
    "Primary",
    "Middle deemed primary",
    "Secondary",
    "Middle deemed secondary",
    "16 plus",
    "All-through",
)
GIAS_CLOSED = ("Closed",)
# epraccur: 27 columns, no header. The ones read, by position (0-based).
EPRACCUR_WIDTH = 27
EPRACCUR_CODE, EPRACCUR_NAME = 0, 1
EPRACCUR_ADDRESS = (4, 5, 6, 7, 8)
EPRACCUR_POSTCODE, EPRACCUR_STATUS, EPRACCUR_PHONE, EPRACCUR_SETTING = 9, 12, 17, 25
EPRACCUR_OPEN_STATUSES = ("A", "P")  # active, proposed (C closed, D dormant)
EPRACCUR_GP_SETTING = "4"  # prescribing setting 4: a GP practice

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}\Z")
_URN = re.compile(r"^[0-9]{6}\Z")
_ODS_PRACTICE = re.compile(r"^[A-Z][0-9]{5}\Z")
_ONS = re.compile(r"^[ENSW][0-9]{8}\Z")
_PHONE_CHARS = re.compile(r"^\+?[0-9 ()-]{7,20}\Z")


class DirectoryFilesError(Exception):
    """The folder cannot be read as a directory import at all; the message says why."""


@dataclass(frozen=True, slots=True)
class RowProblem:
    file: str
    row: int  # the line in the file: a header is line 1
    column: str
    problem: str


@dataclass(frozen=True, slots=True)
class LaRow:
    code: str
    name: str
    nation: str
    index_team_phone: str
    index_team_email: str
    safeguarding_email: str
    dfe_la_number: int | None
    districts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OrganisationRow:
    type: str
    code: str
    name: str
    la_code: str
    address: str
    postcode: str
    phone: str
    email: str | None  # None: the layout has no e-mail, so a held one is kept


@dataclass(frozen=True, slots=True)
class ServiceRow:
    organisation_type: str
    organisation_code: str
    name: str
    kind: str
    category: str
    sensitive: bool
    phone: str
    email: str | None


@dataclass(frozen=True, slots=True)
class PractitionerRow:
    secure_email: str
    given_name: str
    family_name: str
    job_title: str
    organisation_type: str
    organisation_code: str
    service_names: tuple[str, ...]
    work_phone: str


@dataclass(frozen=True, slots=True)
class Held:
    """What the index already holds that rows may refer to."""

    la_codes: frozenset[str] = frozenset()
    la_by_dfe_number: dict[int, str] = field(default_factory=dict)
    la_by_district: dict[str, str] = field(default_factory=dict)
    organisations: dict[str, frozenset[str]] = field(default_factory=dict)  # code -> types
    services: frozenset[tuple[str, str, str]] = frozenset()  # (type, code, casefold name)


@dataclass(frozen=True, slots=True)
class DirectoryFiles:
    """Everything read from one folder: the good rows, the problems, the files' digests."""

    las: tuple[LaRow, ...]
    organisations: tuple[OrganisationRow, ...]
    services: tuple[ServiceRow, ...]
    practitioners: tuple[PractitionerRow, ...]
    problems: tuple[RowProblem, ...]
    files: dict[str, str]  # name -> SHA-256
    skipped: dict[str, int]  # closed establishments and practices, by file


def check_phone(value: str) -> str:
    """A UK telephone number as written (spaces kept): 10 or 11 digits from 0, or +44."""
    text = " ".join((value or "").split())
    digits = re.sub(r"[^0-9]", "", text)
    if not text:
        raise ValueError("enter a telephone number")
    if not _PHONE_CHARS.match(text):
        raise ValueError(f"{text[:20]!r} is not a telephone number (like 01632 960 001)")
    if text.startswith("+"):
        if not digits.startswith("44") or len(digits) not in (11, 12):
            raise ValueError(f"{text[:20]!r} is not a UK number (+44 and 9 or 10 digits)")
    elif not digits.startswith("0") or len(digits) not in (10, 11):
        raise ValueError(f"{text[:20]!r} is not a UK number (0 and 9 or 10 more digits)")
    return text


def check_email(value: str, *, required: bool) -> str:
    text = (value or "").strip()
    if not text:
        if required:
            raise ValueError("enter an e-mail address")
        return ""
    try:
        validate_email(text)
    except ValidationError:
        raise ValueError(f"{text[:40]!r} is not an e-mail address") from None
    return text.lower()


def _postcode(value: str) -> str:
    try:
        return normalise_postcode(value)
    except PostcodeError as exc:
        raise ValueError(str(exc)) from None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _rows(path: Path, *, header: bool) -> Iterator[tuple[int, dict[str, str] | list[str]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            if header:
                reader = csv.DictReader(handle)
                for number, row in enumerate(reader, start=2):
                    yield number, {k.strip(): (v or "").strip() for k, v in row.items() if k}
            else:
                for number, cells in enumerate(csv.reader(handle), start=1):
                    yield number, [c.strip() for c in cells]
    except UnicodeDecodeError:
        raise DirectoryFilesError(f"{path.name} is not UTF-8 text: save it as UTF-8") from None
    except (OSError, csv.Error) as exc:
        raise DirectoryFilesError(f"cannot read {path.name}: {exc}") from None


def _header(path: Path, required: Iterable[str]) -> None:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first = next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DirectoryFilesError(f"cannot read {path.name}: {exc}") from None
    missing = [c for c in required if c not in {h.strip() for h in first}]
    if missing:
        raise DirectoryFilesError(
            f"{path.name} lacks the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}: is it the right file?"
        )


class _Reader:
    """Reads one folder's files in dependency order, each row checked against the rows
    before it and against what the index holds."""

    def __init__(self, folder: Path, held: Held) -> None:
        self.folder = folder
        self.held = held
        self.problems: list[RowProblem] = []
        self.files: dict[str, str] = {}
        self.skipped: dict[str, int] = {}
        self.las: dict[str, LaRow] = {}
        self.districts: dict[str, str] = dict(held.la_by_district)
        self.dfe_numbers: dict[int, str] = dict(held.la_by_dfe_number)
        self.organisations: dict[tuple[str, str], OrganisationRow] = {}
        self.services: dict[tuple[str, str, str], ServiceRow] = {}
        self.practitioners: dict[str, PractitionerRow] = {}

    # --- helpers -----------------------------------------------------------------------

    def _problem(self, file: str, row: int, column: str, problem: str) -> None:
        self.problems.append(RowProblem(file=file, row=row, column=column, problem=problem))

    def _la_known(self, code: str) -> bool:
        return code in self.las or code in self.held.la_codes

    def _org_types(self, code: str) -> set[str]:
        types = set(self.held.organisations.get(code, frozenset()))
        types.update(t for (t, c) in self.organisations if c == code)
        return types

    def _service_known(self, type_: str, code: str, name: str) -> bool:
        key = (type_, code, name.casefold())
        return key in self.services or key in self.held.services

    # --- the generator's layout ----------------------------------------------------------

    def local_authorities(self, path: Path) -> None:
        name = path.name
        _header(path, ("code", "name", "nation", "index_team_phone", "index_team_email"))
        for number, row in _rows(path, header=True):
            assert isinstance(row, dict)
            try:
                la = self._la(row)
            except _Bad as bad:
                self._problem(name, number, bad.column, bad.problem)
                continue
            if la.code in self.las:
                self._problem(name, number, "code", f"{la.code} is listed twice")
                continue
            clash = [d for d in la.districts if self.districts.get(d, la.code) != la.code]
            claimed = [d for d in clash if any(d in o.districts for o in self.las.values())]
            if claimed:
                self._problem(
                    name,
                    number,
                    "districts",
                    f"district {claimed[0]} is already another LA's in this file",
                )
                continue
            if la.dfe_la_number is not None:
                other = self.dfe_numbers.get(la.dfe_la_number)
                if other and other != la.code:
                    self._problem(
                        name,
                        number,
                        "upn_la_number",
                        f"LA number {la.dfe_la_number} is already {other}'s",
                    )
                    continue
                self.dfe_numbers[la.dfe_la_number] = la.code
            self.las[la.code] = la
            for district in la.districts:
                self.districts[district] = la.code

    def _la(self, row: dict[str, str]) -> LaRow:
        code = row.get("code", "").upper()
        if not _ONS.match(code):
            raise _Bad(
                "code", f"{code[:12]!r} is not an ONS code (a letter E, W, S or N, 8 digits)"
            )
        nation = row.get("nation", "").lower().replace(" ", "_")
        if nation not in Nation.values:
            raise _Bad("nation", f"{nation[:20]!r} is not a nation ({', '.join(Nation.values)})")
        if _NATION_LETTER[code[0]] != nation:
            raise _Bad("nation", f"an LA code starting {code[0]} is in {_NATION_LETTER[code[0]]}")
        la_name = row.get("name", "")
        if not la_name or len(la_name) > 120:
            raise _Bad("name", "enter the LA's name (at most 120 characters)")
        number_text = row.get("upn_la_number", "") or row.get("dfe_la_number", "")
        number = None
        if number_text:
            if not re.match(r"^[0-9]{3}\Z", number_text) or not 201 <= int(number_text) <= 938:
                raise _Bad("upn_la_number", f"{number_text[:6]!r} is not a DfE LA number (201-938)")
            number = int(number_text)
        districts = tuple(row.get("districts", "").upper().split())
        bad = [d for d in districts if not is_outward_code(d) or len(d) > 4]
        if bad:
            raise _Bad("districts", f"{bad[0][:8]!r} is not a postcode district (like TN34)")
        if len(set(districts)) != len(districts):
            raise _Bad("districts", "a district is listed twice")
        phone = _checked("index_team_phone", check_phone, row.get("index_team_phone", ""))
        email = _checked(
            "index_team_email", check_email, row.get("index_team_email", ""), required=True
        )
        safeguarding = _checked(
            "safeguarding_email", check_email, row.get("safeguarding_email", ""), required=False
        )
        return LaRow(
            code=code,
            name=la_name,
            nation=nation,
            index_team_phone=phone,
            index_team_email=email,
            safeguarding_email=safeguarding,
            dfe_la_number=number,
            districts=districts,
        )

    def organisations_file(self, path: Path) -> None:
        name = path.name
        _header(path, ("code", "type", "name", "la_code", "postcode", "phone"))
        for number, row in _rows(path, header=True):
            assert isinstance(row, dict)
            try:
                type_ = row.get("type", "").lower()
                if type_ not in ORGANISATION_TYPES:
                    raise _Bad("type", f"{type_[:20]!r} is not an organisation type")
                org = self._organisation(
                    type_=type_,
                    code=row.get("code", "").upper(),
                    name=row.get("name", ""),
                    la_code=row.get("la_code", "").upper(),
                    address=row.get("address", ""),
                    postcode=row.get("postcode", ""),
                    phone=row.get("phone", ""),
                    email=row.get("email", ""),
                )
            except _Bad as bad:
                self._problem(name, number, bad.column, bad.problem)
                continue
            self._add_organisation(name, number, org)

    def _organisation(
        self,
        *,
        type_: str,
        code: str,
        name: str,
        la_code: str,
        address: str,
        postcode: str,
        phone: str,
        email: str | None,
        code_column: str = "code",
    ) -> OrganisationRow:
        if not _CODE.match(code):
            raise _Bad(code_column, f"{code[:20]!r} is not an organisation code")
        if not name or len(name) > 200:
            raise _Bad("name", "enter the organisation's name (at most 200 characters)")
        if not self._la_known(la_code):
            raise _Bad("la_code", f"no local authority {la_code[:12]} in the index or this import")
        postcode = _checked("postcode", _postcode, postcode)
        phone = _checked("phone", check_phone, phone)
        if email is not None:
            email = _checked("email", check_email, email, required=False)
        if len(address) > 300:
            raise _Bad("address", "an address has at most 300 characters")
        return OrganisationRow(
            type=type_,
            code=code,
            name=name,
            la_code=la_code,
            address=address,
            postcode=postcode,
            phone=phone,
            email=email,
        )

    def _add_organisation(self, file: str, number: int, org: OrganisationRow) -> None:
        key = (org.type, org.code)
        if key in self.organisations and self.organisations[key] != org:
            self._problem(file, number, "code", f"{org.code} is listed twice, differently")
            return
        self.organisations[key] = org

    def services_file(self, path: Path) -> None:
        name = path.name
        _header(path, ("organisation_code", "name", "kind", "category", "sensitive", "phone"))
        for number, row in _rows(path, header=True):
            assert isinstance(row, dict)
            try:
                service = self._service(row)
            except _Bad as bad:
                self._problem(name, number, bad.column, bad.problem)
                continue
            self.services[
                (service.organisation_type, service.organisation_code, service.name.casefold())
            ] = service

    def _one_type(self, code: str, column: str) -> str:
        types = self._org_types(code)
        if not types:
            raise _Bad(column, f"no organisation {code[:20]} in the index or this import")
        if len(types) > 1:
            raise _Bad(column, f"{code[:20]} is the code of {len(types)} organisations")
        return types.pop()

    def _service(self, row: dict[str, str]) -> ServiceRow:
        code = row.get("organisation_code", "").upper()
        type_ = self._one_type(code, "organisation_code")
        service_name = row.get("name", "")
        if not service_name or len(service_name) > 200:
            raise _Bad("name", "enter the service's name (at most 200 characters)")
        kind = row.get("kind", "").lower()
        if kind not in SERVICE_KINDS:
            raise _Bad("kind", f"{kind[:20]!r} is not a kind of service")
        category = row.get("category", "").lower()
        if category not in SERVICE_CATEGORIES:
            raise _Bad(
                "category", f"{category[:20]!r} is not a category ({', '.join(SERVICE_CATEGORIES)})"
            )
        sensitive_text = row.get("sensitive", "").lower()
        if sensitive_text not in ("0", "1", "true", "false", "yes", "no", ""):
            raise _Bad("sensitive", f"{sensitive_text[:10]!r} is not 1 or 0")
        sensitive = sensitive_text in ("1", "true", "yes")
        if sensitive and category not in ("additional", "specialist"):
            raise _Bad("category", "a sensitive service is additional or specialist")
        phone = _checked("phone", check_phone, row.get("phone", ""))
        email = _checked("email", check_email, row.get("email", ""), required=False)
        return ServiceRow(
            organisation_type=type_,
            organisation_code=code,
            name=service_name,
            kind=kind,
            category=category,
            sensitive=sensitive,
            phone=phone,
            email=email,
        )

    def practitioners_file(self, path: Path) -> None:
        name = path.name
        _header(
            path,
            ("secure_email", "given_name", "family_name", "job_title", "organisation_code"),
        )
        for number, row in _rows(path, header=True):
            assert isinstance(row, dict)
            try:
                practitioner = self._practitioner(row)
            except _Bad as bad:
                self._problem(name, number, bad.column, bad.problem)
                continue
            held = self.practitioners.get(practitioner.secure_email)
            if held is not None:
                if (held.organisation_type, held.organisation_code) != (
                    practitioner.organisation_type,
                    practitioner.organisation_code,
                ):
                    self._problem(
                        name, number, "secure_email", "listed twice, in two organisations"
                    )
                    continue
                names = held.service_names + tuple(
                    n for n in practitioner.service_names if n not in held.service_names
                )
                practitioner = PractitionerRow(
                    **{
                        **{f: getattr(practitioner, f) for f in PractitionerRow.__slots__},
                        "service_names": names,
                    }
                )
            self.practitioners[practitioner.secure_email] = practitioner

    def _practitioner(self, row: dict[str, str]) -> PractitionerRow:
        email = _checked("secure_email", check_email, row.get("secure_email", ""), required=True)
        given, family = row.get("given_name", ""), row.get("family_name", "")
        if not given or not family or len(given) > 100 or len(family) > 100:
            raise _Bad("given_name" if not given else "family_name", "enter both names")
        job = row.get("job_title", "")
        if not job or len(job) > 120:
            raise _Bad("job_title", "enter a job title (at most 120 characters)")
        code = row.get("organisation_code", "").upper()
        type_ = self._one_type(code, "organisation_code")
        service_name = row.get("service_name", "")
        if service_name and not self._service_known(type_, code, service_name):
            raise _Bad("service_name", f"{code[:20]} has no service {service_name[:60]!r}")
        phone = _checked("work_phone", check_phone, row.get("work_phone", ""))
        return PractitionerRow(
            secure_email=email,
            given_name=given,
            family_name=family,
            job_title=job,
            organisation_type=type_,
            organisation_code=code,
            service_names=(service_name,) if service_name else (),
            work_phone=phone,
        )

    # --- the public registers -------------------------------------------------------------

    def gias(self, path: Path) -> None:
        name = path.name
        _header(path, GIAS_COLUMNS)
        for number, row in _rows(path, header=True):
            assert isinstance(row, dict)
            if row.get("EstablishmentStatus (name)", "") in GIAS_CLOSED:
                self.skipped[name] = self.skipped.get(name, 0) + 1
                continue
            try:
                urn = row.get("URN", "")
                if not _URN.match(urn):
                    raise _Bad("URN", f"{urn[:10]!r} is not a URN (six digits)")
                la_number = row.get("LA (code)", "")
                if not re.match(r"^[0-9]{3}\Z", la_number):
                    raise _Bad("LA (code)", f"{la_number[:6]!r} is not a DfE LA number")
                la_code = self.dfe_numbers.get(int(la_number))
                if la_code is None:
                    raise _Bad("LA (code)", f"no local authority with DfE number {la_number}")
                phase = row.get("PhaseOfEducation (name)", "")
                if phase not in GIAS_PHASES:
                    raise _Bad("PhaseOfEducation (name)", f"{phase[:30]!r} is not a phase")
                if not row.get("TypeOfEstablishment (name)", ""):
                    raise _Bad("TypeOfEstablishment (name)", "the type of establishment is blank")
                type_ = "early_years" if phase == "Nursery" else "school"
                address = ", ".join(
                    p
                    for p in (row.get(c, "") for c in ("Street", "Locality", "Address3", "Town"))
                    if p
                )
                org = self._organisation(
                    type_=type_,
                    code=urn,
                    name=row.get("EstablishmentName", ""),
                    la_code=la_code,
                    address=address,
                    postcode=row.get("Postcode", ""),
                    phone=row.get("TelephoneNum", ""),
                    email=None,
                    code_column="URN",
                )
            except _Bad as bad:
                self._problem(name, number, bad.column, bad.problem)
                continue
            self._from_register(name, org, kind="school" if type_ == "school" else "early_years")

    def epraccur(self, path: Path) -> None:
        name = path.name
        for number, cells in _rows(path, header=False):
            assert isinstance(cells, list)
            if len(cells) != EPRACCUR_WIDTH:
                self._problem(
                    name,
                    number,
                    "",
                    f"{len(cells)} columns, where epraccur has {EPRACCUR_WIDTH}",
                )
                continue
            if cells[EPRACCUR_STATUS] not in EPRACCUR_OPEN_STATUSES or cells[
                EPRACCUR_SETTING
            ] not in ("", EPRACCUR_GP_SETTING):
                self.skipped[name] = self.skipped.get(name, 0) + 1
                continue
            try:
                code = cells[EPRACCUR_CODE].upper()
                if not _ODS_PRACTICE.match(code):
                    raise _Bad("1 (organisation code)", f"{code[:10]!r} is not a practice code")
                postcode = _checked("10 (postcode)", _postcode, cells[EPRACCUR_POSTCODE])
                la_code = self.districts.get(postcode.split(" ")[0])
                if la_code is None:
                    raise _Bad(
                        "10 (postcode)",
                        f"postcode district {postcode.split(' ')[0]} is in no LA's districts",
                    )
                address = ", ".join(cells[i] for i in EPRACCUR_ADDRESS if cells[i])
                try:
                    org = self._organisation(
                        type_="gp_practice",
                        code=code,
                        name=cells[EPRACCUR_NAME],
                        la_code=la_code,
                        address=address,
                        postcode=postcode,
                        phone=cells[EPRACCUR_PHONE],
                        email=None,
                    )
                except _Bad as bad:
                    column = {"name": "2 (name)", "phone": "18 (telephone)"}.get(
                        bad.column, bad.column
                    )
                    raise _Bad(column, bad.problem) from None
            except _Bad as bad:
                self._problem(name, number, bad.column, bad.problem)
                continue
            self._from_register(name, org, kind="gp")

    def _from_register(self, file: str, org: OrganisationRow, *, kind: str) -> None:
        """A register's row for an organisation the LA's own files (``organisations.csv``)
        already describe in this import is left out: the LA's own description wins."""
        if (org.type, org.code) in self.organisations:
            self.skipped[file] = self.skipped.get(file, 0) + 1
            return
        self.organisations[(org.type, org.code)] = org
        self._register_service(org, kind=kind)

    def _register_service(self, org: OrganisationRow, *, kind: str) -> None:
        """A school, setting or practice from a register provides one universal service under
        its own name (unless the generator's layout already described it)."""
        key = (org.type, org.code, org.name.casefold())
        if key in self.services:
            return
        self.services[key] = ServiceRow(
            organisation_type=org.type,
            organisation_code=org.code,
            name=org.name,
            kind=kind,
            category="universal",
            sensitive=False,
            phone=org.phone,
            email=None,
        )


class _Bad(Exception):
    def __init__(self, column: str, problem: str) -> None:
        super().__init__(problem)
        self.column = column
        self.problem = problem


def _checked(column: str, check, *args, **kwargs):
    """``check(*args, **kwargs)``, a ValueError becoming the row's problem in ``column``."""
    try:
        return check(*args, **kwargs)
    except ValueError as exc:
        raise _Bad(column, str(exc)) from None


def directory_files_read(folder: Path, *, held: Held) -> DirectoryFiles:
    """Read every directory file in ``folder``: the generator's layout, then the registers."""
    if not folder.is_dir():
        raise DirectoryFilesError(f"--from {folder} is not a folder")
    found = [folder / n for n in GENERATOR_FILES if (folder / n).is_file()]
    gias = sorted(folder.glob(GIAS_PATTERN))
    epraccur = sorted(folder.glob(EPRACCUR_PATTERN))
    if not found and not gias and not epraccur:
        raise DirectoryFilesError(
            f"{folder} holds no directory files ({', '.join(GENERATOR_FILES)}, "
            f"{GIAS_PATTERN} or {EPRACCUR_PATTERN})"
        )
    reader = _Reader(folder, held)
    steps = {
        "local_authorities.csv": reader.local_authorities,
        "organisations.csv": reader.organisations_file,
        "services.csv": reader.services_file,
        "practitioners.csv": reader.practitioners_file,
    }
    for path in found:
        if path.name == "practitioners.csv":
            continue
        steps[path.name](path)
    for path in gias:
        reader.gias(path)
    for path in epraccur:
        reader.epraccur(path)
    if (folder / "practitioners.csv").is_file():
        reader.practitioners_file(folder / "practitioners.csv")
    for path in [*found, *gias, *epraccur]:
        reader.files[path.name] = _sha256(path)
    return DirectoryFiles(
        las=tuple(reader.las.values()),
        organisations=tuple(reader.organisations.values()),
        services=tuple(reader.services.values()),
        practitioners=tuple(reader.practitioners.values()),
        problems=tuple(sorted(reader.problems, key=lambda p: (p.file, p.row))),
        files=reader.files,
        skipped=reader.skipped,
    )
