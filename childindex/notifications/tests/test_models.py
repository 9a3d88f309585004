"""Notifications' database constraints refuse bad rows and accept good ones.

Every write here bypasses Django's validation (``save()`` runs none), so each test proves the
database itself holds the rule, whatever code path writes the row.
"""

from __future__ import annotations

import pytest

from childindex.access.tests.factories import UserFactory
from childindex.core.tests.constraints import refused_by
from childindex.directory.tests.factories import LocalAuthorityFactory
from childindex.notifications.models import NotificationKind, NotificationThresholds
from childindex.notifications.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db

MAILBOX = "safeguarding@la.example"


def test_a_notification_goes_to_a_user_or_a_mailbox():
    with refused_by("notification_has_somewhere_to_go"):
        NotificationFactory(recipient=None, email="")
    NotificationFactory(recipient=None, email=MAILBOX)
    NotificationFactory(email="")


def test_notification_kind_must_be_known():
    with refused_by("notification_kind_known"):
        NotificationFactory(kind="gossip")
    NotificationFactory(kind=NotificationKind.MOVED_LA)


def test_a_prompt_with_a_key_reaches_a_user_once():
    user = UserFactory()
    NotificationFactory(recipient=user, key="many_viewers:10000000002:2026-03-02")
    with refused_by("notification_sent_once_to_a_user"):
        NotificationFactory(recipient=user, key="many_viewers:10000000002:2026-03-02")
    NotificationFactory(recipient=UserFactory(), key="many_viewers:10000000002:2026-03-02")
    NotificationFactory(recipient=user, key="")
    NotificationFactory(recipient=user, key="")  # without a key, nothing to repeat


def test_a_prompt_with_a_key_reaches_a_mailbox_once():
    NotificationFactory(recipient=None, email=MAILBOX, key="no_lead:10000000002")
    with refused_by("notification_sent_once_to_a_mailbox"):
        NotificationFactory(recipient=None, email=MAILBOX, key="no_lead:10000000002")
    NotificationFactory(recipient=None, email="other@la.example", key="no_lead:10000000002")
    NotificationFactory(recipient=None, email=MAILBOX, key="")
    NotificationFactory(recipient=None, email=MAILBOX, key="")


@pytest.mark.parametrize(
    "levels",
    [{"distinct_viewers": 1}, {"viewers_window_days": 0}, {"services_without_lead": 1}],
    ids=lambda levels: [*levels][0],
)
def test_notification_thresholds_are_levels_that_can_fire_sensibly(levels):
    la = LocalAuthorityFactory()
    with refused_by("notification_thresholds_sensible"):
        NotificationThresholds.objects.create(local_authority=la, **levels)
    NotificationThresholds.objects.create(
        local_authority=la, distinct_viewers=2, viewers_window_days=1, services_without_lead=2
    )
