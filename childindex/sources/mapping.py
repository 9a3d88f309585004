"""A feed's mapping file (TOML): which column holds which field, how dates are written, the
source's own record key, its identifiers, snapshot or changes, and whether it may create
children. Plain Python; ``parse_row`` turns one CSV row into a ``ParsedRow`` or raises
``RowError`` with a reason a person can act on.

    [feed]
    name = "gp_registrations"          # the source (a slug); --source must agree
    label = "GP registrations"
    local_authority = "E10000099"      # the LA whose index team works its review queue
    kind = "snapshot"                  # or "changes"
    may_create_children = true
    encoding = "utf-8"                 # optional

    [record]
    key = "source_record_id"           # the source's own record key

    [columns]                          # field = "column"
    given_names = "given_names"
    family_name = "family_name"
    date_of_birth = "date_of_birth"
    ...

    [dates]
    formats = ["%Y-%m-%d", "%d/%m/%Y"]

    [[identifiers]]
    column = "nhs_number"
    type = "nhs"                       # nhs, chi, hc, upn, or local (issuer: the feed)

    [service]                          # a fixed service, instead of the two service columns
    organisation_code = "Z10002"
    service_name = "Pencott Family Practice"

    [values.gender]                    # the source's codes -> the index's words
    M = "male"
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from json.encoder import encode_basestring_ascii as _string
from typing import Any

from childindex.core.ages import OLDEST_CHILD_YEARS
from childindex.core.identifiers import (
    IdentifierError,
    IdentifierType,
    validate_identifier,
)
from childindex.core.postcodes import PostcodeError, normalise_postcode

FIELDS = (
    "given_names",
    "family_name",
    "date_of_birth",
    "gender",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "organisation_code",
    "service_name",
    "practitioner_email",
    "start_date",
    "end_date",
    "date_of_death",  # optional: a trusted feed's date of death (``moves.feed_deaths_apply``)
)
REQUIRED_FIELDS = ("given_names", "family_name", "date_of_birth", "start_date")
DATE_FIELDS = ("date_of_birth", "start_date", "end_date")
DEFAULT_GENDERS = {
    "female": "female",
    "f": "female",
    "girl": "female",
    "male": "male",
    "m": "male",
    "boy": "male",
    "not_specified": "not_specified",
    "not specified": "not_specified",
    "u": "not_specified",
    "unknown": "not_specified",
    "": "not_specified",
    "x": "not_specified",
}
IDENTIFIER_TYPES = {t.value for t in IdentifierType if t != IdentifierType.INDEX}
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}\Z")
_LA_CODE = re.compile(r"^[ENSW][0-9]{8}\Z")


class MappingError(ValueError):
    """The mapping file cannot be used; the message says what to change."""


class RowError(ValueError):
    """One row cannot be used; the message is the row-problems report's reason, ``column``
    the file's column it is about (blank when it is about the row as a whole)."""

    def __init__(self, message: str, column: str = "") -> None:
        super().__init__(message)
        self.column = column


@dataclass(frozen=True)
class IdentifierColumn:
    column: str
    type: str
    issuer: str = ""


@dataclass(frozen=True)
class Mapping:
    name: str
    label: str
    local_authority: str
    kind: str
    may_create_children: bool
    key_column: str
    columns: dict[str, str]
    date_formats: tuple[str, ...]
    identifiers: tuple[IdentifierColumn, ...]
    fixed_service: dict[str, str]
    genders: dict[str, str]
    encoding: str
    sha256: str
    document: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def required_columns(self) -> list[str]:
        """The columns a file must have, in the order a person would look for them."""
        needed = [self.key_column] + [self.columns[f] for f in REQUIRED_FIELDS]
        if not self.fixed_service:
            needed += [self.columns["organisation_code"], self.columns["service_name"]]
        return list(dict.fromkeys(needed))

    @cached_property
    def field_columns(self) -> dict[str, str]:
        """Each field's column; an unmapped field's is a name no file has (reads as "")."""
        return {f: self.columns.get(f) or "\0unmapped" for f in FIELDS}

    @cached_property
    def used_columns(self) -> list[str]:
        cols = [self.key_column, *self.columns.values(), *(i.column for i in self.identifiers)]
        return list(dict.fromkeys(cols))

    def missing_columns(self, header: list[str]) -> list[str]:
        present = set(header)
        return [c for c in self.required_columns if c not in present]


