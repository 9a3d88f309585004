"""Cells written to a CSV that people open in a spreadsheet (audit exports, report downloads).

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and some
also after leading whitespace or a control character, or for the fullwidth forms of those
signs. Every CSV the index writes passes each cell through ``csv_safe`` (one function, so the
audit exports and the reports cannot disagree): such a cell gets a leading apostrophe and is
read as text. OWASP's advice on CSV injection, with the fullwidth signs and whitespace added.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

# =, +, -, @; tab, CR, LF and space (a spreadsheet may strip them, then see the sign); the
# fullwidth equals, plus, hyphen-minus and commercial at.
FORMULA_STARTS = frozenset("=+-@\t\r\n \uff1d\uff0b\uff0d\uff20")


def csv_safe(value: Any) -> str:
    """The cell as text a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text


def write_csv_file(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    before_publish: Callable[[int], None] | None = None,
) -> int:
    """Write ``header`` and ``rows`` (every cell through ``csv_safe``) to ``path``, whole or not
    at all: the rows go to a file beside it, which replaces ``path`` only once every row is
    written and ``before_publish(count)`` (an export's audit event) has run. A failure part way
    (a full disk, an error reading the rows, the audit refused) removes the partial file and
    leaves whatever ``path`` held before. Returns the number of rows; raises ``OSError``."""
    aside = path.with_name(f".{path.name}.{os.getpid()}.partial")
    count = 0
    try:
        with aside.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            for row in rows:
                writer.writerow([csv_safe(v) for v in row])
                count += 1
        if before_publish is not None:
            before_publish(count)
        os.replace(aside, path)
    except BaseException:
        aside.unlink(missing_ok=True)
        raise
    return count
