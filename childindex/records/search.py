"""Finding a child: the criteria a search needs, candidate retrieval through indexes, ranking.

Used only through ``records.selectors.child_search``, which asks the access policy which
children a user can find and on which fields, and audits the search.

Rules (§3): a search needs enough to identify a child — a name and a date of birth (or year
of birth) or a postcode (or postcode district), or an identifier — and returns a short ranked
list, never a browsable roll. It matches only the fields a user may see: a shielded child's
address and national identifiers are not searched for users who may not see them, so such a
search looks exactly like "no match".

Retrieval never scans the children: candidates come from the search-key table (phonetic code or
prefix of each name token paired with the date of birth, birth year, postcode district, or
district and birth year), the postcode index and the identifier indexes, in one statement a
look that also brings back their names and visible addresses. Scoring is in Python over those
few candidates.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db.models import (
    Aggregate,
    BooleanField,
    Case,
    CharField,
    Count,
    Expression,
    F,
    Field,
    JSONField,
    Lookup,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import JSONArray

from childindex.core.ages import OLDEST_CHILD_YEARS
from childindex.core.identifiers import (
    IdentifierError,
    IdentifierType,
    validate_identifier,
)
from childindex.core.postcodes import (
    PostcodeError,
    is_outward_code,
    normalise_postcode,
    postcode_district,
)
from childindex.core.routers import read_connection
from childindex.records.models import (
    Child,
    ChildAddress,
    ChildIdentifier,
    ChildName,
    Gender,
    NameKind,
)
from childindex.records.search_models import ChildSearchKey
from childindex.records.search_text import name_similarity, name_tokens, query_keys

MAX_RESULTS = 20
MAX_NAME_LENGTH = 100
MAX_NAME_TOKENS = 6
MAX_FIELD_LENGTH = 40

# Candidate caps: how many children each index lookup may bring back for scoring.
KEY_CANDIDATES = 150
POSTCODE_CANDIDATES = 400

GOOD_MATCH = 90  # a narrow look that finds this score or better is not widened
NAME_MIN = 0.7  # below this a name is not the child searched for
CORROBORATION_MIN = 0.5  # a date of birth or an address must also fit this well
OTHER_NAME_FACTOR = 0.97  # a former name or alias ranks just below a current name

WEIGHTS = {"name": 0.55, "dob": 0.30, "postcode": 0.25, "gender": 0.05}

_NAME_ALLOWED = re.compile(r"^[^\W\d_]+(?:[ '’.\-]+[^\W\d_]+)*[ .]*$")
_IDENTIFIER_SEPARATORS = re.compile(r"[\s\-]")


class SearchCriteriaError(ValueError):
    """The criteria cannot make a search; ``errors`` maps a field (or "criteria") to a reason."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class SearchCriteria:
    """Validated criteria. ``entered`` keeps them as typed (for the audit trail)."""

    tokens: tuple[str, ...] = ()
    date_of_birth: dt.date | None = None
    birth_year: int | None = None
    postcode: str = ""
    district: str = ""
    gender: str = ""
    identifier_types: tuple[str, ...] = ()
    identifier: str = ""
    entered: dict[str, str] = field(default_factory=dict)

    @property
    def swapped_date_of_birth(self) -> dt.date | None:
        """The date with day and month swapped, where that is a different real date."""
        born = self.date_of_birth
        if born is None or born.day > 12 or born.day == born.month:
            return None
        try:
            return born.replace(day=born.month, month=born.day)
        except ValueError:
            return None


@dataclass(frozen=True)
class Match:
    """One ranked candidate: enough to tell children apart, never a full address."""

    child_id: int
    index_number: str
    given_names: str
    family_name: str
    matched_other_name: str
    date_of_birth: dt.date
    gender: str
    town: str
    local_authority: str
    details_visible: bool
    score: int

    @property
    def gender_label(self) -> str:
        return Gender(self.gender).label

    @property
    def formatted_index_number(self) -> str:
        return f"{self.index_number[0:4]} {self.index_number[4:8]} {self.index_number[8:]}"


# --- Criteria --------------------------------------------------------------------------------


def _has_control_characters(value: str) -> bool:
    return any(unicodedata.category(c) in {"Cc", "Cf", "Cs", "Co"} for c in value)