def _require(table: dict[str, Any], key: str, where: str) -> Any:
    if key not in table:
        raise MappingError(f"the mapping needs {key} in [{where}]")
    return table[key]


def load_mapping(text: str, *, source: str | None = None) -> Mapping:
    """Parse and check a mapping file's text; ``source`` (the --source option) must agree."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"the mapping is not valid TOML: {exc}") from exc
    except RecursionError:
        raise MappingError(
            "the mapping is nested too deeply to read: a mapping needs only tables, lists and "
            "values a few levels deep"
        ) from None
    return mapping_from_document(doc, source=source)


def mapping_from_document(doc: dict[str, Any], *, source: str | None = None) -> Mapping:
    """A mapping from its parsed document (as a feed keeps it)."""
    feed = doc.get("feed", {})
    name = feed.get("name") or source
    if not name:
        raise MappingError('name the source: --source NAME, or name = "..." in [feed]')
    if source and feed.get("name") and source != feed["name"]:
        raise MappingError(f"--source {source} does not match the mapping's source {name}")
    if not _SLUG.match(name):
        raise MappingError(f"{name!r} is not a source name (lower-case letters, digits, - and _)")
    la = _require(feed, "local_authority", "feed")
    if not isinstance(la, str) or not _LA_CODE.match(la):
        raise MappingError("[feed] local_authority must be an LA code such as E10000099")
    kind = feed.get("kind", "snapshot")
    if kind not in {"snapshot", "changes"}:
        raise MappingError('[feed] kind must be "snapshot" or "changes"')
    may_create = feed.get("may_create_children", False)
    if not isinstance(may_create, bool):
        raise MappingError("[feed] may_create_children must be true or false")
    key_column = _require(doc.get("record", {}), "key", "record")
    columns = dict(doc.get("columns", {}))
    unknown = sorted(set(columns) - set(FIELDS))
    if unknown:
        raise MappingError(
            f"unknown fields in [columns]: {', '.join(unknown)} (known: {', '.join(FIELDS)})"
        )
    fixed = dict(doc.get("service", {}))
    if fixed and set(fixed) != {"organisation_code", "service_name"}:
        raise MappingError("[service] names organisation_code and service_name")
    missing = [f for f in REQUIRED_FIELDS if f not in columns]
    if not fixed:
        missing += [f for f in ("organisation_code", "service_name") if f not in columns]
    if missing:
        raise MappingError(f"[columns] must map: {', '.join(missing)}")
    formats = tuple(doc.get("dates", {}).get("formats", ["%Y-%m-%d"]))
    if not formats or not all(isinstance(f, str) for f in formats):
        raise MappingError("[dates] formats must be a list of strptime formats")
    identifiers = []
    for entry in doc.get("identifiers", []):
        column, kind_ = entry.get("column"), entry.get("type")
        if not column or kind_ not in IDENTIFIER_TYPES:
            known = ", ".join(sorted(IDENTIFIER_TYPES))
            raise MappingError(f"each [[identifiers]] needs a column and a type ({known})")
        issuer = entry.get("issuer", name) if kind_ == IdentifierType.LOCAL else ""
        identifiers.append(IdentifierColumn(column, kind_, issuer))
    genders = dict(DEFAULT_GENDERS)
    for code, value in doc.get("values", {}).get("gender", {}).items():
        if value not in {"female", "male", "not_specified"}:
            raise MappingError(f"[values.gender] {code} must map to female, male or not_specified")
        genders[str(code).strip().lower()] = value
    encoding = feed.get("encoding", "utf-8")
    try:
        "".encode(encoding)
    except LookupError as exc:
        raise MappingError(f"[feed] encoding {encoding!r} is not an encoding Python knows") from exc
    canonical = json.dumps(doc, sort_keys=True, default=str)
    return Mapping(
        name=name,
        label=feed.get("label", name),
        local_authority=la,
        kind=kind,
        may_create_children=may_create,
        key_column=key_column,
        columns=columns,
        date_formats=formats,
        identifiers=tuple(identifiers),
        fixed_service=fixed,
        genders=genders,
        encoding=encoding,
        sha256=hashlib.sha256(canonical.encode()).hexdigest(),
        document=doc,
    )


@dataclass(slots=True)
class ParsedRow:
    """One row in the index's terms. Not to be changed once made (not frozen only because a
    frozen dataclass of this size costs 2.5 µs more to build: a second per 400,000 rows)."""

    row_number: int
    line_number: int
    key: str
    given_names: str
    family_name: str
    date_of_birth: dt.date | None
    gender: str
    address_line_1: str
    address_line_2: str
    town: str
    postcode: str
    organisation_code: str
    service_name: str
    practitioner_email: str
    start_date: dt.date
    end_date: dt.date | None
    identifiers: dict[str, str]  # type -> compact value (national identifiers)
    local_identifiers: tuple[tuple[str, str], ...]  # (issuer, value)
    values: dict[str, str]  # the mapped columns as received
    values_sha256: str
    values_json: str = ""  # ``values`` as canonical JSON (sorted keys), what is hashed
    # (column, reason) of each value dropped from matching: the row is kept with warnings.
    warnings: tuple[tuple[str, str], ...] = ()
    # Given name, family name and date of birth all known: a row may create a child only
    # then (an incomplete row links when its evidence is strong enough, else goes to review).
    complete: bool = True


def _date(mapping: Mapping, field_name: str, text: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    day = _read_date(mapping.date_formats, text)
    if day is None:
        shapes = " or ".join(mapping.date_formats)
        raise RowError(
            f"{field_name} {text[:20]!r} is not a real date in the form {shapes}",
            mapping.field_columns.get(field_name, ""),
        )
    return day


def read_mapped_date(mapping: Mapping, text: str) -> dt.date | None:
    """A date as the mapping's date formats read it; None for blank or unreadable."""
    text = (text or "").strip()
    return _read_date(mapping.date_formats, text) if text else None


