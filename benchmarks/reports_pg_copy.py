# ruff: noqa: S608 - SQL built from the two schemas' own table and column names, no input
"""Copy a generated SQLite index into an empty, migrated PostgreSQL database, then (optionally)
multiply its children so that one LA holds N times as many: the reports benchmark's 1,000,000
children in one LA, the harder case than 1,000,000 spread over 150 LAs.

    createdb -h 127.0.0.1 -U postgres reports_1m
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/reports_1m .venv/bin/childindex migrate
    PYTHONPATH=. .venv/bin/python benchmarks/reports_pg_copy.py var/bench/b250k.sqlite3 \\
        postgres://postgres@127.0.0.1:5432/reports_1m --times 4

    # or a county generated straight into PostgreSQL, multiplied where it is
    PYTHONPATH=. .venv/bin/python benchmarks/reports_pg_copy.py - \\
        postgres://postgres@127.0.0.1:5432/reports_500k --times 10

Every table is copied as it is (COPY, foreign keys checked by nobody: the source was valid),
except Django's own bookkeeping (migrations, content types, permissions, sessions) and the
search keys, which no report reads. ``--times N`` adds N-1 copies of every child with their
names, addresses, identifiers and involvements, in the same LA, each copy with a new index
number and new identifiers that pass the same checks (an identifier with a prefix would break
``health_identifier_10_digits``). The copies have no search keys, carers, consents or source
records. Synthetic data only; a benchmark's fixture, not a migration tool.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import time

import psycopg
from stdnum.gb import upn

from childindex.core import identifiers

SKIP = {
    "django_migrations",
    "django_content_type",
    "auth_permission",
    "django_session",
    "access_usersession",
    "axes_accesslog",
    "records_childsearchkey",
    "sqlite_sequence",
}
# Copied children carry these, with their child_id moved on.
CHILD_TABLES = (
    "records_childname",
    "records_childaddress",
    "records_childidentifier",
    "records_involvement",
)


def copy_tables(lite: sqlite3.Connection, pg: psycopg.Connection) -> None:
    pg_tables = {
        r[0]
        for r in pg.execute(
            "select tablename from pg_tables where schemaname = 'public'"
        ).fetchall()
    }
    tables = [
        r[0]
        for r in lite.execute("select name from sqlite_master where type = 'table' order by name")
        if r[0] in pg_tables and r[0] not in SKIP
    ]
    pg.execute("set timezone = 'UTC'")  # SQLite holds Django's UTC times as text
    pg.execute("set session_replication_role = replica")  # no FK triggers while loading
    pg.execute("truncate " + ", ".join(f'"{t}"' for t in tables) + " cascade")
    for table in tables:
        started = time.monotonic()
        pg_columns = {
            r[0]: r[1]
            for r in pg.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_name = %s",
                (table,),
            )
        }
        columns = [r[1] for r in lite.execute(f'pragma table_info("{table}")')]
        columns = [c for c in columns if c in pg_columns]
        booleans = {i for i, c in enumerate(columns) if pg_columns[c] == "boolean"}
        names = ", ".join(f'"{c}"' for c in columns)
        n = 0
        with (
            pg.cursor() as cursor,
            cursor.copy(f'copy "{table}" ({names}) from stdin') as copy,
        ):
            for row in lite.execute(f'select {names} from "{table}"'):
                if booleans:
                    row = tuple(
                        (bool(v) if v is not None else None) if i in booleans else v
                        for i, v in enumerate(row)
                    )
                copy.write_row(row)
                n += 1
        if "id" in columns and pg_columns["id"] in ("integer", "bigint"):
            pg.execute(
                f"select setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'coalesce((select max(id) from "{table}"), 1))'
            )
        print(f"{table}: {n:,} rows in {time.monotonic() - started:.1f} s", flush=True)
    pg.execute("set session_replication_role = origin")


def _new_identifier(kind: str, value: str, used: set[str], rng: random.Random) -> str | None:
    """Another valid identifier of this kind, not yet used: a copied child must pass the same
    checks as a generated one (ten digits and a modulus 11 check digit for NHS, CHI and H&C
    numbers, the check letter of a UPN). A CHI number keeps its date of birth and sex digit's
    parity, a UPN its LA, school and year; None when no free number is found."""
    for _ in range(200):
        if kind == "nhs":
            new = identifiers.synthetic_nhs_number(rng)
        elif kind == "hc":
            new = identifiers.synthetic_hc_number(rng)
        elif kind == "chi":
            female = int(value[8]) % 2 == 0
            body = (
                f"{value[:6]}{rng.randint(0, 99):02d}{rng.choice('02468' if female else '13579')}"
            )
            check = identifiers.mod11_check_digit(body)
            if check is None:
                continue
            new = body + str(check)
        elif kind == "upn":
            body = f"{value[1:10]}{rng.randint(0, 999):03d}"
            new = upn.calc_check_digit(body) + body
        else:  # a local identifier: any printable text up to 64 characters
            new = f"{value}~{rng.randint(0, 10**9)}"[:64]
        if new not in used:
            used.add(new)
            return new
    return None


def _copy_in(pg: psycopg.Connection, table: str, rows: list[tuple[int, str]]) -> None:
    pg.execute(f"create temporary table {table} (old_id bigint primary key, value text)")
    with pg.cursor() as cursor, cursor.copy(f"copy {table} (old_id, value) from stdin") as copy:
        for row in rows:
            copy.write_row(row)


def _columns(pg: psycopg.Connection, table: str, *leave_out: str) -> list[str]:
    return [
        r[0]
        for r in pg.execute(
            "select column_name from information_schema.columns "
            "where table_name = %s order by ordinal_position",
            (table,),
        )
        if r[0] not in leave_out
    ]


def multiply(pg: psycopg.Connection, times: int, seed: int = 1) -> None:
    """Add ``times - 1`` copies of every child (and what a report reads of them): each copy a
    new id, a new index number (11 digits with its Verhoeff check digit, as the index issues
    them) and new identifiers that pass their checks; names, addresses and involvements as
    they are."""
    rng = random.Random(seed)
    base = pg.execute("select max(id) from records_child").fetchone()[0]
    children = [r[0] for r in pg.execute("select id from records_child order by id")]
    numbers = {r[0] for r in pg.execute("select index_number from records_child")}
    base_identifiers = pg.execute(
        "select id, type, value from records_childidentifier where child_id <= %s order by id",
        (base,),
    ).fetchall()
    used: dict[str, set[str]] = {}
    for kind, value in pg.execute("select type, value from records_childidentifier"):
        used.setdefault(kind, set()).add(value)
    child_columns = _columns(pg, "records_child", "id", "index_number", "merged_into_id")
    pg.execute("set session_replication_role = replica")
    for k in range(1, times):
        started = time.monotonic()
        offset = k * base
        fresh = []
        for child_id in children:
            number = identifiers.new_index_number(rng)
            while number in numbers:
                number = identifiers.new_index_number(rng)
            numbers.add(number)
            fresh.append((child_id, number))
        _copy_in(pg, "copy_index_number", fresh)
        pg.execute(
            f"insert into records_child (id, index_number, merged_into_id, "
            f"{', '.join(child_columns)}) "
            f"select c.id + {offset}, m.value, c.merged_into_id + {offset}, "
            f"{', '.join('c.' + c for c in child_columns)} "
            f"from records_child c join copy_index_number m on m.old_id = c.id"
        )
        pg.execute("drop table copy_index_number")
        for table in ("records_childname", "records_childaddress", "records_involvement"):
            cols = _columns(pg, table, "id", "child_id")
            pg.execute(
                f"insert into {table} (child_id, {', '.join(cols)}) "
                f"select child_id + {offset}, {', '.join(cols)} from {table} "
                f"where child_id <= {base}"
            )
        new_values = []
        for identifier_id, kind, value in base_identifiers:
            new = _new_identifier(kind, value, used.setdefault(kind, set()), rng)
            if new is not None:
                new_values.append((identifier_id, new))
        _copy_in(pg, "copy_identifier", new_values)
        cols = _columns(pg, "records_childidentifier", "id", "child_id", "value")
        pg.execute(
            f"insert into records_childidentifier (child_id, value, {', '.join(cols)}) "
            f"select t.child_id + {offset}, m.value, {', '.join('t.' + c for c in cols)} "
            f"from records_childidentifier t join copy_identifier m on m.old_id = t.id"
        )
        pg.execute("drop table copy_identifier")
        left_out = len(base_identifiers) - len(new_values)
        print(
            f"copy {k}: {len(children):,} children, {len(new_values):,} identifiers "
            f"({left_out:,} left out: no free number) in {time.monotonic() - started:.1f} s",
            flush=True,
        )
    pg.execute("set session_replication_role = origin")
    for table in ("records_child", *CHILD_TABLES):
        pg.execute(
            f"select setval(pg_get_serial_sequence('{table}', 'id'), (select max(id) from {table}))"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sqlite", help="the SQLite index to copy, or - to multiply in place")
    parser.add_argument("postgres")
    parser.add_argument("--times", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1, help="for the copies' new numbers")
    args = parser.parse_args()
    with psycopg.connect(args.postgres, autocommit=True) as pg:
        if args.sqlite != "-":
            copy_tables(sqlite3.connect(args.sqlite), pg)
        if args.times > 1:
            multiply(pg, args.times, args.seed)
        pg.execute("analyze")  # a bulk load leaves the planner no statistics


if __name__ == "__main__":
    main()
