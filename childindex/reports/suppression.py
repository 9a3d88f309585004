"""Small counts are suppressed on every report, as official statistics do, so that no report
identifies a child: a count from 1 to 4 is shown as "fewer than 5". A zero identifies nobody
and is shown. A share (a percentage) built on a suppressed count is suppressed too, so the
count cannot be worked back from it."""

from __future__ import annotations

from dataclasses import dataclass

SUPPRESS_BELOW = 5
FEWER_THAN = f"fewer than {SUPPRESS_BELOW}"


@dataclass(frozen=True, order=True)
class Count:
    value: int

    @property
    def suppressed(self) -> bool:
        return 0 < self.value < SUPPRESS_BELOW

    @property
    def shown(self) -> str:
        return FEWER_THAN if self.suppressed else f"{self.value:,}"

    def __str__(self) -> str:
        return self.shown


def share(part: Count | int, whole: Count | int) -> str:
    """``part`` as a percentage of ``whole``, or "fewer than 5"/"–" where it would tell."""
    part = part if isinstance(part, Count) else Count(part)
    whole = whole if isinstance(whole, Count) else Count(whole)
    if part.suppressed or whole.suppressed:
        return FEWER_THAN if part.suppressed else "–"
    if whole.value == 0:
        return "–"
    return f"{100 * part.value / whole.value:.1f}%"
