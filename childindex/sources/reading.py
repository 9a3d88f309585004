"""Reading a feed file: a first pass that checks it can be read at all (encoding, header,
required columns) and counts its rows and its fingerprint, then the rows one by one.

A file in the wrong encoding or without a required column is refused before any row is read,
with what to change; a malformed row is handed on as a ``BadRow`` for the rejected-rows
report, so one bad row never sinks a file.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from childindex.sources.mapping import Mapping

csv.field_size_limit(1_000_000)


class FileRefused(ValueError):
    """The file cannot be imported at all; the message says why and what to do."""


@dataclass(frozen=True)
class FileFacts:
    sha256: str
    rows: int
    header: list[str]


@dataclass(frozen=True)
class RawRow:
    row_number: int  # 1 for the first row after the header
    line_number: int  # the file's line (the header is line 1)
    values: dict[str, str]


@dataclass(frozen=True)
class BadRow:
    row_number: int
    line_number: int
    reason: str
    key: str = ""
    column: str = ""  # the file's column the reason is about, if one


def _encoding(mapping: Mapping) -> str:
    return (
        "utf-8-sig"
        if mapping.encoding.lower().replace("_", "-") in {"utf-8", "utf8"}
        else mapping.encoding
    )


def _text(path: Path, mapping: Mapping) -> io.TextIOWrapper:
    return io.TextIOWrapper(
        path.open("rb"), encoding=_encoding(mapping), newline="", errors="strict"
    )


def inspect_file(path: Path, mapping: Mapping) -> FileFacts:
    """Fingerprint, header and row count; FileRefused if it cannot be read as mapped."""
    if not path.is_file():
        raise FileRefused(f"{path} is not a file")
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    rows = 0
    with _text(path, mapping) as handle:
        reader = csv.reader(handle)
        try:
            header = [h.strip() for h in next(reader, [])]
            if not header or header == [""]:
                raise FileRefused(f"{path.name} is empty: it needs a header line")
            repeated = sorted({h for h in header if header.count(h) > 1})
            if repeated:
                raise FileRefused(
                    f"{path.name} names the column {', '.join(repeated)} more than once in its "
                    "header: each column must appear once (which one holds the data?)"
                )
            while True:
                try:
                    next(reader)
                except StopIteration:
                    break
                except csv.Error:
                    pass  # a malformed row: rejected with its row number when read
                rows += 1
        except UnicodeDecodeError as exc:
            raise FileRefused(
                f"{path.name} is not {mapping.encoding} (a byte it cannot read near line "
                f"{reader.line_num + 1}): export it as UTF-8, or set encoding in the "
                "mapping's [feed]"
            ) from exc
    missing = mapping.missing_columns(header)
    if missing:
        raise FileRefused(
            f"{path.name} lacks required columns: {', '.join(missing)} "
            f"(its columns: {', '.join(header)})"
        )
    return FileFacts(sha256=digest.hexdigest(), rows=rows, header=header)


# A row problem: PostgreSQL cannot store a NUL character in text.
NUL_IN_ROW = "the row contains a NUL character (a zero byte): fix the export"


def has_nul(fields: Iterable[str]) -> bool:
    return any("\x00" in field for field in fields)


def read_rows(path: Path, mapping: Mapping, *, start_after: int = 0) -> Iterator[RawRow | BadRow]:
    """Every row after the first ``start_after`` (a resumed import skips what it committed)."""
    with _text(path, mapping) as handle:
        reader = csv.reader(handle)
        header = [h.strip() for h in next(reader)]
        width = len(header)
        number = 0
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                number += 1
                if number > start_after:
                    yield BadRow(number, reader.line_num, f"malformed row: {exc}")
                continue
            number += 1
            if number <= start_after:
                continue
            if len(fields) != width:
                yield BadRow(
                    number,
                    reader.line_num,
                    f"malformed row: {len(fields)} fields where the header has {width}",
                    key=_key(header, fields, mapping),
                )
                continue
            if has_nul(fields):
                # PostgreSQL cannot store a NUL character in text: the row is a row problem.
                yield BadRow(
                    number,
                    reader.line_num,
                    NUL_IN_ROW,
                    key=_key(header, fields, mapping).replace("\x00", ""),
                )
                continue
            yield RawRow(number, reader.line_num, dict(zip(header, fields, strict=True)))


def _key(header: list[str], fields: list[str], mapping: Mapping) -> str:
    try:
        return fields[header.index(mapping.key_column)].strip()[:100]
    except (ValueError, IndexError):
        return ""
