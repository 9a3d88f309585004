"""Every page of the back office's admin renders, and accounts are administered there."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from childindex.access.models import Role, User
from childindex.access.testing import sign_in_verified
from childindex.access.tests.factories import UserFactory
from childindex.audit.models import AuditEvent
from childindex.directory.tests.factories import LocalAuthorityFactory

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label_lower)

# Deliberately no add page: django-tasks-db's task results are written by the queue (its
# DBTaskResultAdmin refuses add, change and delete by design); population estimates are loaded
# from the ONS file. Child data is not in the back office at all (test_back_office.py).
NO_ADD_PAGE = {
    "django_tasks_database.dbtaskresult",
    "reports.populationestimate",  # loaded from the ONS file, replaced a year at a time
}


def admin_url(model, view: str) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}")


@pytest.fixture
def back_office(client):
    # The back office asks for two factors too (an OTPAdminSite).
    sign_in_verified(client, UserFactory(back_office=True))
    return client


def test_every_app_of_ours_is_in_the_admin():
    labels = {model._meta.label_lower for model in REGISTERED}
    assert {
        "directory.localauthority",
        "directory.organisation",
        "directory.service",
        "directory.practitioner",
        "access.user",
        "audit.usagethresholds",
        "notifications.notificationthresholds",
    } <= labels


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label_lower)
def test_admin_changelist_and_add_page_render_for_a_superuser(back_office, model):
    assert back_office.get(admin_url(model, "changelist")).status_code == 200
    add_page = back_office.get(admin_url(model, "add"))
    expected = 403 if model._meta.label_lower in NO_ADD_PAGE else 200
    assert add_page.status_code == expected


def test_admin_index_renders_for_a_superuser(back_office):
    assert back_office.get(reverse("admin:index")).status_code == 200


def test_admin_is_closed_to_a_practitioner(client):
    client.force_login(UserFactory())
    response = client.get(admin_url(User, "changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_user_change_page_shows_the_prerequisites_of_access(back_office):
    user = UserFactory(with_practitioner=True)
    page = back_office.get(reverse("admin:access_user_change", args=[user.pk]))
    assert page.status_code == 200
    for field in ("role", "local_authority", "dbs_checked_on", "training_completed_on"):
        assert f'name="{field}"' in page.content.decode()


def test_creating_an_account_in_the_admin_gives_it_a_role_and_la_and_is_audited(back_office):
    la = LocalAuthorityFactory()
    response = back_office.post(
        admin_url(User, "add"),
        {
            "username": "new.index.team",
            "usable_password": "true",
            "password1": "a-long-synthetic-passphrase-42",
            "password2": "a-long-synthetic-passphrase-42",
            "role": Role.INDEX_TEAM,
            "local_authority": la.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="new.index.team")
    assert (user.role, user.local_authority) == (Role.INDEX_TEAM, la)
    event = AuditEvent.objects.get(action="admin.add")
    assert event.detail["model"] == "access.user"
    assert event.detail["ids"] == [str(user.pk)]


def test_account_of_a_practitioner_without_an_la_is_refused_with_a_message(back_office):
    response = back_office.post(
        admin_url(User, "add"),
        {
            "username": "no.la",
            "usable_password": "true",
            "password1": "a-long-synthetic-passphrase-42",
            "password2": "a-long-synthetic-passphrase-42",
            "role": Role.PRACTITIONER,
        },
    )
    assert response.status_code == 200
    assert "Choose the local authority this account belongs to." in response.content.decode()
    assert not User.objects.filter(username="no.la").exists()
