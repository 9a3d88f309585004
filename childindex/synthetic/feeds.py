"""Write a synthetic population as CSV files: the population, the source feeds, the truth.

Plain Python, no Django. Each feed row is what that source system would hold about one of its
own records, with the errors real feeds have at configurable rates; ``truth.csv`` names the
child behind every feed row and the errors put into it. Files are written as the families
stream past (duplicate rows are held back a little so they do not sit next to their original),
so memory stays bounded.

Files (UTF-8, comma-separated, one header line):

- ``children.csv``, ``carers.csv``, ``involvements.csv``, ``consents.csv``: the population.
- ``local_authorities.csv``, ``organisations.csv``, ``services.csv``, ``practitioners.csv``;
  the same schools and GP practices in the public registers' layouts, ``edubasealldata.csv``
  and ``epraccur.csv`` (``childindex.synthetic.registers``).
- ``feeds/<source>.csv`` and its mapping ``feeds/<source>.toml`` for each source in
  ``FEEDS`` when there is one LA; with several, one set per LA,
  ``feeds/<LA code>/<source>.csv`` and ``.toml``, each holding the rows of that LA's own
  organisations' services (a feed writes only for its own LA's organisations), named
  ``<source>-<la code>`` in the index and in the truth;
- ``truth.csv`` (every feed row's source, key and child); ``manifest.json``.
"""

from __future__ import annotations

import csv
import datetime as dt
import heapq
import json
import random
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from stdnum.gb import upn as stdnum_upn

from childindex.core.identifiers import mod11_check_digit
from childindex.linkage.nicknames import fold, nicknames_of, spellings_of
from childindex.synthetic.directory import Directory
from childindex.synthetic.names import BRITISH_BOYS, BRITISH_GIRLS, surname_spellings
from childindex.synthetic.people import FEEDS, Address, Child, Family, Involvement, school_year
from childindex.synthetic.registers import write_registers

# Each kind's share of the rows with errors (they sum to 1)...
ERROR_WEIGHTS: dict[str, float] = {
    "typo": 0.25,  # one letter dropped, doubled, swapped or hit next to on the keyboard
    "nickname": 0.10,  # "Alfie" for Alfred
    "name_variant": 0.12,  # another spelling, accents dropped, one half of a double surname
    "dob_swap": 0.06,  # day and month swapped
    "dob_typo": 0.05,  # day, month or year one out
    "stale_address": 0.12,  # the previous address (families who moved)
    "nhs_missing": 0.10,  # no NHS number where the source holds them
    "nhs_typo": 0.05,  # one digit wrong or two swapped
    "upn_missing": 0.04,
    "duplicate": 0.095,  # the same child twice in one source, under two keys
    "two_schools": 0.015,  # on the old school's roll too, after moving school this term
}
# ...and the share of feed rows each kind can apply to (measured on generated populations:
# a nickname needs a name that has one, a swapped date a day of 12 or less, a stale address a
# family that moved...), so that a kind's rate among the rows it fits is overall x weight / fit.
APPLIES_TO: dict[str, float] = {
    "typo": 1.0,
    "nickname": 0.32,
    "name_variant": 0.72,
    "dob_swap": 0.36,
    "dob_typo": 1.0,
    "stale_address": 0.094,
    "nhs_missing": 0.61,
    "nhs_typo": 0.61,
    "upn_missing": 0.365,
    "duplicate": 1.0,
    "two_schools": 0.0027,
}
ERROR_KINDS = tuple(ERROR_WEIGHTS)
DEFAULT_ERROR_RATE = 0.05

# ``--error-profile hard``: the errors of the public linkage benchmarks (FEBRL's kind) that the
# default profile lacks, each a chance per row it can apply to, on top of the default kinds at
# HARD_ERROR_RATE. About a third of the rows with errors then carry a changed given name (a
# slip, a nickname, another spelling, another name, or none), as in those benchmarks.
HARD_ERROR_RATES: dict[str, float] = {
    "given_replaced": 0.04,  # another real given name altogether
    "two_edits": 0.04,  # two slips in one name
    "given_missing": 0.01,
    "family_missing": 0.01,
    "dob_missing": 0.01,
    "names_swapped": 0.01,  # given and family names in each other's columns
    "dob_impossible": 0.01,  # 30 February, a 13th month
    "street_number_typo": 0.03,  # the house number keyed wrong
    "id_check_typo": 0.03,  # one digit wrong in an identifier, its check digit fixed up
}
HARD_ERROR_KINDS = tuple(HARD_ERROR_RATES)
HARD_ERROR_RATE = 0.25
ERROR_PROFILES = ("default", "hard")

