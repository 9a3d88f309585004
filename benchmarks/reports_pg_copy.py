# ruff: noqa: S608 - SQL built from the two schemas' own table and column names, no input
"""Copy a generated SQLite index into an empty, migrated PostgreSQL database, then (optionally)
multiply its children so that one LA holds N times as many: the reports benchmark's 1,000,000
children in one LA, the harder case than 1,000,000 spread over 150 LAs.

    createdb -h 127.0.0.1 -U postgres reports_1m
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/reports_1m .venv/bin/childindex migrate
    .venv/bin/python benchmarks/reports_pg_copy.py var/bench/b250k.sqlite3 \\
        postgres://postgres@127.0.0.1:5432/reports_1m --times 4

Every table is copied as it is (COPY, foreign keys checked by nobody: the source was valid),
except Django's own bookkeeping (migrations, content types, permissions, sessions) and the
search keys, which no report reads. ``--times N`` adds N-1 copies of every child with their
names, addresses, identifiers (values prefixed, so still unique) and involvements, in the same
LA, with new index numbers. Synthetic data only; a benchmark's fixture, not a migration tool.
"""

from __future__ import annotations

import argparse
import sqlite3
import time

import psycopg

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


def multiply(pg: psycopg.Connection, times: int) -> None:
    """Add ``times - 1`` copies of every child (and what a report reads of them)."""
    base = pg.execute("select max(id) from records_child").fetchone()[0]
    pg.execute("set session_replication_role = replica")
    for k in range(1, times):
        started = time.monotonic()
        offset = k * base
        columns = [
            r[0]
            for r in pg.execute(
                "select column_name from information_schema.columns "
                "where table_name = 'records_child' order by ordinal_position"
            )
        ]
        rest = [c for c in columns if c not in ("id", "index_number", "merged_into_id")]
        # a new index number (11 digits, first not 0); the rare one that meets an existing
        # number is left out, with its rows
        pg.execute(
            f"insert into records_child (id, index_number, merged_into_id, {', '.join(rest)}) "
            f"select id + {offset}, "
            f"((index_number::bigint + {k * 7919 * 1000003}) % 90000000000 "  # bigint, not int4
            f"+ 10000000000)::text, merged_into_id + {offset}, {', '.join(rest)} "
            f"from records_child where id <= {base} on conflict (index_number) do nothing"
        )
        for table in CHILD_TABLES:
            cols = [
                r[0]
                for r in pg.execute(
                    "select column_name from information_schema.columns "
                    "where table_name = %s order by ordinal_position",
                    (table,),
                )
                if r[0] not in ("id", "child_id")
            ]
            values = [f"'{k}' || value" if c == "value" else c for c in cols]
            pg.execute(
                f"insert into {table} (child_id, {', '.join(cols)}) "
                f"select child_id + {offset}, {', '.join(values)} from {table} t "
                f"where child_id <= {base} and exists "
                f"(select 1 from records_child c where c.id = t.child_id + {offset})"
            )
        print(f"copy {k}: {time.monotonic() - started:.1f} s", flush=True)
    pg.execute("set session_replication_role = origin")
    pg.execute(
        "select setval(pg_get_serial_sequence('records_child', 'id'), "
        "(select max(id) from records_child))"
    )
    for table in CHILD_TABLES:
        pg.execute(
            f"select setval(pg_get_serial_sequence('{table}', 'id'), (select max(id) from {table}))"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sqlite")
    parser.add_argument("postgres")
    parser.add_argument("--times", type=int, default=1)
    args = parser.parse_args()
    lite = sqlite3.connect(args.sqlite)
    with psycopg.connect(args.postgres, autocommit=True) as pg:
        copy_tables(lite, pg)
        if args.times > 1:
            multiply(pg, args.times)
        pg.execute("analyze")


if __name__ == "__main__":
    main()
