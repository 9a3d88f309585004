"""A child and the team around them, each member a usable account of the index; notifications."""

from __future__ import annotations

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from childindex.access.tests.factories import UserFactory
from childindex.directory.tests.factories import ServiceFactory
from childindex.notifications.models import Notification, NotificationKind
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


class NotificationFactory(DjangoModelFactory):
    """A notification to a user of the index (``recipient=None, email=...`` for a mailbox)."""

    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = NotificationKind.TEAM_JOINED
    index_number = "10000000002"
    message = "Someone joined the team around this child."
    created_at = factory.LazyFunction(timezone.now)