def _clean_name(value: str, errors: dict[str, str]) -> tuple[str, ...]:
    value = (value or "").strip()
    if not value:
        return ()
    if len(value) > MAX_NAME_LENGTH:
        errors["name"] = f"Name must be {MAX_NAME_LENGTH} characters or fewer"
        return ()
    if _has_control_characters(value):
        errors["name"] = "Name must not contain control characters"
        return ()
    if not _NAME_ALLOWED.match(value):
        errors["name"] = "Name must only include letters, spaces, hyphens and apostrophes"
        return ()
    tokens = name_tokens(value)
    if not tokens:
        errors["name"] = "Name must include letters A to Z"
        return ()
    if len(tokens) > MAX_NAME_TOKENS:
        errors["name"] = f"Enter at most {MAX_NAME_TOKENS} names"
        return ()
    return tokens


def _check_field(name: str, label: str, value: str, errors: dict[str, str]) -> str:
    value = (value or "").strip()
    if len(value) > MAX_FIELD_LENGTH:
        errors[name] = f"{label} must be {MAX_FIELD_LENGTH} characters or fewer"
        return ""
    if _has_control_characters(value):
        errors[name] = f"{label} must not contain control characters"
        return ""
    return value


def parse_date_of_birth(value: str, *, today: dt.date) -> tuple[dt.date | None, int | None]:
    """``"2015-03-04"`` (a date) or ``"2015"`` (a year only). Raises ValueError with a reason."""
    earliest_year = today.year - OLDEST_CHILD_YEARS
    if re.fullmatch(r"\d{4}", value):
        year = int(value)
        if year > today.year:
            raise ValueError("Year of birth must be this year or in the past")
        if year < earliest_year:
            raise ValueError(f"Year of birth must be {earliest_year} or later")
        return None, year
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value)
    if not match:
        raise ValueError("Date of birth must be a real date, like 27 3 2015, or a year, like 2015")
    try:
        born = dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise ValueError("Date of birth must be a real date, like 27 3 2015") from exc
    if born > today:
        raise ValueError("Date of birth must be today or in the past")
    if born.year < earliest_year:
        raise ValueError(f"Date of birth must be in {earliest_year} or later")
    return born, None


def _sentence(exc: Exception) -> str:
    text = str(exc)
    return text[:1].upper() + text[1:]


def _parse_identifier(value: str) -> tuple[tuple[str, ...], str]:
    """Which identifier types ``value`` validly is, and its compact form; ValueError if none."""
    compact = _IDENTIFIER_SEPARATORS.sub("", value).upper()
    if compact.isdigit() and compact.isascii() and len(compact) == 11:
        try:
            return (IdentifierType.INDEX.value,), validate_identifier(IdentifierType.INDEX, compact)
        except IdentifierError as exc:
            raise ValueError(_sentence(exc)) from exc
    if compact.isdigit() and compact.isascii() and len(compact) == 10:
        types = []
        for kind in (IdentifierType.NHS, IdentifierType.CHI, IdentifierType.HC):
            try:
                validate_identifier(kind, compact)
            except IdentifierError:
                continue
            types.append(kind.value)
        if not types:
            raise ValueError(
                f"{compact} is not a valid NHS, CHI or Health and Care number: "
                "check the digits (the last one is a check digit)"
            )
        return tuple(types), compact
    if len(compact) == 13 and compact[:1].isalpha() and compact.isalnum() and compact.isascii():
        try:
            return (IdentifierType.UPN.value,), validate_identifier(IdentifierType.UPN, compact)
        except IdentifierError as exc:
            raise ValueError(_sentence(exc)) from exc
    raise ValueError(
        "Identifier must be an index number (11 digits), an NHS, CHI or Health and Care "
        "number (10 digits) or a Unique Pupil Number (13 characters)"
    )


