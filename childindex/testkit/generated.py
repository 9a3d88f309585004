"""A county made by the generator and loaded as an operator would: ``generate --load`` and then
``population load`` of its estimates; the tests count what they expect from the files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.core.management import call_command

from childindex.access.models import User
from childindex.access.testing import authenticator

GENERATED_LA = "E10000099"  # the generator's invented county of Wealdshire


@dataclass(frozen=True)
class GeneratedCounty:
    """The generator's files (``out``: children.csv, involvements.csv, services.csv, ...), loaded,
    and the LA's index team with an authenticator."""

    out: Path
    team: User


def generated_county(
    folder: Path, *, children: int = 400, seed: int = 11, la: str = GENERATED_LA
) -> GeneratedCounty:
    out = folder / "county"
    call_command(
        "generate",
        "--children",
        str(children),
        "--seed",
        str(seed),
        "--out",
        str(out),
        "--la",
        la,
        "--load",
    )
    call_command("population", "load", str(out / "population_estimates.csv"))
    team = User.objects.get(role="index_team", local_authority__code=la)
    authenticator(team)
    return GeneratedCounty(out=out, team=team)
