"""The demo's children to try (issue 17, finding 11): found by their real state in the loaded
county, as the access policy sees them for the demo's own accounts, so the tour names children
that show what it says.

- a shielded child (the practitioner sees the shielded summary only);
- a child with a hidden concern (an involvement of a concern service, shared without consent:
  the practitioner does not see it);
- a child with a sensitive service (the practitioner sees "a sensitive service is involved");
- the child for the child-protection enquiry (a different child whose record, opened by the
  child-protection practitioner for an enquiry, shows involvements tagged as shown only for it);
- the child of the README's FHIR API tour (an ordinary record: not shielded, a team around the
  child of at least ``TOUR_SERVICES`` services that the practitioner sees in full, and a
  parent or carer, so every read of the tour has something to show).

Reading them here writes no audit event: the demo command chooses examples on its own
synthetic data before anyone signs in, and prints names only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Prefetch

from childindex.access import policy
from childindex.access.models import Role, User
from childindex.records.models import (
    AddressStatus,
    Basis,
    Child,
    ChildAddress,
    ChildName,
    ChildStatus,
    Involvement,
    NameKind,
)

KINDS = (
    "shielded",
    "hidden_concern",
    "sensitive_service",
    "child_protection_enquiry",
    "fhir_tour",
)
TOUR_SERVICES = 3


@dataclass(frozen=True)
class Example:
    kind: str
    index_number: str
    given_names: str
    family_name: str
    date_of_birth: dt.date
    postcode: str

    @property
    def name(self) -> str:
        return f"{self.given_names} {self.family_name}"


def _children(la_id: int) -> Iterator[Child]:
    """The LA's active children in load order (the generator's order: the same county for the
    same seed), with what the policy needs."""
    current = Involvement.objects.filter(ended_on__isnull=True)
    query = (
        Child.objects.filter(responsible_la_id=la_id, status=ChildStatus.ACTIVE)
        .order_by("pk")
        .prefetch_related(
            Prefetch("involvements", queryset=current.select_related("service", "child")),
            Prefetch("names", queryset=ChildName.objects.filter(kind=NameKind.CURRENT)),
            Prefetch(
                "addresses",
                queryset=ChildAddress.objects.filter(
                    lived_until__isnull=True, status=AddressStatus.KNOWN
                ),
            ),
            "consents",
            "carer_links",
        )
    )
    yield from query.iterator(chunk_size=500)


def _example(kind: str, child: Child) -> Example | None:
    names = list(child.names.all())
    addresses = list(child.addresses.all())
    if not names or not addresses or not addresses[0].postcode:
        return None
    return Example(
        kind=kind,
        index_number=child.index_number,
        given_names=names[0].given_names,
        family_name=names[0].family_name,
        date_of_birth=child.date_of_birth,
        postcode=addresses[0].postcode,
    )


def _kind_of(
    child: Child, practitioner: User, protector: User, today: dt.date, found: dict[str, Example]
) -> str | None:
    if child.shielded:
        return "shielded" if "shielded" not in found else None
    involvements = list(child.involvements.all())
    if not involvements:
        return None
    consents = list(child.consents.all())
    seen = policy.record_access(practitioner, child, purpose=policy.Purpose.REFERRAL, today=today)
    views = [
        policy.involvement_view(practitioner, i, access=seen, consents=consents, today=today)
        for i in involvements
    ]
    hidden_concern = any(
        i.basis == Basis.HIDDEN_CONCERN and v == policy.Visibility.HIDDEN
        for i, v in zip(involvements, views, strict=True)
    )
    if (
        "sensitive_service" not in found
        and policy.Visibility.SENSITIVE in views
        and not hidden_concern
    ):
        return "sensitive_service"
    if (
        "fhir_tour" not in found
        and len(involvements) >= TOUR_SERVICES
        and all(v == policy.Visibility.FULL for v in views)
        and list(child.carer_links.all())
    ):
        return "fhir_tour"
    if not hidden_concern:
        return None
    if "hidden_concern" not in found:
        return "hidden_concern"
    if "child_protection_enquiry" not in found:
        enquiry = policy.record_access(
            protector, child, purpose=policy.Purpose.CHILD_PROTECTION_ENQUIRY, today=today
        )
        revealed = [
            i
            for i in involvements
            if policy.shown_only_for_enquiry(
                protector, i, access=enquiry, consents=consents, today=today
            )
        ]
        # Something shown for anyone too, so the tags stand out against ordinary cards.
        if revealed and len(revealed) < len(involvements):
            return "child_protection_enquiry"
    return None


def demo_examples(la, *, today: dt.date | None = None) -> dict[str, Example]:
    """One child of each kind in ``la`` (fewer in a county too small to have one)."""
    today = today or dt.date.today()
    practitioner = User.objects.filter(
        role=Role.PRACTITIONER, username__startswith="demo-", local_authority=la
    ).first()
    protector = User.objects.filter(
        role=Role.CHILD_PROTECTION, username__startswith="demo-", local_authority=la
    ).first()
    found: dict[str, Example] = {}
    if practitioner is None or protector is None:
        return found
    for child in _children(la.pk):
        kind = _kind_of(child, practitioner, protector, today, found)
        if kind is not None:
            example = _example(kind, child)
            if example is not None:
                found[kind] = example
        if len(found) == len(KINDS):
            break
    return {kind: found[kind] for kind in KINDS if kind in found}