def parse_criteria(
    *,
    name: str = "",
    date_of_birth: str = "",
    postcode: str = "",
    gender: str = "",
    identifier: str = "",
    today: dt.date | None = None,
) -> SearchCriteria:
    """Validate what was typed; raises SearchCriteriaError saying what to fix or add."""
    today = today or dt.date.today()
    errors: dict[str, str] = {}
    tokens = _clean_name(name, errors)
    dob_text = _check_field("date_of_birth", "Date of birth", date_of_birth, errors)
    postcode_text = _check_field("postcode", "Postcode", postcode, errors)
    gender_text = _check_field("gender", "Gender", gender, errors)
    identifier_text = _check_field("identifier", "Identifier", identifier, errors)

    born, year = None, None
    if dob_text:
        try:
            born, year = parse_date_of_birth(dob_text, today=today)
        except ValueError as exc:
            errors["date_of_birth"] = str(exc)
    full_postcode, district = "", ""
    if postcode_text:
        if is_outward_code(postcode_text):
            district = re.sub(r"\s+", "", postcode_text).upper()
        else:
            try:
                full_postcode = normalise_postcode(postcode_text)
                district = postcode_district(full_postcode)
            except PostcodeError:
                errors["postcode"] = (
                    "Enter a full postcode, like TN34 1AA, or a postcode district, like TN34"
                )
    if gender_text and gender_text not in Gender.values:
        errors["gender"] = "Gender must be female, male or not specified"
    identifier_types: tuple[str, ...] = ()
    identifier_value = ""
    if identifier_text:
        try:
            identifier_types, identifier_value = _parse_identifier(identifier_text)
        except ValueError as exc:
            errors["identifier"] = str(exc)
    if errors:
        raise SearchCriteriaError(errors)

    has_dob = born is not None or year is not None
    if not identifier_value:
        if not tokens and not (has_dob or district):
            raise SearchCriteriaError(
                {
                    "criteria": "Enter the child's name and their date of birth or postcode, "
                    "or an identifier such as an NHS number"
                }
            )
        if not tokens:
            raise SearchCriteriaError(
                {"name": "Enter the child's name as well (or search by an identifier)"}
            )
        if not (has_dob or district):
            raise SearchCriteriaError(
                {
                    "criteria": "Add the child's date of birth (or year of birth) or postcode "
                    "to the name: a name alone is not enough to find a child"
                }
            )
    entered = {
        key: value
        for key, value in {
            "name": (name or "").strip(),
            "date_of_birth": dob_text,
            "postcode": postcode_text,
            "gender": gender_text,
            "identifier": identifier_text,
        }.items()
        if value
    }
    return SearchCriteria(
        tokens=tokens,
        date_of_birth=born,
        birth_year=year if born is None else born.year,
        postcode=full_postcode,
        district=district,
        gender=gender_text,
        identifier_types=identifier_types,
        identifier=identifier_value,
        entered=entered,
    )


# --- Retrieval -------------------------------------------------------------------------------
#
# Each look at the index is ONE statement: the candidates come from an indexed subquery (search
# keys, the postcode index, an identifier) and every candidate comes back as one row with what
# scoring needs — the child, their names and, where the user may see them, their addresses,
# gathered as JSON arrays. On PostgreSQL a search is then the two-factor check, one statement
# (two if the narrow look finds no good match) and the audit event.
#
# Django takes several times longer to compile that statement than the database takes to run
# it, so a name look's SQL is compiled once per access policy (``_statement``, with the access
# policy's conditions in it) and run with the keys and postcode of each search as parameters.


class _JSONRows(Aggregate):
    """A group's rows as one JSON array: ``jsonb_agg`` on PostgreSQL, ``json_group_array`` on
    SQLite."""

    function = "JSONB_AGG"
    output_field = JSONField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSON_GROUP_ARRAY", **extra_context)


def _held(model: type[ChildName] | type[ChildAddress], *fields: str) -> Subquery:
    """The child's rows of ``model`` as a JSON array of ``fields`` arrays (NULL if none)."""
    return Subquery(
        model.objects.filter(child_id=OuterRef("pk"))
        .values("child_id")
        .annotate(rows=_JSONRows(JSONArray(*fields)))
        .values("rows")
    )


_NAMES = _held(ChildName, "kind", "given_names", "family_name")
_ADDRESSES = _held(ChildAddress, "postcode", "town", "lived_until")


_COLUMNS = (
    "pk",
    "index_number",
    "date_of_birth",
    "gender",
    "responsible_la__name",
    "details_visible",
    "held_names",
    "held_addresses",
)


