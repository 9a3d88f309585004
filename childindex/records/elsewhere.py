"""Children living elsewhere: for an LA's index team, the children its LA's services work with
who live in (are the responsibility of) another LA, and the children it is responsible for who
are served from another LA. Children cross boundaries; the index team needs to see where.

A shielded child of another LA is listed only by index number and the LA to contact: the
index team of the LA that shields it is the one that maintains it. Every list is audited with
the children it showed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from childindex.access import policy
from childindex.access.models import User
from childindex.audit.models import Action
from childindex.audit.services import audit_record
from childindex.directory.models import LocalAuthority
from childindex.records.models import ChildName, ChildStatus, Involvement, NameKind

LIST_LIMIT = 500


@dataclass(frozen=True, slots=True)
class ElsewhereChild:
    index_number: str
    name: str  # "" for another LA's shielded child
    shielded_elsewhere: bool
    responsible_la: LocalAuthority
    services: tuple[str, ...]  # the services across the boundary ("" hidden for a shield)
    other_la: LocalAuthority  # the LA across the boundary: where they live, or are served


@dataclass(frozen=True, slots=True)
class ChildrenElsewhere:
    served_here_living_elsewhere: tuple[ElsewhereChild, ...]
    living_here_served_elsewhere: tuple[ElsewhereChild, ...]
    truncated: bool


def _rows(involvements, *, actor_la_id: int | None, here_serves: bool) -> list[ElsewhereChild]:
    by_child: dict[int, dict] = {}
    for inv in involvements:
        child = inv.child
        entry = by_child.setdefault(
            child.pk,
            {"child": child, "services": [], "other": None},
        )
        entry["services"].append(inv.service.name)
        entry["other"] = (
            child.responsible_la if here_serves else inv.service.organisation.local_authority
        )
    ids = list(by_child)
    names = {
        n.child_id: f"{n.given_names} {n.family_name}"
        for n in ChildName.objects.filter(child_id__in=ids, kind=NameKind.CURRENT)
    }
    rows = []
    for child_id, entry in by_child.items():
        child = entry["child"]
        hidden = child.shielded and child.responsible_la_id != actor_la_id
        rows.append(
            ElsewhereChild(
                index_number=child.index_number,
                name="" if hidden else names.get(child_id, ""),
                shielded_elsewhere=hidden,
                responsible_la=child.responsible_la,
                services=() if hidden else tuple(sorted(set(entry["services"]))),
                other_la=entry["other"],
            )
        )
    return sorted(rows, key=lambda r: (r.other_la.name, r.index_number))


def children_elsewhere(*, actor: User) -> ChildrenElsewhere:
    """Both lists for the actor's own LA (the index team only)."""
    decision = policy.can_maintain_la(actor, actor.local_authority_id)
    if not decision:
        raise PermissionDenied(decision.message)
    la_id = actor.local_authority_id
    current = (
        Involvement.objects.filter(ended_on__isnull=True)
        .exclude(child__status=ChildStatus.MERGED)
        .select_related("child__responsible_la", "service__organisation__local_authority")
        .order_by("child_id", "id")
    )
    served = list(
        current.filter(service__organisation__local_authority_id=la_id).exclude(
            child__responsible_la_id=la_id
        )[: LIST_LIMIT * 4]
    )
    living = list(
        current.filter(child__responsible_la_id=la_id).exclude(
            service__organisation__local_authority_id=la_id
        )[: LIST_LIMIT * 4]
    )
    first = _rows(served, actor_la_id=la_id, here_serves=True)
    second = _rows(living, actor_la_id=la_id, here_serves=False)
    truncated = (
        len(first) > LIST_LIMIT
        or len(second) > LIST_LIMIT
        or (len(served) == LIST_LIMIT * 4 or len(living) == LIST_LIMIT * 4)
    )
    first, second = first[:LIST_LIMIT], second[:LIST_LIMIT]
    audit_record(
        actor=actor,
        action=Action.CHILDREN_ELSEWHERE_VIEW,
        children=[r.index_number for r in (*first, *second)],
        detail={
            "served_here_living_elsewhere": len(first),
            "living_here_served_elsewhere": len(second),
        },
        shown={"shielded_elsewhere": sum(r.shielded_elsewhere for r in (*first, *second))},
    )
    return ChildrenElsewhere(
        served_here_living_elsewhere=tuple(first),
        living_here_served_elsewhere=tuple(second),
        truncated=truncated,
    )
