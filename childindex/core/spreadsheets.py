"""Cells written to a CSV that people open in a spreadsheet (audit exports, report downloads).

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and some
also after leading whitespace or a control character, or for the fullwidth forms of those
signs. Every CSV the index writes passes each cell through ``csv_safe`` (one function, so the
audit exports and the reports cannot disagree): such a cell gets a leading apostrophe and is
read as text. OWASP's advice on CSV injection, with the fullwidth signs and whitespace added.
"""

from __future__ import annotations

from typing import Any

# =, +, -, @; tab, CR, LF and space (a spreadsheet may strip them, then see the sign); the
# fullwidth equals, plus, hyphen-minus and commercial at.
FORMULA_STARTS = frozenset("=+-@\t\r\n \uff1d\uff0b\uff0d\uff20")


def csv_safe(value: Any) -> str:
    """The cell as text a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text
