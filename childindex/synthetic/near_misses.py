"""A small feed of near misses for the demo's review queue (issue 17, finding 11).

The generated feeds mostly carry an identifier (NHS number, UPN), so the demo's imports link
almost every row and leave the index team's review queue empty. This feed is what an LA meets
when a neighbouring trust transfers its health visiting records: no NHS numbers, names keyed by
hand, dates of birth with day and month swapped or a digit out, old addresses. The source may
not add children, so a row the model cannot place with confidence waits for a person: the
``childindex feed import`` of it puts real review items in the queue, with their candidates.

Written from the generated ``health_visiting`` feed (so every row names a real service and a
child of the county, or, for a few, a child the index has never seen). Synthetic only.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import re
from pathlib import Path

from childindex.synthetic.feeds import name_variant_options, typo

FEED = "health_visiting_transfer"
LABEL = "Health visiting (records transferred from a neighbouring trust)"
SOURCE = "health_visiting"
ROWS = 24  # near misses of children in the index (the demo's; the load test asks for more)
STRANGERS = 3  # children the index has never seen
MAX_ROWS = 100_000


def _swap_day_month(day: dt.date) -> dt.date | None:
    if day.day > 12 or day.day == day.month:
        return None
    return day.replace(month=day.day, day=day.month)


def _year_before(day: dt.date) -> dt.date:
    """The same day a year earlier; 29 February becomes the 28th (a year with no 29th)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def _near_miss(row: dict[str, str], n: int, rng: random.Random, batch: str) -> dict[str, str]:
    """The row as a neighbouring trust's clerk might have keyed it, without its NHS number."""
    out = dict(row)
    out["source_record_id"] = f"HVT{batch}{n:06d}"
    for column in ("nhs_number", "chi_number", "hc_number"):
        if column in out:
            out[column] = ""
    born = dt.date.fromisoformat(row["date_of_birth"])
    kind = n % 3
    if kind == 0:  # the family name mistyped, day and month swapped (or a year out)
        out["family_name"] = typo(row["family_name"], rng)
        swapped = _swap_day_month(born)
        out["date_of_birth"] = (swapped or _year_before(born)).isoformat()
    elif kind == 1:  # another spelling of the names, an old address
        options = name_variant_options(row["given_names"], row["family_name"])
        given, family = (
            rng.choice(options) if options else (row["given_names"], typo(row["family_name"], rng))
        )
        out["given_names"], out["family_name"] = given, family
        out["address_line_1"], out["address_line_2"] = "", ""
        out["postcode"] = ""
    else:  # the first name only, mistyped, and the date of birth a month out
        out["given_names"] = typo(row["given_names"].split(" ")[0], rng)
        month = born.month % 12 + 1
        try:
            out["date_of_birth"] = born.replace(month=month).isoformat()
        except ValueError:
            out["date_of_birth"] = born.replace(month=month, day=28).isoformat()
    return out


STRANGER_NAMES = (("Marigold", "Quennell"), ("Tobiah", "Fairweather"), ("Elowen", "Strachan"))


def _stranger(template: dict[str, str], n: int, rng: random.Random, batch: str) -> dict[str, str]:
    out = {key: "" for key in template}
    for column in ("organisation_code", "service_name", "practitioner_email", "start_date"):
        out[column] = template[column]
    given, family = STRANGER_NAMES[n % len(STRANGER_NAMES)]
    out.update(
        source_record_id=f"HVT{batch}9{n:05d}",
        given_names=given,
        family_name=family,
        date_of_birth=(dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(600))).isoformat(),
        gender=rng.choice(("female", "male")),
    )
    return out


def write_near_miss_feed(
    feeds: Path, *, seed: int = 17, rows: int = ROWS, strangers: int = STRANGERS, batch: str = ""
) -> Path:
    """Write ``feeds/health_visiting_transfer.csv`` and its mapping beside the generated feeds;
    returns the mapping's path (for ``childindex feed import --mapping``).

    ``rows`` near misses (at most one a child, so fewer when the feed names fewer children) and
    ``strangers``. ``batch`` (letters and digits) goes into every record's key, so that another
    batch written later (the load test tops its review queue up before each run) is new records
    rather than the same ones again."""
    if not 1 <= rows <= MAX_ROWS or not 0 <= strangers <= MAX_ROWS:
        raise ValueError(f"ask for 1 to {MAX_ROWS:,} near misses and 0 to {MAX_ROWS:,} strangers")
    if batch and not (batch.isascii() and batch.isalnum() and len(batch) <= 12):
        raise ValueError("a batch is up to 12 letters and digits")
    source_csv = feeds / f"{SOURCE}.csv"
    with source_csv.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        source_rows = list(reader)
    if not source_rows:
        raise ValueError(f"{source_csv} has no rows to make near misses from")
    rng = random.Random(seed)
    # One row per child, spread through the feed.
    seen: set[tuple[str, str, str]] = set()
    picked = []
    for row in rng.sample(source_rows, len(source_rows)):
        who = (row["given_names"], row["family_name"], row["date_of_birth"])
        if who not in seen:
            seen.add(who)
            picked.append(row)
        if len(picked) == rows:
            break
    out_rows = [_near_miss(row, n, rng, batch) for n, row in enumerate(picked)]
    out_rows += [_stranger(source_rows[0], n, rng, batch) for n in range(strangers)]
    target = feeds / f"{FEED}.csv"
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(out_rows)
    mapping = (feeds / f"{SOURCE}.toml").read_text(encoding="utf-8")
    mapping = re.sub(r'(?m)^name = ".*"$', f'name = "{FEED}"', mapping, count=1)
    mapping = re.sub(r'(?m)^label = ".*"$', f'label = "{LABEL}"', mapping, count=1)
    mapping = re.sub(
        r"(?m)^may_create_children = .*$", "may_create_children = false", mapping, count=1
    )
    mapping = re.sub(r"(?s)\n\[\[identifiers\]\].*", "\n", mapping)  # no identifiers come
    mapping = mapping.replace(f"feeds/{SOURCE}.csv", f"feeds/{FEED}.csv", 1).replace(
        "(written by childindex generate)", "(written by childindex demo)", 1
    )
    path = feeds / f"{FEED}.toml"
    path.write_text(mapping, encoding="utf-8")
    return path
