"""A child and the team around them, each member a usable account of the index."""

from __future__ import annotations

from childindex.access.tests.factories import UserFactory
from childindex.directory.tests.factories import ServiceFactory
from childindex.records.tests.factories import InvolvementFactory


def member(child, *, service_traits=None, involvement_traits=None, role="practitioner", **user):
    """A practitioner with an account, involved with ``child`` through their own service.

    ``service_traits`` e.g. ``{"additional": True}``; ``involvement_traits`` e.g.
    ``{"hidden_concern": True}`` or ``{"lead_professional": True}``.
    """
    account = UserFactory(
        role=role, local_authority=child.responsible_la, with_practitioner=True, **user
    )
    service = ServiceFactory(organisation=account.organisation, **(service_traits or {}))
    involvement = InvolvementFactory(
        child=child,
        service=service,
        practitioner=account.practitioner,
        **(involvement_traits or {}),
    )
    return account, involvement