def _rows_queryset(where: Q, *, findable: Q, details: Q) -> QuerySet:
    """The findable children picked by ``where`` (an indexed subquery), each with whether its
    locating details are visible, its names, and — only where they are visible — its
    addresses. Shielded addresses never leave the database."""
    visible = Case(
        When(details, then=Value(True)), default=Value(False), output_field=BooleanField()
    )
    return (
        Child.objects.filter(findable, where)
        .annotate(
            details_visible=visible,
            held_names=_NAMES,
            held_addresses=Case(
                When(details, then=_ADDRESSES),
                default=Value(None),
                output_field=JSONField(),
            ),
        )
        .values_list(*_COLUMNS)
    )


class _Slot(Expression):
    """A parameter of a compiled statement filled in for each search (``_statement``)."""

    def __init__(self, name: str, output_field: Field) -> None:
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler, connection):
        return "%s", [self]


class _OneOf(Lookup):
    """``column`` is one of the values of ``values`` (a list, as ONE parameter: an array on
    PostgreSQL, a JSON array on SQLite), so the statement's text does not depend on how many.
    A lookup rather than a boolean expression, so that SQLite sees a plain condition on the
    indexed column (not ``(...) = 1``) and looks the keys up in the index."""

    lookup_name = "one_of"
    prepare_rhs = False

    def __init__(self, column: str, values: _Slot) -> None:
        super().__init__(F(column), values)

    def as_sql(self, compiler, connection):
        column, params = self.process_lhs(compiler, connection)
        return f"{column} = ANY(%s)", [*params, self.rhs]

    def as_sqlite(self, compiler, connection):
        column, params = self.process_lhs(compiler, connection)
        return f"{column} IN (SELECT value FROM json_each(%s))", [*params, self.rhs]  # noqa: S608


@lru_cache(maxsize=256)
def _statement(vendor: str, findable: Q, details: Q, *, at_postcode: bool) -> tuple[str, tuple]:
    """The SQL of a name look for one access policy, compiled once: the typed names' keys (and
    the postcode) are its slots. Compiling the ORM statement costs more CPU than running it."""
    hits = (
        ChildSearchKey.objects.filter(_OneOf("key", _Slot("keys", CharField())))
        .values("child_id")
        .annotate(hits=Count("*"))
        .order_by("-hits", "child_id")
        .values("child_id")[:KEY_CANDIDATES]
    )
    candidates: QuerySet | RawSQL = hits
    if at_postcode:
        postcode = _Slot("postcode", CharField())
        living = ChildAddress.objects.filter(postcode=postcode).values("child_id")
        candidates = _any_of(hits, living[:POSTCODE_CANDIDATES])
    queryset = _rows_queryset(Q(pk__in=candidates), findable=findable, details=details)
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


def _fill(param, *, vendor: str, keys: list[str], postcode: str):
    if not isinstance(param, _Slot):
        return param
    if param.name == "postcode":
        return postcode
    return keys if vendor == "postgresql" else json.dumps(keys)


def _name_rows(keys: list[str], postcode: str, *, findable: Q, details: Q) -> list[tuple]:
    """One statement: the rows of ``_rows_queryset`` for the children holding the most of these
    keys (at most ``KEY_CANDIDATES``) and, with a postcode, everyone living there."""
    connection = read_connection(Child)  # a replica when the selector allows it
    vendor = connection.vendor
    sql, params = _statement(vendor, findable, details, at_postcode=bool(postcode))
    filled = [_fill(p, vendor=vendor, keys=keys, postcode=postcode) for p in params]
    with connection.cursor() as cursor:
        cursor.execute(sql, filled)
        return [
            (
                pk,
                index_number,
                born if isinstance(born, dt.date) else dt.date.fromisoformat(born),
                gender,
                la_name,
                bool(visible),
                _json(names),
                _json(addresses),
            )
            for pk, index_number, born, gender, la_name, visible, names, addresses in cursor
        ]


def _json(value):
    """A JSON column as the driver gives it: text (SQLite, and Django's jsonb loader) or None."""
    return json.loads(value) if isinstance(value, str) else value


def _rows(where: Q, *, findable: Q, details: Q) -> list[tuple]:
    """The rows of ``_rows_queryset`` through the ORM (an identifier search: rare)."""
    return list(_rows_queryset(where, findable=findable, details=details))


