"""What writing a first load's search keys costs in SQLite, and what the child index adds.

    python benchmarks/search_key_writes.py --database IMPORTED.sqlite3 [--runs 5]

IMPORTED.sqlite3 is a database a feed import has written (its ``records_childsearchkey``
holds the keys that import made). Each run inserts those same keys, in the order the import
writes them (by key, then child), into a fresh file with the table's own DDL (read from the
database, so it is the migrated schema), in one transaction with the import's pragmas, three
ways: as the schema has it (primary key, index on the child, deferred foreign key to the
children); without the index on the child; without the index and without the foreign key.
The three alternate within each run, so they meet the same load. Prints medians and the
slowest run (with a handful of runs it stands in for a p95).
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

TABLE = "records_childsearchkey"
INSERT = 'INSERT INTO "records_childsearchkey" ("key", "child_id") VALUES (?, ?)'
SELECT = 'SELECT "key", "child_id" FROM "records_childsearchkey" ORDER BY 1, 2'


def _schema(source: sqlite3.Connection) -> tuple[str, list[str]]:
    table = source.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [TABLE]
    ).fetchone()
    indexes = [
        sql
        for (sql,) in source.execute(
            "SELECT sql FROM sqlite_master "
            "WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            [TABLE],
        )
    ]
    if table is None:
        raise SystemExit(f"no {TABLE} table in the database: is it a childindex database?")
    return table[0], indexes


def _insert(
    path: Path, table_sql: str, indexes: list[str], rows: list, children: int, *, fk: bool
) -> float:
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-262144"):
            db.execute(f"PRAGMA {pragma}")
        db.execute(f"PRAGMA foreign_keys={'ON' if fk else 'OFF'}")
        db.execute('CREATE TABLE "records_child" ("id" integer PRIMARY KEY)')
        db.executemany('INSERT INTO "records_child" VALUES (?)', ((c,) for c in range(children)))
        db.execute(table_sql)
        for sql in indexes:
            db.execute(sql)
        started = time.perf_counter()
        db.execute("BEGIN")
        db.executemany(INSERT, rows)
        db.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    if not args.database.is_file():
        parser.error(f"no database file at {args.database}")
    source = sqlite3.connect(f"file:{args.database}?mode=ro", uri=True)
    try:
        table_sql, indexes = _schema(source)
        rows = source.execute(SELECT).fetchall()
    except sqlite3.DatabaseError as exc:
        parser.error(f"cannot read {args.database} as a childindex SQLite database: {exc}")
    children = 1 + max((child for _key, child in rows), default=0)
    source.close()
    ways = {
        "as migrated (key and child indexes, foreign key)": (indexes, True),
        "without the index on the child": ([], True),
        "without that index or the foreign key": ([], False),
    }
    times: dict[str, list[float]] = {name: [] for name in ways}
    with tempfile.TemporaryDirectory(prefix="search-keys-") as scratch:
        path = Path(scratch) / "keys.sqlite3"
        for number in range(1, args.runs + 1):
            for name, (wanted, fk) in ways.items():
                times[name].append(_insert(path, table_sql, wanted, rows, children, fk=fk))
            print(f"run {number} done", file=sys.stderr)
    print(f"{len(rows):,} search keys of {args.database.name}, {args.runs} runs\n")
    print("| table | median s | slowest s | µs a key (median) |")
    print("|---|---:|---:|---:|")
    for name, done in times.items():
        median = statistics.median(done)
        print(f"| {name} | {median:.2f} | {max(done):.2f} | {median / len(rows) * 1e6:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