@lru_cache(maxsize=65536)  # a file's dates repeat: births and starts, a few thousand of each
def _read_date(formats: tuple[str, ...], text: str) -> dt.date | None:
    for fmt in formats:
        if fmt == "%Y-%m-%d" and len(text) == 10 and text[4] == text[7] == "-":
            try:
                return dt.date.fromisoformat(text)  # the same rule as strptime, faster
            except ValueError:
                continue
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a date, no time
        except ValueError:
            continue
    return None


_TEMPLATES: dict[tuple[str, ...], tuple[tuple[str, ...], str]] = {}


def _canonical(values: dict[str, str]) -> str:
    """``json.dumps(values, sort_keys=True)`` for a dict of strings, written out directly
    (every row of a file has the same keys, so the keys' part is made once): the values' hash
    must not change. The text is both hashed and stored."""
    keys = tuple(values)
    found = _TEMPLATES.get(keys)
    if found is None:
        ordered = tuple(sorted(keys))
        body = ", ".join(_string(k).replace("%", "%%") + ": %s" for k in ordered)
        found = _TEMPLATES[keys] = (ordered, "{" + body + "}")
        if len(_TEMPLATES) > 64:  # a mapping's key sets are few; never grow without bound
            _TEMPLATES.clear()
            _TEMPLATES[keys] = found
    ordered, template = found
    return template % tuple([_string(values[k]) for k in ordered])


@lru_cache(maxsize=65536)
def _postcode(text: str) -> str:
    try:
        return normalise_postcode(text)
    except PostcodeError as exc:
        raise RowError(f"postcode: {exc}") from exc


def _identifies(
    given: str, family: str, dob: dt.date | None, postcode: str, identifier: bool
) -> bool:
    """Enough to identify a child: a name (given or family) with an identifier, a name with a
    date of birth and a postcode, a full name with a date of birth or a postcode, or a date of
    birth with an identifier."""
    name = bool(given or family)
    return (
        (identifier and (name or dob is not None))
        or (name and dob is not None and bool(postcode))
        or (bool(given and family) and (dob is not None or bool(postcode)))
    )


