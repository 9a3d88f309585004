"""Sample public register files for the synthetic directory, in the registers' own layouts.

An LA starts its directory from the DfE's Get Information about Schools establishment export
and the NHS ODS GP practice file (``epraccur``); ``childindex generate`` writes the same
schools and practices in those layouts (``edubasealldata.csv``, ``epraccur.csv``) so that
``childindex directory import`` can be tried and tested on them. GIAS covers England's
schools; epraccur covers England's and Wales's practices.
"""

from __future__ import annotations

import csv
from pathlib import Path

from childindex.synthetic.directory import Directory, Organisation

GIAS_HEADER = (
    "URN",
    "LA (code)",
    "LA (name)",
    "EstablishmentNumber",
    "EstablishmentName",
    "TypeOfEstablishment (name)",
    "EstablishmentTypeGroup (name)",
    "EstablishmentStatus (name)",
    "PhaseOfEducation (name)",
    "Street",
    "Locality",
    "Address3",
    "Town",
    "County (name)",
    "Postcode",
    "TelephoneNum",
)
EPRACCUR_WIDTH = 27


def _split(address: str) -> tuple[str, str]:
    line, _, town = address.rpartition(", ")
    return (line, town) if line else (address, "")


def _gias_row(org: Organisation, la_number: int, la_name: str) -> list[str]:
    primary = (org.school_number or 0) < 4000
    academy = "Academy" in org.name
    line, town = _split(org.address)
    return [
        org.code,
        f"{la_number}",
        la_name,
        f"{org.school_number or ''}",
        org.name,
        "Academy converter"
        if academy
        else ("Community school" if primary else "Foundation school"),
        "Academies" if academy else "Local authority maintained schools",
        "Open",
        "Primary" if primary else "Secondary",
        line,
        "",
        "",
        town,
        "",
        org.postcode,
        org.phone,
    ]


def _epraccur_row(org: Organisation) -> list[str]:
    line, town = _split(org.address)
    cells = [""] * EPRACCUR_WIDTH
    cells[0], cells[1], cells[2], cells[3] = org.code, org.name.upper(), "Y00", "Q00"
    cells[4], cells[5] = line.upper(), town.upper()
    cells[9], cells[10], cells[12], cells[13] = org.postcode, "19740401", "A", "B"
    cells[14], cells[15], cells[17] = "00X", "20130401", org.phone
    cells[21], cells[25] = "0", "4"
    return cells


def write_registers(out_dir: Path, directory: Directory) -> dict[str, int]:
    """Write ``edubasealldata.csv`` (English schools) and ``epraccur.csv`` (English and Welsh
    practices); return the rows written to each."""
    counts = {"edubasealldata.csv": 0, "epraccur.csv": 0}
    with (
        (out_dir / "edubasealldata.csv").open("w", encoding="utf-8", newline="") as gias_file,
        (out_dir / "epraccur.csv").open("w", encoding="utf-8", newline="") as gp_file,
    ):
        gias = csv.writer(gias_file, lineterminator="\n")
        gias.writerow(GIAS_HEADER)
        gp = csv.writer(gp_file, lineterminator="\n")
        for la_directory in directory.las:
            la = la_directory.la
            for org in la_directory.organisations:
                if org.type == "school" and la.upn_la_number is not None:
                    gias.writerow(_gias_row(org, la.upn_la_number, la.name))
                    counts["edubasealldata.csv"] += 1
                elif org.type == "gp_practice" and la.nation in ("england", "wales"):
                    gp.writerow(_epraccur_row(org))
                    counts["epraccur.csv"] += 1
    return counts