def _identifier_look(criteria: SearchCriteria, *, details: Q) -> Q:
    if criteria.identifier_types == (IdentifierType.INDEX.value,):
        # The index number is one of the fields a shield leaves visible.
        return Q(index_number=criteria.identifier)
    holders = ChildIdentifier.objects.filter(
        type__in=criteria.identifier_types, value=criteria.identifier
    ).values("child_id")
    return Q(pk__in=holders) & details


def plausible_dates_of_birth(wanted: dt.date) -> list[dt.date]:
    """Every date a typed date of birth may stand for: itself, day and month swapped, one part
    mistyped (same year with the same month or the same day), or the year one out."""
    dates = {wanted}
    for day in range(1, 32):
        with contextlib.suppress(ValueError):
            dates.add(wanted.replace(day=day))
    for month in range(1, 13):
        with contextlib.suppress(ValueError):
            dates.add(wanted.replace(month=month))
    for year in (wanted.year - 1, wanted.year + 1):
        with contextlib.suppress(ValueError):
            dates.add(wanted.replace(year=year))
    with contextlib.suppress(ValueError):
        dates.add(wanted.replace(day=wanted.month, month=wanted.day))
    return sorted(dates)


def _looks(criteria: SearchCriteria) -> Iterator[tuple[list[str], str]]:
    """The narrow look, then (where there is one) the wide look: the search keys to look up
    and the postcode whose residents to add (made only when asked for).

    Narrow: the search keys of the typed names (and their nicknames) on the exact date of birth
    or its day/month swap, in the postcode district and birth year, in the birth year, or in
    the postcode district — the most specific the criteria allow — and everyone at the exact
    postcode. Wide (only when the narrow look found no good match): every key on which a child
    could still be corroborated — each plausible date of birth (one part mistyped, the year one
    out: ``plausible_dates_of_birth``), the birth year, the postcode district.
    """
    district, year, born = criteria.district, criteria.birth_year, criteria.date_of_birth
    if born is not None:
        narrow = [born.isoformat()]
        if criteria.swapped_date_of_birth:
            narrow.append(criteria.swapped_date_of_birth.isoformat())
        if district:
            narrow.append(f"{district}|{year}")
        wide = [d.isoformat() for d in plausible_dates_of_birth(born)]
        if district:
            wide.append(district)
    elif year is not None:
        narrow = [f"{district}|{year}" if district else str(year)]
        wide = [str(year), district] if district else []
    else:
        narrow, wide = [district], []
    yield sorted(query_keys(criteria.tokens, blocks=narrow)), criteria.postcode
    if wide:
        yield sorted(query_keys(criteria.tokens, blocks=wide)), ""


def _any_of(*candidates: QuerySet) -> RawSQL:
    """The child ids of any of these subqueries as ONE subquery (a UNION): an indexed lookup.
    ``Q(pk__in=a) | Q(pk__in=b)`` would make PostgreSQL scan every child instead."""
    parts: list[str] = []
    params: list[Any] = []
    for n, queryset in enumerate(candidates):
        # Only SQL that Django compiled from these querysets; their parameters are kept apart.
        sql, part_params = queryset.query.sql_with_params()
        parts.append(f"SELECT * FROM ({sql}) AS candidates_{n}")  # noqa: S608
        params += part_params
    return RawSQL(" UNION ".join(parts), params)  # noqa: S611


# --- Scoring ---------------------------------------------------------------------------------


def _dob_score(criteria: SearchCriteria, born: dt.date) -> float | None:
    wanted = criteria.date_of_birth
    if wanted is not None:
        if born == wanted:
            return 1.0
        if born == criteria.swapped_date_of_birth:
            return 0.9
        if born.year == wanted.year and (born.month == wanted.month or born.day == wanted.day):
            return 0.5  # one part mistyped
        if (born.month, born.day) == (wanted.month, wanted.day) and abs(
            born.year - wanted.year
        ) == 1:
            return 0.5
        return 0.0
    if criteria.birth_year is not None:
        return 1.0 if born.year == criteria.birth_year else 0.0
    return None