def parse_row(
    mapping: Mapping, raw: dict[str, str], *, row_number: int, line_number: int, today: dt.date
) -> ParsedRow:
    """The row's values in the index's terms, or RowError naming the first problem."""
    values = {c: (raw[c] or "").strip() for c in mapping.used_columns if c in raw}
    key = values.get(mapping.key_column, "")
    if not key:
        raise RowError(f"no record key in column {mapping.key_column}", mapping.key_column)
    if len(key) > 100:
        raise RowError(
            f"the record key in column {mapping.key_column} is over 100 characters",
            mapping.key_column,
        )
    field_column = mapping.field_columns
    value = values.get

    def get(field_name: str) -> str:
        return value(field_column[field_name], "")

    warnings: list[tuple[str, str]] = []

    def dropped(column: str, error: RowError) -> None:
        warnings.append((column, f"{error} (dropped from matching)"))

    given, family = value(field_column["given_names"], ""), value(field_column["family_name"], "")
    dob_column = field_column["date_of_birth"]
    try:
        dob = _date(mapping, "date_of_birth", value(dob_column, ""))
        if dob is not None and dob > today:
            raise RowError(f"date_of_birth {dob.isoformat()} is in the future")
        if dob is not None and dob.year < today.year - OLDEST_CHILD_YEARS:
            raise RowError(f"date_of_birth {dob.isoformat()} is not a child's")
    except RowError as exc:
        dropped(dob_column, exc)
        dob = None
    start = _date(mapping, "start_date", value(field_column["start_date"], ""))
    end = _date(mapping, "end_date", value(field_column["end_date"], ""))
    if start is None:
        raise RowError("no start date", field_column["start_date"])
    if end is not None and end < start:
        raise RowError(
            f"end_date {end.isoformat()} is before start_date {start.isoformat()}",
            field_column["end_date"],
        )
    gender_text = get("gender")
    gender = mapping.genders.get(gender_text.lower())
    if gender is None:
        raise RowError(
            f"gender {gender_text[:20]!r} is not one the mapping knows "
            "(add it under [values.gender])",
            field_column["gender"],
        )
    postcode = get("postcode")
    if postcode:
        try:
            postcode = _postcode(postcode)
        except RowError as exc:
            dropped(field_column["postcode"], exc)
            postcode = ""
    identifiers: dict[str, str] = {}
    local: list[tuple[str, str]] = []
    for column in mapping.identifiers:
        text = values.get(column.column, "")
        if not text:
            continue
        try:
            compact = validate_identifier(column.type, text)
        except IdentifierError as exc:
            dropped(column.column, RowError(f"{column.column}: {exc}"))
            continue
        if column.type == IdentifierType.LOCAL:
            local.append((column.issuer, compact))
        else:
            identifiers[column.type] = compact
    complete = bool(given and family and dob)
    if not complete and not _identifies(given, family, dob, postcode, bool(identifiers or local)):
        missing = [
            label
            for label, held in (
                ("given name", given),
                ("family name", family),
                ("date of birth", dob),
                ("postcode", postcode),
                ("identifier", identifiers or local),
            )
            if not held
        ]
        dropped_too = "; ".join(reason for _column, reason in warnings)
        raise RowError(
            "not enough to identify a child (no "
            + ", no ".join(missing)
            + "): a row needs a name with an identifier, or a name with a date of birth and "
            "a postcode, or a full name with a date of birth or a postcode"
            + (f"; {dropped_too}" if dropped_too else "")
        )
    if mapping.fixed_service:
        organisation_code = mapping.fixed_service["organisation_code"]
        service_name = mapping.fixed_service["service_name"]
    else:
        organisation_code, service_name = get("organisation_code"), get("service_name")
        if not organisation_code or not service_name:
            raise RowError("no organisation code and service name")
    canonical = _canonical(values)
    return ParsedRow(
        row_number=row_number,
        line_number=line_number,
        key=key,
        given_names=given,
        family_name=family,
        date_of_birth=dob,
        gender=gender,
        address_line_1=get("address_line_1"),
        address_line_2=get("address_line_2"),
        town=get("town"),
        postcode=postcode,
        organisation_code=organisation_code,
        service_name=service_name,
        practitioner_email=get("practitioner_email").lower(),
        start_date=start,
        end_date=end,
        identifiers=identifiers,
        local_identifiers=tuple(local),
        values=values,
        values_sha256=hashlib.sha256(canonical.encode()).hexdigest(),
        values_json=canonical,
        warnings=tuple(warnings),
        complete=complete,
    )