HOLDS_NHS = frozenset({"gp_registrations", "health_visiting", "social_care"})
HOLDS_UK_HEALTH = frozenset({"gp_registrations", "health_visiting"})  # CHI and H&C too
HOLDS_UPN = frozenset({"school_census", "social_care", "youth_services"})
KEY_PREFIX = {
    "gp_registrations": "P",
    "school_census": "S",
    "health_visiting": "HV",
    "social_care": "LCS",
    "youth_services": "YS",
}

_PERSON = (
    "given_names",
    "family_name",
    "date_of_birth",
    "gender",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
)
_SERVICE = ("organisation_code", "service_name", "practitioner_email", "start_date")
FEED_COLUMNS: dict[str, tuple[str, ...]] = {
    "gp_registrations": (
        "source_record_id",
        "nhs_number",
        "chi_number",
        "hc_number",
        *_PERSON,
        *_SERVICE,
    ),
    "school_census": ("source_record_id", "upn", *_PERSON, *_SERVICE, "year_group"),
    "health_visiting": (
        "source_record_id",
        "nhs_number",
        "chi_number",
        "hc_number",
        *_PERSON,
        *_SERVICE,
    ),
    "social_care": ("source_record_id", "nhs_number", "upn", *_PERSON, *_SERVICE),
    "youth_services": ("source_record_id", "upn", *_PERSON, *_SERVICE),
}
CHILDREN_COLUMNS = (
    "child_id",
    "given_names",
    "family_name",
    "date_of_birth",
    "gender",
    "postcode",
    "la_code",
    "address_status",
    "address_line_1",
    "address_line_2",
    "town",
    "country",
    "intends_to_return",
    "previous_postcode",
    "nhs_number",
    "chi_number",
    "hc_number",
    "upn",
    "family_id",
    "twin_of",
    "status",
    "date_of_death",
    "shielded",
    "shield_review_on",
    "former_family_name",
    "alias_given_names",
    "alias_family_name",
)
TRUTH_COLUMNS = ("source", "source_record_id", "child_id", "errors")
FEED_LABELS = {
    "gp_registrations": "GP registrations",
    "school_census": "School census",
    "health_visiting": "Health visiting and school nursing",
    "social_care": "Children's social care",
    "youth_services": "Youth services",
}
MAY_CREATE_CHILDREN = frozenset(
    {"gp_registrations", "school_census", "health_visiting", "social_care"}
)
IDENTIFIER_COLUMNS = {"nhs_number": "nhs", "chi_number": "chi", "hc_number": "hc", "upn": "upn"}
DUPLICATE_DELAY = 500  # families
_GIRLS, _BOYS = frozenset(BRITISH_GIRLS), frozenset(BRITISH_BOYS)


