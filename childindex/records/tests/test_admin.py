"""The back office's view of children: found by index number only, read-only where it matters,
and every look and change audited."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from childindex.access.testing import sign_in_verified
from childindex.access.tests.factories import UserFactory
from childindex.audit.models import AuditEvent
from childindex.records.admin import ChildNameInline, InvolvementInline
from childindex.records.models import Child, Involvement, NameKind
from childindex.records.tests.factories import (
    CarerFactory,
    ChildAddressFactory,
    ChildCarerFactory,
    ChildFactory,
    ChildIdentifierFactory,
    ChildNameFactory,
    InvolvementFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:records_child_changelist")


@pytest.fixture
def superuser():
    return UserFactory(back_office=True)


@pytest.fixture
def back_office(client, superuser):
    # The back office asks for two factors too (an OTPAdminSite).
    sign_in_verified(client, superuser)
    return client


@pytest.fixture
def child():
    """A child with something in every inline."""
    child = ChildFactory()
    ChildNameFactory(child=child, former=True)
    ChildAddressFactory(child=child)
    ChildIdentifierFactory(child=child)
    ChildCarerFactory(child=child)
    InvolvementFactory(child=child, lead_professional=True)
    return child


def change_url(child: Child) -> str:
    return reverse("admin:records_child_change", args=[child.pk])


def test_child_page_shows_names_addresses_identifiers_carers_and_involvements(back_office, child):
    page = back_office.get(change_url(child)).content.decode()
    assert child.formatted_index_number in page
    assert child.names.get(kind=NameKind.CURRENT).family_name in page
    assert child.addresses.get().postcode in page
    assert child.identifiers.get().value in page
    for prefix in ("names", "addresses", "identifiers", "carer_links", "involvements"):
        assert f'name="{prefix}-TOTAL_FORMS"' in page


def test_opening_a_child_in_the_back_office_is_audited_by_index_number(back_office, child):
    back_office.get(change_url(child))
    event = AuditEvent.objects.get(action="admin.view")
    assert event.children == [child.index_number]
    assert event.purpose == "data_quality"
    assert event.detail == {
        "via": "admin",
        "model": "records.child",
        "ids": [str(child.pk)],
        "shielded": False,
    }


def test_children_are_not_listed_until_an_index_number_is_searched_for(back_office, child):
    page = back_office.get(CHANGELIST).content.decode()
    assert child.formatted_index_number not in page
    assert "0 children" in page


def test_child_is_found_by_index_number_as_printed_and_the_search_is_audited(back_office, child):
    ChildFactory()  # another child, not to be listed
    printed = child.formatted_index_number
    response = back_office.get(CHANGELIST, {"q": printed})
    page = response.content.decode()
    assert list(response.context["cl"].result_list) == [child]
    assert printed in page
    # The list shows no personal details.
    assert child.names.get(kind=NameKind.CURRENT).family_name not in page
    event = AuditEvent.objects.get(action="admin.search")
    assert event.detail["criteria"] == {"index_number": child.index_number}
    assert event.children == [child.index_number]


@pytest.mark.parametrize("term", ["Smith", "2015-01-01", "TN34"])
def test_child_is_not_found_by_name_birth_date_or_postcode(back_office, term):
    child = ChildFactory()
    child.names.update(family_name="Smith")
    ChildAddressFactory(child=child, postcode="TN34 1AA")
    response = back_office.get(CHANGELIST, {"q": term})
    assert list(response.context["cl"].result_list) == []


def test_children_are_neither_added_nor_deleted_in_the_back_office(back_office, child):
    assert back_office.get(reverse("admin:records_child_add")).status_code == 403
    assert (
        back_office.get(reverse("admin:records_child_delete", args=[child.pk])).status_code == 403
    )


def test_index_number_status_and_merge_are_read_only(back_office, child):
    page = back_office.get(change_url(child)).content.decode()
    for field in ("index_number", "status", "merged_into", "date_of_death", "archived_on"):
        assert f'name="{field}"' not in page
    for field in ("date_of_birth", "gender", "responsible_la", "shielded", "shield_review_on"):
        assert f'name="{field}"' in page


def inline_formset(inline_class, child, superuser, rows):
    """Bind an inline's formset (as the admin builds it) to ``rows`` of submitted values."""
    request = RequestFactory().post("/")
    request.user = superuser
    inline = inline_class(Child, admin.site)
    formset_class = inline.get_formset(request, child)
    prefix = formset_class.get_default_prefix()
    existing = list(formset_class(instance=child).queryset)
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(len(existing)),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        if i < len(existing):
            data[f"{prefix}-{i}-id"] = str(existing[i].pk)
        data[f"{prefix}-{i}-child"] = str(child.pk)
        data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return formset_class(data, instance=child, prefix=prefix)