def _postcode_score(criteria: SearchCriteria, addresses: list[tuple[str, bool]]) -> float | None:
    """``addresses``: (postcode, is_current) of the addresses the user may see."""
    if not criteria.district:
        return None
    best = 0.0
    for postcode, current in addresses:
        if criteria.postcode and postcode == criteria.postcode:
            best = max(best, 1.0 if current else 0.8)
        elif postcode_district(postcode) == criteria.district:
            if criteria.postcode:
                best = max(best, 0.6 if current else 0.5)
            else:
                best = max(best, 1.0 if current else 0.8)
    return best


def _gender_score(criteria: SearchCriteria, gender: str) -> float | None:
    if not criteria.gender:
        return None
    if criteria.gender == gender:
        return 1.0
    if Gender.NOT_SPECIFIED in (criteria.gender, gender):
        return 0.5
    return 0.0


def _weighted(parts: dict[str, float | None]) -> float:
    given = {k: v for k, v in parts.items() if v is not None}
    return sum(WEIGHTS[k] * v for k, v in given.items()) / sum(WEIGHTS[k] for k in given)


def find_children(
    criteria: SearchCriteria, *, findable: Q, details: Q, limit: int = MAX_RESULTS
) -> list[Match]:
    """The ranked candidates for ``criteria`` among children matching ``findable``, using
    locating fields (address, national identifiers, other names) only of children matching
    ``details``."""
    if criteria.identifier:
        rows = _rows(
            _identifier_look(criteria, details=details), findable=findable, details=details
        )
        return _scored(criteria, rows)[:limit]
    matches: list[Match] = []
    seen: set[int] = set()
    for keys, postcode in _looks(criteria):
        found = _name_rows(keys, postcode, findable=findable, details=details)
        rows = [row for row in found if row[0] not in seen]
        seen.update(row[0] for row in rows)
        matches = sorted(matches + _scored(criteria, rows), key=_rank_order)
        if matches and matches[0].score >= GOOD_MATCH:
            break  # a good match: the look is not widened
    return matches[:limit]


def _rank_order(match: Match) -> tuple:
    return (-match.score, match.family_name, match.given_names, match.index_number)


def _name_score(
    criteria: SearchCriteria, names: list[list[str]], *, current_only: bool
) -> tuple[float, str]:
    """The best fit of the typed names to the child's names (a former name or alias a little
    below the current name), and the other name it was, if any."""
    best, other = 0.0, ""
    for kind, given, family in names:
        if kind != NameKind.CURRENT and current_only:
            continue
        similarity = name_similarity(criteria.tokens, name_tokens(given) + name_tokens(family))
        if kind != NameKind.CURRENT:
            similarity *= OTHER_NAME_FACTOR
        if similarity > best:
            best, other = similarity, ("" if kind == NameKind.CURRENT else f"{given} {family}")
    return best, other


def _scored(criteria: SearchCriteria, rows: list[tuple]) -> list[Match]:
    """Score these candidates (rows of ``_rows``); those that fit well enough, best first."""
    matches: list[Match] = []
    for child_id, index_number, born, gender, la_name, visible, names, addresses in rows:
        names = names or []
        current = next((n for n in names if n[0] == NameKind.CURRENT), None)
        if current is None:
            continue
        if criteria.identifier:
            score, other = 1.0, ""
        else:
            # A shield leaves only the current name visible: a former name or alias (an
            # adopted child's birth name) must not find the child.
            name, other = _name_score(criteria, names, current_only=not visible)
            if name < NAME_MIN:
                continue
            dob = _dob_score(criteria, born)
            place = _postcode_score(
                criteria,
                [(postcode, until is None) for postcode, _, until in addresses or [] if postcode],
            )
            if max(dob or 0.0, place or 0.0) < CORROBORATION_MIN:
                continue
            score = _weighted(
                {
                    "name": name,
                    "dob": dob,
                    "postcode": place,
                    "gender": _gender_score(criteria, gender),
                }
            )
        town = next((town for _, town, until in addresses or [] if until is None), "")
        matches.append(
            Match(
                child_id=child_id,
                index_number=index_number,
                given_names=current[1],
                family_name=current[2],
                matched_other_name=other,
                date_of_birth=born,
                gender=gender,
                town=town,
                local_authority=la_name,
                details_visible=bool(visible),
                score=round(score * 100),
            )
        )
    matches.sort(key=_rank_order)
    return matches