def error_rates(overall: float, overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """Per-kind rates: the chance that a row a kind can apply to gets it.

    ``overall`` is about the share of feed rows with at least one error (for small rates; each
    kind's rate stops at 1), shared between the kinds by ERROR_WEIGHTS; ``overrides`` then set
    single kinds' rates directly."""
    if not 0 <= overall <= 1:
        raise ValueError("the error rate must be between 0 and 1")
    rates = {
        kind: round(min(1.0, overall * weight / APPLIES_TO[kind]), 9)
        for kind, weight in ERROR_WEIGHTS.items()
    }
    for kind, rate in (overrides or {}).items():
        if kind not in rates:
            raise ValueError(f"unknown error kind {kind!r} (known: {', '.join(ERROR_KINDS)})")
        if not 0 <= rate <= 1:
            raise ValueError(f"the rate for {kind} must be between 0 and 1")
        rates[kind] = rate
    return rates


def profile_error_rates(
    profile: str, overall: float | None = None, overrides: Mapping[str, float] | None = None
) -> dict[str, float]:
    """The rates of an error profile: ``default`` is ``error_rates`` as it always was;
    ``hard`` adds the kinds in HARD_ERROR_RATES (``overrides`` may set those too)."""
    if profile not in ERROR_PROFILES:
        raise ValueError(f"unknown error profile {profile!r} (known: {', '.join(ERROR_PROFILES)})")
    if profile == "default":
        return error_rates(DEFAULT_ERROR_RATE if overall is None else overall, overrides)
    overrides = dict(overrides or {})
    hard = {kind: overrides.pop(kind, rate) for kind, rate in HARD_ERROR_RATES.items()}
    for kind, rate in hard.items():
        if not 0 <= rate <= 1:
            raise ValueError(f"the rate for {kind} must be between 0 and 1")
    return {**error_rates(HARD_ERROR_RATE if overall is None else overall, overrides), **hard}


def feed_name(feed: str, la_code: str, *, per_la: bool) -> str:
    """The source's name in the index and in ``truth.csv``: the feed's own name for one LA,
    ``<feed>-<la code>`` (lower case, a slug) when each LA has its own set of feeds."""
    return f"{feed}-{la_code.lower()}" if per_la else feed


def feed_path(feed: str, la_code: str, *, per_la: bool) -> str:
    """A feed's file (without ``.csv`` or ``.toml``) under the output directory."""
    return f"feeds/{la_code}/{feed}" if per_la else f"feeds/{feed}"


def feed_mapping_toml(feed: str, la_code: str, *, per_la: bool = False) -> str:
    """The mapping (TOML) with which ``childindex feed import`` reads the feed's CSV file."""
    columns = FEED_COLUMNS[feed]
    fields = [c for c in columns if c in _PERSON + _SERVICE]
    name = feed_name(feed, la_code, per_la=per_la)
    label = f"{FEED_LABELS[feed]} ({la_code})" if per_la else FEED_LABELS[feed]
    lines = [
        f"# How `childindex feed import` reads {feed_path(feed, la_code, per_la=per_la)}.csv "
        "(written by childindex generate)",
        "[feed]",
        f'name = "{name}"',
        f'label = "{label}"',
        f'local_authority = "{la_code}"',
        'kind = "snapshot"',
        f"may_create_children = {'true' if feed in MAY_CREATE_CHILDREN else 'false'}",
        "",
        "[record]",
        'key = "source_record_id"',
        "",
        "[columns]",
        *(f'{name} = "{name}"' for name in fields),
        "",
        "[dates]",
        'formats = ["%Y-%m-%d"]',
    ]
    for column in columns:
        if column in IDENTIFIER_COLUMNS:
            lines += [
                "",
                "[[identifiers]]",
                f'column = "{column}"',
                f'type = "{IDENTIFIER_COLUMNS[column]}"',
            ]
    return "\n".join(lines) + "\n"


# --- the errors ----------------------------------------------------------------------------

_KEYBOARD = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS: dict[str, str] = {}
for _r, _row in enumerate(_KEYBOARD):
    for _c, _key in enumerate(_row):
        _near = _row[max(0, _c - 1) : _c] + _row[_c + 1 : _c + 2]
        for _other in (_r - 1, _r + 1):
            if 0 <= _other < len(_KEYBOARD):
                _near += _KEYBOARD[_other][max(0, _c - 1) : _c + 1]
        _NEIGHBOURS[_key] = _near


def typo(text: str, rng: random.Random) -> str:
    """One keying slip: a letter dropped, doubled, swapped with the next, or a neighbour key."""
    positions = [i for i, c in enumerate(text) if c.isalpha()]
    if not positions:
        return text
    for _ in range(6):
        i = rng.choice(positions)
        c, op = text[i], rng.randrange(4)
        if op == 0 and len(positions) > 2:
            out = text[:i] + text[i + 1 :]
        elif op == 1:
            out = text[:i] + c + text[i:]
        elif op == 2 and i + 1 < len(text) and text[i + 1].isalpha():
            out = text[:i] + text[i + 1] + c + text[i + 2 :]
        else:
            near = _NEIGHBOURS.get(c.lower(), "aeiou")
            sub = rng.choice(near)
            out = text[:i] + (sub.upper() if c.isupper() else sub) + text[i + 1 :]
        if out != text and out.strip():
            return out
    first = positions[0]
    return text[:first] + ("X" if text[first] != "X" else "Y") + text[first + 1 :]


def mistype_digits(value: str, rng: random.Random) -> str:
    """One digit wrong, or two neighbouring digits swapped."""
    i = rng.randrange(len(value))
    if rng.random() < 0.5 and i + 1 < len(value) and value[i] != value[i + 1]:
        return value[:i] + value[i + 1] + value[i] + value[i + 2 :]
    digit = rng.choice([d for d in "0123456789" if d != value[i]])
    return value[:i] + digit + value[i + 1 :]


def name_variant_options(given: str, family: str) -> list[tuple[str, str]]:
    """The other ways a clerk may have written these names, without a typing error."""
    first, *middle = given.split(" ")
    options = [(" ".join([s, *middle]), family) for s in spellings_of(first)]
    options += [(given, s) for s in surname_spellings(family)]
    if fold(given) != given or fold(family) != family:
        options.append((fold(given), fold(family)))
    for sep, other in (("-", " "), (" ", "-")):
        if sep in family:
            parts = family.split(sep)
            options += [(given, parts[0]), (given, parts[-1]), (given, family.replace(sep, other))]
            break
    if "'" in family:
        options.append((given, family.replace("'", "")))
    if middle:
        options.append((first, family))
    return options


def _near_date(day: dt.date, rng: random.Random) -> dt.date:
    """A date one day, month or year out."""
    for _ in range(10):
        try:
            which, step = rng.randrange(3), rng.choice((-1, 1))
            if which == 0:
                return day + dt.timedelta(days=step)
            if which == 1:
                month = day.month + step
                return (
                    day.replace(month=month)
                    if 1 <= month <= 12
                    else day.replace(year=day.year + step, month=12 if month == 0 else 1)
                )
            return day.replace(year=day.year + step)
        except ValueError:  # 29 February, 31st of a short month
            continue
    return day + dt.timedelta(days=1)


_STREET_NUMBER = re.compile(r"\d+")


def _another_name(given: str, rng: random.Random) -> str:
    """Another real given name in place of the first one (middle names kept)."""
    first, *middle = given.split(" ")
    pool = BRITISH_GIRLS if first in _GIRLS else BRITISH_BOYS if first in _BOYS else None
    pool = pool or rng.choice((BRITISH_GIRLS, BRITISH_BOYS))
    other = first
    while fold(other).upper() == fold(first).upper():
        other = rng.choice(pool)
    return " ".join([other, *middle])


def _impossible_date(day: dt.date, rng: random.Random) -> str:
    """A date that is not one: 30 or 31 February, 31 of a short month, a 13th month."""
    choice = rng.randrange(3)
    if choice == 0:
        return f"{day.year:04d}-02-{rng.choice((30, 31)):02d}"
    if choice == 1:
        return f"{day.year:04d}-{rng.choice((4, 6, 9, 11)):02d}-31"
    return f"{day.year:04d}-13-{day.day:02d}"


def _mistype_checked(value: str, kind: str, rng: random.Random) -> str:
    """One digit of the number keyed wrong and its check character worked out again, so the
    number still passes its check (a system that computes the check digit on entry)."""
    for _ in range(20):
        if kind == "upn":
            body = value[1:]
            i = rng.randrange(3, len(body))  # not the LA number (the check would refuse it)
            body = body[:i] + rng.choice([d for d in "0123456789" if d != body[i]]) + body[i + 1 :]
            return stdnum_upn.calc_check_digit(body) + body
        body = value[:9]
        i = rng.randrange(9)
        body = body[:i] + rng.choice([d for d in "0123456789" if d != body[i]]) + body[i + 1 :]
        check = mod11_check_digit(body)
        if check is not None:
            return f"{body}{check}"
    return value


def hard_errors(fields: dict[str, str], rates: Mapping[str, float], rng: random.Random) -> list:
    """Apply the hard profile's errors to a row's ``fields`` (given, family, dob, line_1, nhs,
    upn; text as the row will hold it), in place; returns the kinds applied."""
    chance = rng.random
    applied = []
    if fields["given"] and chance() < rates["given_replaced"]:
        fields["given"] = _another_name(fields["given"], rng)
        applied.append("given_replaced")
    if chance() < rates["two_edits"]:
        which = "given" if chance() < 0.5 else "family"
        if len(fields[which]) >= 4:
            fields[which] = typo(typo(fields[which], rng), rng)
            applied.append("two_edits")
    if fields["given"] and fields["family"] and chance() < rates["names_swapped"]:
        fields["given"], fields["family"] = fields["family"], fields["given"]
        applied.append("names_swapped")
    if chance() < rates["dob_impossible"]:
        fields["dob"] = _impossible_date(dt.date.fromisoformat(fields["dob"][:10]), rng)
        applied.append("dob_impossible")
    elif chance() < rates["dob_missing"]:
        fields["dob"] = ""
        applied.append("dob_missing")
    if chance() < rates["given_missing"]:
        fields["given"] = ""
        applied.append("given_missing")
    elif chance() < rates["family_missing"]:
        fields["family"] = ""
        applied.append("family_missing")
    line = fields["line_1"]
    number = _STREET_NUMBER.search(line)
    if number and chance() < rates["street_number_typo"]:
        digits = number.group()
        wrong = mistype_digits(digits, rng) if len(digits) > 1 else str((int(digits) + 1) % 10)
        fields["line_1"] = line[: number.start()] + wrong + line[number.end() :]
        applied.append("street_number_typo")
    kinds = [k for k in ("nhs", "upn") if fields[k]]
    if kinds and chance() < rates["id_check_typo"]:
        kind = rng.choice(kinds)
        fields[kind] = _mistype_checked(fields[kind], kind, rng)
        applied.append("id_check_typo")
    return applied


def _year_group(year: int) -> str:
    return {-2: "N1", -1: "N2", 0: "R"}.get(year, str(year) if year > 0 else "")


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


# --- the writer ----------------------------------------------------------------------------


class PopulationWriter:
    """Writes the files for one population. Use as a context manager; ``passthrough`` writes
    each family as it goes by and hands it on (to the loader, say)."""

    def __init__(
        self, out_dir: Path, *, key: str, as_of: dt.date, rates: Mapping[str, float]
    ) -> None:
        self.out_dir = out_dir
        self.as_of = as_of
        self.rates = dict(rates)
        self._hard = all(kind in self.rates for kind in HARD_ERROR_KINDS)
        self.rng = random.Random(key + ":feeds")
        self._files: list[IO[str]] = []
        self.counts: dict[str, int] = {}
        self._next_key = dict.fromkeys(FEEDS, 0)
        self._pending: list[tuple[int, int, str, str, list[str], str, str]] = []
        self._pending_seq = 0
        self._families = 0
        self._births: Counter = Counter()  # (la code, sex, date of birth) -> children
        self._la_names: dict[str, tuple[str, str]] = {}
        (out_dir / "feeds").mkdir(parents=True, exist_ok=True)
        self._children = self._open("children.csv", CHILDREN_COLUMNS)
        self._carers = self._open(
            "carers.csv",
            (
                "child_id",
                "carer_id",
                "relationship",
                "parental_responsibility",
                "given_names",
                "family_name",
                "phone",
                "email",
                "family_id",
            ),
        )
        self._involvements = self._open(
            "involvements.csv",
            (
                "child_id",
                "organisation_code",
                "service_name",
                "practitioner_email",
                "started_on",
                "ended_on",
                "source_feed",
                "logged_by",
                "hidden_concern",
                "lead_professional",
                "assessment_type",
                "assessment_on",
                "has_information_to_share",
                "taking_action",
            ),
        )
        self._consents = self._open(
            "consents.csv",
            (
                "child_id",
                "given_by",
                "carer_id",
                "scope",
                "organisation_code",
                "service_name",
                "given_on",
                "withdrawn_on",
            ),
        )
        self._truth = self._open("truth.csv", TRUTH_COLUMNS)
        # (feed, LA code) -> (file name, source name, writer); opened by write_directory.
        self._feeds: dict[tuple[str, str], tuple[str, str, Any]] = {}
        self._first_la = ""
        self.per_la = False

    def _open(self, name: str, header: Iterable[str]) -> Any:
        handle = (self.out_dir / name).open("w", encoding="utf-8", newline="")
        self._files.append(handle)
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        self.counts[name] = 0
        return writer

    def _write(self, name: str, writer: Any, row: list[Any]) -> None:
        writer.writerow(row)
        self.counts[name] += 1

    def __enter__(self) -> PopulationWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for handle in self._files:
            handle.close()
        self._files.clear()

    # --- the directory and the population -------------------------------------------------

    def write_directory(self, directory: Directory) -> None:
        self.counts.update(write_registers(self.out_dir, directory))
        self._la_names = {d.la.code: (d.la.name, d.la.nation) for d in directory.las}
        codes = [d.la.code for d in directory.las]
        self._first_la, self.per_la = codes[0], len(codes) > 1
        for code in codes if self.per_la else codes[:1]:
            for feed in FEEDS:
                path = feed_path(feed, code, per_la=self.per_la)
                (self.out_dir / path).parent.mkdir(parents=True, exist_ok=True)
                (self.out_dir / f"{path}.toml").write_text(
                    feed_mapping_toml(feed, code, per_la=self.per_la), encoding="utf-8"
                )
                self._feeds[feed, code] = (
                    f"{path}.csv",
                    feed_name(feed, code, per_la=self.per_la),
                    self._open(f"{path}.csv", FEED_COLUMNS[feed]),
                )

        def table(name: str, header: tuple[str, ...], rows: Iterable[list[Any]]) -> None:
            writer = self._open(name, header)
            for row in rows:
                self._write(name, writer, row)

        table(
            "local_authorities.csv",
            (
                "code",
                "name",
                "nation",
                "index_team_phone",
                "index_team_email",
                "safeguarding_email",
                "upn_la_number",
                "districts",
                "index_team_username",
            ),
            (
                [
                    la.code,
                    la.name,
                    la.nation,
                    la.index_team_phone,
                    la.index_team_email,
                    la.safeguarding_email,
                    la.upn_la_number or "",
                    " ".join(d.outward for d in la.districts),
                    la.index_team_username,
                ]
                for la in (d.la for d in directory.las)
            ),
        )
        table(
            "organisations.csv",
            (
                "code",
                "type",
                "name",
                "la_code",
                "address",
                "postcode",
                "phone",
                "email",
                "school_number",
            ),
            (
                [
                    o.code,
                    o.type,
                    o.name,
                    o.la_code,
                    o.address,
                    o.postcode,
                    o.phone,
                    o.email,
                    o.school_number or "",
                ]
                for o in directory.organisations
            ),
        )
        table(
            "services.csv",
            (
                "organisation_code",
                "name",
                "kind",
                "category",
                "sensitive",
                "source_feed",
                "phone",
                "email",
            ),
            (
                [
                    s.organisation.code,
                    s.name,
                    s.kind,
                    s.category,
                    int(s.sensitive),
                    s.source_feed,
                    s.phone,
                    s.email,
                ]
                for s in directory.services
            ),
        )
        table(
            "practitioners.csv",
            (
                "secure_email",
                "given_name",
                "family_name",
                "job_title",
                "organisation_code",
                "service_name",
                "work_phone",
                "username",
                "role",
                "approved_on",
                "dbs_checked_on",
                "training_completed_on",
                "suspended_on",
            ),
            (
                [
                    p.secure_email,
                    p.given_name,
                    p.family_name,
                    p.job_title,
                    p.organisation.code,
                    p.service.name,
                    p.work_phone,
                    p.username,
                    p.user_role,
                    _iso(p.approved_on),
                    _iso(p.dbs_checked_on),
                    _iso(p.training_completed_on),
                    _iso(p.suspended_on),
                ]
                for p in directory.practitioners
            ),
        )

    def passthrough(self, families: Iterable[Family]) -> Iterator[Family]:
        for family in families:
            self.write_family(family)
            yield family
        self.flush_pending()

    def write_family(self, family: Family) -> None:
        self._families += 1
        for child in family.children:
            self._write_child(child)
            self._feed_rows(child)
        while self._pending and self._pending[0][0] <= self._families:
            self._release()

    def flush_pending(self) -> None:
        while self._pending:
            self._release()

    def _release(self) -> None:
        _, _, feed, la_code, row, child_id, errors = heapq.heappop(self._pending)
        self._feed_row(feed, la_code, row, child_id, errors)

    def _feed_row(
        self, feed: str, la_code: str, row: list[str], child_id: str, errors: str
    ) -> None:
        """One row into the feed of the LA whose organisation provides the service (each LA's
        own set of feeds), and its line in the truth."""
        file_name, source, writer = self._feeds[feed, la_code if self.per_la else self._first_la]
        self._write(file_name, writer, row)
        self._write("truth.csv", self._truth, [source, row[0], child_id, errors])

    def _write_child(self, child: Child) -> None:
        self._births[child.la_code, child.gender, child.date_of_birth] += 1
        current = child.current_address
        address = current.address
        previous = child.previous_address
        former = next((n for n in child.other_names if n.kind == "former"), None)
        alias = next((n for n in child.other_names if n.kind == "alias"), None)
        self._write(
            "children.csv",
            self._children,
            [
                child.index_number,
                child.given_names,
                child.family_name,
                child.date_of_birth.isoformat(),
                child.gender,
                address.postcode if address else "",
                child.la_code,
                current.status,
                address.line_1 if address else "",
                address.line_2 if address else "",
                address.town if address else "",
                current.country,
                "" if current.intends_to_return is None else int(current.intends_to_return),
                previous.postcode if previous else "",
                child.nhs_number,
                child.chi_number,
                child.hc_number,
                child.upn,
                child.family_id,
                child.twin_of,
                child.status,
                _iso(child.date_of_death),
                int(child.shielded),
                _iso(child.shield_review_on),
                former.family_name if former else "",
                alias.given_names if alias else "",
                alias.family_name if alias else "",
            ],
        )
        for link in child.carers:
            carer = link.carer
            self._write(
                "carers.csv",
                self._carers,
                [
                    child.index_number,
                    carer.carer_id,
                    link.relationship,
                    int(link.parental_responsibility),
                    carer.given_names,
                    carer.family_name,
                    carer.phone,
                    carer.email,
                    child.family_id,
                ],
            )
        for inv in child.involvements:
            logged_by = inv.logged_by
            self._write(
                "involvements.csv",
                self._involvements,
                [
                    child.index_number,
                    inv.service.organisation.code,
                    inv.service.name,
                    inv.practitioner.secure_email,
                    inv.started_on.isoformat(),
                    _iso(inv.ended_on),
                    feed_name(inv.source_feed, inv.service.organisation.la_code, per_la=self.per_la)
                    if inv.source_feed
                    else "",
                    logged_by.username if logged_by else "",
                    int(inv.hidden_concern),
                    int(inv.lead),
                    inv.assessment_type,
                    _iso(inv.assessment_on),
                    int(inv.has_information_to_share),
                    int(inv.taking_action),
                ],
            )
        for consent in child.consents:
            self._write(
                "consents.csv",
                self._consents,
                [
                    child.index_number,
                    consent.given_by,
                    consent.carer.carer_id if consent.carer else "",
                    consent.scope,
                    consent.service.organisation.code if consent.service else "",
                    consent.service.name if consent.service else "",
                    consent.given_on.isoformat(),
                    _iso(consent.withdrawn_on),
                ],
            )

    # --- feed rows -------------------------------------------------------------------------

    def _feed_rows(self, child: Child) -> None:
        # A child who moved school this term may still be on the old school's roll.
        joined = [
            i.started_on
            for i in child.involvements
            if i.is_current and i.service.source_feed == "school_census"
        ]
        recent = self.as_of - dt.timedelta(days=183)
        for inv in child.involvements:
            feed = inv.source_feed
            if not feed:
                continue
            if inv.is_current:
                self._row(feed, child, inv, ())
            elif (
                feed == "school_census"
                and inv.ended_on
                and inv.ended_on >= recent
                and any(0 <= (day - inv.ended_on).days <= 30 for day in joined)
                and self.rng.random() < self.rates["two_schools"]
            ):
                self._row(feed, child, inv, ("two_schools",))

    def _row(self, feed: str, child: Child, inv: Involvement, forced: tuple[str, ...]) -> None:
        rng, rates = self.rng, self.rates
        chance = rng.random
        applied = list(forced)
        given, family, dob = child.given_names, child.family_name, child.date_of_birth
        dob_text = ""
        address: Address | None = child.current_address.address
        nhs, upn = child.nhs_number, child.upn
        if chance() < rates["typo"]:
            if chance() < 0.5:
                given = typo(given, rng)
            else:
                family = typo(family, rng)
            applied.append("typo")
        nicknames = nicknames_of(child.first_given_name)
        if nicknames and chance() < rates["nickname"]:
            given = rng.choice(nicknames)
            applied.append("nickname")
        variants = name_variant_options(given, family)
        if variants and chance() < rates["name_variant"]:
            given, family = rng.choice(variants)
            applied.append("name_variant")
        if dob.day <= 12 and dob.day != dob.month and chance() < rates["dob_swap"]:
            dob_text = f"{dob.year:04d}-{dob.day:02d}-{dob.month:02d}"
            applied.append("dob_swap")
        elif chance() < rates["dob_typo"]:
            dob_text = _near_date(dob, rng).isoformat()
            applied.append("dob_typo")
        previous = child.previous_address
        if previous is not None and chance() < rates["stale_address"]:
            address = previous
            applied.append("stale_address")
        if feed in HOLDS_NHS and nhs:
            if chance() < rates["nhs_missing"]:
                nhs = ""
                applied.append("nhs_missing")
            elif chance() < rates["nhs_typo"]:
                nhs = mistype_digits(nhs, rng)
                applied.append("nhs_typo")
        if feed in HOLDS_UPN and upn and chance() < rates["upn_missing"]:
            upn = ""
            applied.append("upn_missing")
        line_1 = address.line_1 if address else ""
        dob_out = dob_text or dob.isoformat()
        if self._hard:
            fields = {"given": given, "family": family, "dob": dob_out, "line_1": line_1}
            fields["nhs"] = nhs if feed in HOLDS_NHS else ""
            fields["upn"] = upn if feed in HOLDS_UPN else ""
            applied += hard_errors(fields, rates, rng)
            given, family, dob_out, line_1 = (
                fields[k] for k in ("given", "family", "dob", "line_1")
            )
            nhs = fields["nhs"] if feed in HOLDS_NHS else nhs
            upn = fields["upn"] if feed in HOLDS_UPN else upn
        self._next_key[feed] += rng.randint(1, 7)
        key = f"{KEY_PREFIX[feed]}{self._next_key[feed]:08d}"
        person = [
            given,
            family,
            dob_out,
            child.gender,
            line_1,
            address.line_2 if address else "",
            address.town if address else "",
            address.postcode if address else "",
        ]
        service = [
            inv.service.organisation.code,
            inv.service.name,
            inv.practitioner.secure_email,
            inv.started_on.isoformat(),
        ]
        if feed in HOLDS_UK_HEALTH:
            row = [key, nhs, child.chi_number, child.hc_number, *person, *service]
        elif feed == "school_census":
            row = [
                key,
                upn,
                *person,
                *service,
                _year_group(school_year(child.date_of_birth, self.as_of)),
            ]
        elif feed == "social_care":
            row = [key, nhs, upn, *person, *service]
        else:
            row = [key, upn, *person, *service]
        errors = ";".join(applied)
        if "duplicate" in forced:
            self._pending_seq += 1
            heapq.heappush(
                self._pending,
                (
                    self._families + rng.randint(1, DUPLICATE_DELAY),
                    self._pending_seq,
                    feed,
                    inv.service.organisation.la_code,
                    row,
                    child.index_number,
                    errors,
                ),
            )
            return
        self._feed_row(feed, inv.service.organisation.la_code, row, child.index_number, errors)
        if chance() < rates["duplicate"]:
            self._row(feed, child, inv, (*forced, "duplicate"))

    # --- the manifest ----------------------------------------------------------------------

    def write_population_estimates(self, *, years: int = 3) -> None:
        """``population_estimates.csv`` in the ONS mid-year estimates (MYEB1) layout: ladcode,
        laname, country, sex (1 male, 2 female), age, population_YYYY for the last ``years``
        mid-years. Each estimate is the generated children of that age and sex at 30 June,
        raised by 0 to 8 per cent (children no service knows: an estimate is never exactly
        the index), so coverage comes out just under 100 per cent as in a real LA."""
        last = (
            self.as_of.year
            if (self.as_of.month, self.as_of.day) >= (6, 30)
            else self.as_of.year - 1
        )
        mid_years = list(range(last - years + 1, last + 1))
        rng = random.Random(f"{self.rng.random()}:estimates")
        counts: Counter = Counter()
        for (la_code, gender, born), n in self._births.items():
            sex = {"male": "1", "female": "2"}.get(gender, rng.choice("12"))
            for year in mid_years:
                day = dt.date(year, 6, 30)
                age = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
                if 0 <= age <= 17:
                    counts[la_code, sex, age, year] += n
        writer = self._open(
            "population_estimates.csv",
            ("ladcode23", "laname23", "country", "sex", "age")
            + tuple(f"population_{y}" for y in mid_years),
        )
        for la_code, (name, nation) in sorted(self._la_names.items()):
            country = {"england": "E", "wales": "W", "scotland": "S"}.get(nation, "N")
            for sex in ("1", "2"):
                for age in range(18):
                    row = [la_code, name, country, sex, age]
                    for year in mid_years:
                        true = counts[la_code, sex, age, year]
                        row.append(round(true * (1 + rng.uniform(0, 0.08))))
                    self._write("population_estimates.csv", writer, row)

    def write_manifest(self, **facts: Any) -> dict[str, Any]:
        manifest = {**facts, "error_rates": self.rates, "files": dict(sorted(self.counts.items()))}
        with (self.out_dir / "manifest.json").open("w", encoding="utf-8") as handle:
            json.dump(manifest, handle, indent=2, sort_keys=True)
            handle.write("\n")
        return manifest