def test_two_current_names_in_one_submission_are_refused_with_a_message(superuser):
    child = ChildFactory(current_name=None)
    name = {"kind": NameKind.CURRENT, "given_names": "Ann", "family_name": "Lee"}
    formset = inline_formset(ChildNameInline, child, superuser, [name, name])
    assert not formset.is_valid()
    assert formset.non_form_errors() == ["A child has only one current name."]
    assert inline_formset(
        ChildNameInline, child, superuser, [name, {**name, "kind": NameKind.ALIAS}]
    ).is_valid()


def test_two_current_lead_professionals_in_one_submission_are_refused(superuser):
    existing = InvolvementFactory()
    child = existing.child
    lead = {
        "service": str(existing.service.pk),
        "practitioner": str(existing.practitioner.pk),
        "started_on": existing.started_on.isoformat(),
        "basis": existing.basis,
        "source_feed": "synthetic-feed",
        "is_lead_professional": "on",
    }
    formset = inline_formset(InvolvementInline, child, superuser, [lead, lead])
    assert not formset.is_valid()
    assert formset.non_form_errors() == ["A child has only one current lead professional."]


def test_involvement_added_in_the_back_office_is_logged_by_its_user_and_audited(
    back_office, superuser
):
    child = ChildFactory()
    service = InvolvementFactory().service
    data = management_forms(child)
    data.update(
        {
            "date_of_birth": child.date_of_birth.isoformat(),
            "gender": child.gender,
            "responsible_la": str(child.responsible_la_id),
            "involvements-TOTAL_FORMS": "1",
            "involvements-0-service": str(service.pk),
            "involvements-0-started_on": "2025-01-06",
            "involvements-0-basis": "universal",
            "involvements-0-source_feed": "",
            "involvements-0-assessment_type": "",
        }
    )
    response = back_office.post(change_url(child), data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    involvement = Involvement.objects.get(child=child)
    assert involvement.logged_by == superuser
    event = AuditEvent.objects.get(action="admin.change")
    assert event.children == [child.index_number]


def management_forms(child: Child) -> dict[str, str]:
    data = {}
    for prefix, initial in (
        ("names", child.names.count()),
        ("addresses", 0),
        ("identifiers", 0),
        ("carer_links", 0),
        ("involvements", 0),
    ):
        data[f"{prefix}-TOTAL_FORMS"] = str(initial)
        data[f"{prefix}-INITIAL_FORMS"] = str(initial)
    for i, name in enumerate(child.names.all()):
        data.update(
            {
                f"names-{i}-id": str(name.pk),
                f"names-{i}-child": str(child.pk),
                f"names-{i}-kind": name.kind,
                f"names-{i}-given_names": name.given_names,
                f"names-{i}-family_name": name.family_name,
            }
        )
    return data


def test_carers_are_not_listed_until_searched_for_by_exact_contact_detail(back_office):
    carer = CarerFactory()
    url = reverse("admin:records_carer_changelist")
    assert list(back_office.get(url).context["cl"].result_list) == []
    assert list(back_office.get(url, {"q": carer.family_name}).context["cl"].result_list) == []
    assert list(back_office.get(url, {"q": carer.email}).context["cl"].result_list) == [carer]


def test_carer_page_renders(back_office):
    link = ChildCarerFactory()
    page = back_office.get(reverse("admin:records_carer_change", args=[link.carer.pk]))
    assert page.status_code == 200


def test_back_office_changes_leave_no_names_in_djangos_admin_log(back_office, superuser):
    """Django's admin log quotes objects and inlines by name ('Added child name "..."'): for
    children and carers the audit trail, which names them by index number, is the only log."""
    from django.contrib.admin.models import LogEntry

    child = ChildFactory()
    data = management_forms(child)
    data.update(
        {
            "date_of_birth": child.date_of_birth.isoformat(),
            "gender": child.gender,
            "responsible_la": str(child.responsible_la_id),
            "names-TOTAL_FORMS": str(child.names.count() + 1),
            f"names-{child.names.count()}-kind": NameKind.ALIAS,
            f"names-{child.names.count()}-given_names": "Qzaliasgiven",
            f"names-{child.names.count()}-family_name": "Qzaliasfamily",
        }
    )
    response = back_office.post(change_url(child), data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assert child.names.filter(family_name="Qzaliasfamily").exists()
    logged = " ".join(f"{e.object_repr} {e.change_message}" for e in LogEntry.objects.all())
    assert "Qzalias" not in logged
    event = AuditEvent.objects.get(action="admin.change")
    assert event.children == [child.index_number]
    assert "Qzalias" not in str(event.detail)
