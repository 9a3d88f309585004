"""The ApiClient's constraints and the api-client command."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from childindex.directory.tests.factories import LocalAuthorityFactory, OrganisationFactory
from childindex.fhir.models import ApiClient, ClientKind
from childindex.fhir.services import ApiClientError, api_client_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued():
    la = LocalAuthorityFactory()
    return api_client_create(
        actor_label="test",
        name="gp",
        kind=ClientKind.GP_SYSTEM,
        local_authority=la,
        organisation=OrganisationFactory(local_authority=la),
    )


@pytest.mark.parametrize(
    ("change", "constraint"),
    [
        ({"kind": "robot"}, "api_client_kind_is_known"),
        ({"scopes": ""}, "api_client_holds_a_scope"),
        ({"revoked_at": timezone.now()}, "api_client_revoked_has_no_application"),
    ],
)
def test_constraints(issued, change, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        ApiClient.objects.filter(pk=issued.client.pk).update(**change)


def test_a_client_organisation_must_be_in_its_la(issued):
    with pytest.raises(ApiClientError, match="is not in"):
        api_client_create(
            actor_label="test",
            name="elsewhere",
            kind=ClientKind.FEED,
            local_authority=LocalAuthorityFactory(),
            organisation=issued.client.organisation,
        )


def test_an_unknown_scope_is_refused(issued):
    with pytest.raises(ApiClientError, match="unknown scope"):
        api_client_create(
            actor_label="test",
            name="x",
            kind=ClientKind.FEED,
            local_authority=issued.client.local_authority,
            scopes=["write-everything"],
        )


def test_the_command_creates_lists_and_revokes(issued):
    la = issued.client.local_authority
    out = io.StringIO()
    call_command("api-client", "create", "tool", "--kind", "auditor", "--la", la.code, stdout=out)
    assert out.getvalue().startswith("api client tool: client_id=")
    assert "scopes=audit.read" in out.getvalue()
    out = io.StringIO()
    call_command("api-client", "list", stdout=out)
    assert "tool\tauditor\tactive" in out.getvalue()
    call_command("api-client", "revoke", "tool", stdout=io.StringIO())
    out = io.StringIO()
    call_command("api-client", "list", stdout=out)
    assert "tool\tauditor\trevoked" in out.getvalue()


@pytest.mark.parametrize(
    ("change", "constraint"),
    [
        ({"status": "lost", "finished_at": timezone.now()}, "bundle_job_status_is_known"),
        ({"status": "done"}, "bundle_job_finished_has_finished_at"),
        ({"status": "failed"}, "bundle_job_finished_has_finished_at"),
    ],
)
def test_bundle_job_constraints(issued, change, constraint):
    from childindex.fhir.models import BundleJob

    job = BundleJob.objects.create(client=issued.client, entries=2, created_at=timezone.now())
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        BundleJob.objects.filter(pk=job.pk).update(**change)
