"""The child's record: its database constraints refuse bad rows and accept good ones.

Every write here bypasses Django's validation (``save()`` runs none), so each test proves the
database itself holds the rule, whatever code path writes the row.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from childindex.core.identifiers import IdentifierType
from childindex.core.tests.constraints import refused_by
from childindex.records.models import (
    AddressStatus,
    AssessmentType,
    Basis,
    Child,
    ChildStatus,
    Gender,
    Involvement,
    NameKind,
)
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

TODAY = dt.date.today()
DAY = dt.timedelta(days=1)


# --- Child ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "index_number", ["01234567890", "1234567890", "1234567890A", "1234 567890", "١٢٣٤٥٦٧٨٩٠١"]
)
def test_child_index_number_is_eleven_digits_not_starting_with_zero(index_number):
    with refused_by("child_index_number_11_digits"):
        ChildFactory(index_number=index_number)
    ChildFactory(index_number="10000000002")


def test_child_index_number_belongs_to_one_child():
    child = ChildFactory()
    with refused_by("index_number"):
        ChildFactory(index_number=child.index_number)


def test_child_gender_must_be_known():
    with refused_by("child_gender_is_known"):
        ChildFactory(gender="unknown")
    ChildFactory(gender=Gender.NOT_SPECIFIED)


def test_child_status_must_be_known():
    with refused_by("child_status_is_known"):
        ChildFactory(status="missing")
    ChildFactory(status=ChildStatus.ACTIVE)


def test_child_is_merged_if_and_only_if_it_points_at_the_record_it_was_merged_into():
    survivor = ChildFactory()
    with refused_by("child_merged_iff_merged_into"):
        ChildFactory(status=ChildStatus.MERGED, merged_into=None)
    with refused_by("child_merged_iff_merged_into"):
        ChildFactory(status=ChildStatus.ACTIVE, merged_into=survivor)
    merged = ChildFactory(status=ChildStatus.MERGED, merged_into=survivor)
    assert list(survivor.merged_records.all()) == [merged]


def test_child_is_never_merged_into_itself():
    child = ChildFactory()
    with refused_by("child_not_merged_into_itself"):
        Child.objects.filter(pk=child.pk).update(status=ChildStatus.MERGED, merged_into=child)
    other = ChildFactory()
    Child.objects.filter(pk=child.pk).update(status=ChildStatus.MERGED, merged_into=other)


def test_child_dies_on_or_after_their_birth():
    born = TODAY - 400 * DAY
    with refused_by("child_dies_after_birth"):
        ChildFactory(date_of_birth=born, date_of_death=born - DAY, deceased=True)
    ChildFactory(date_of_birth=born, date_of_death=born, status=ChildStatus.DECEASED)


def test_deceased_child_has_a_date_of_death():
    with refused_by("child_deceased_has_date_of_death"):
        ChildFactory(status=ChildStatus.DECEASED, date_of_death=None)
    ChildFactory(deceased=True)


def test_archived_child_has_the_date_it_was_archived():
    with refused_by("child_archived_has_date"):
        ChildFactory(status=ChildStatus.ARCHIVED, archived_on=None)
    ChildFactory(archived=True)


def test_shielded_child_has_a_shield_review_date():
    with refused_by("child_shield_has_review_date"):
        ChildFactory(shielded=True, shield_review_on=None)
    ChildFactory(shielded_record=True)
    ChildFactory(shielded=False, shield_review_on=None)


# --- Names ------------------------------------------------------------------------------------


def test_child_has_at_most_one_current_name():
    child = ChildFactory()  # with its current name
    with refused_by("one_current_name"):
        ChildNameFactory(child=child, kind=NameKind.CURRENT)
    ChildNameFactory(child=child, former=True)
    ChildNameFactory(child=child, alias=True)
    ChildNameFactory(child=child, alias=True)
    ChildNameFactory(kind=NameKind.CURRENT)  # another child's current name
    assert child.names.filter(kind=NameKind.CURRENT).count() == 1


def test_name_kind_must_be_known():
    with refused_by("name_kind_known"):
        ChildNameFactory(kind="nickname")
    ChildNameFactory(kind=NameKind.ALIAS)


@pytest.mark.parametrize(
    ("given_names", "family_name"), [("", "Smith"), ("   ", "Smith"), ("Ann", ""), ("Ann", "\t")]
)
def test_name_has_a_given_and_a_family_name_that_are_not_blank(given_names, family_name):
    with refused_by("name_not_blank"):
        ChildNameFactory(given_names=given_names, family_name=family_name)
    ChildNameFactory(given_names="Ann", family_name="O'Neill-Smith")


def test_name_is_used_until_on_or_after_it_is_used_from():
    with refused_by("name_dates_in_order"):
        ChildNameFactory(former=True, used_from=TODAY, used_until=TODAY - DAY)
    ChildNameFactory(former=True, used_from=TODAY, used_until=TODAY)
    ChildNameFactory(former=True, used_from=None, used_until=TODAY)


# --- Addresses --------------------------------------------------------------------------------


def test_child_has_at_most_one_current_address():
    current = ChildAddressFactory()
    with refused_by("one_current_address"):
        ChildAddressFactory(child=current.child)
    ChildAddressFactory(child=current.child, previous=True)
    ChildAddressFactory(child=current.child, previous=True)
    ChildAddressFactory()  # another child's current address
    assert current.child.addresses.filter(lived_until__isnull=True).count() == 1


def test_address_status_must_be_known():
    with refused_by("address_status_known"):
        ChildAddressFactory(status="somewhere")
    ChildAddressFactory(status=AddressStatus.LAST_KNOWN)


def test_address_is_lived_at_until_on_or_after_it_is_lived_at_from():
    with refused_by("address_dates_in_order"):
        ChildAddressFactory(lived_from=TODAY, lived_until=TODAY - DAY)
    ChildAddressFactory(lived_from=TODAY, lived_until=TODAY)


@pytest.mark.parametrize("status", [AddressStatus.KNOWN, AddressStatus.LAST_KNOWN])
@pytest.mark.parametrize(
    "missing", [{"postcode": ""}, {"line_1": ""}, {"local_authority": None}], ids=lambda m: [*m][0]
)
def test_known_or_last_known_address_has_a_first_line_postcode_and_la(status, missing):
    with refused_by("known_address_has_lines_postcode_and_la"):
        ChildAddressFactory(status=status, **missing)
    ChildAddressFactory(status=status, line_2="", town="")


@pytest.mark.parametrize("status", ["no_known_address", "left_country"])
@pytest.mark.parametrize(
    "present",
    [{"postcode": "TN34 1AA"}, {"line_1": "1 Synthetic Road"}, {"line_2": "Flat 2"}],
    ids=lambda p: [*p][0],
)
def test_no_known_address_and_left_the_country_hold_no_address_lines(status, present):
    with refused_by("no_address_has_no_lines"):
        ChildAddressFactory(**{status: True}, **present)
    ChildAddressFactory(**{status: True})


def test_left_the_country_names_the_country():
    with refused_by("left_country_names_country"):
        ChildAddressFactory(left_country=True, country="")
    ChildAddressFactory(left_country=True, country="Poland", intends_to_return=None)


@pytest.mark.parametrize("status", ["known", "last_known", "no_known_address"])
@pytest.mark.parametrize("intends_to_return", [True, False])
def test_only_a_family_that_left_the_country_intends_to_return_or_not(status, intends_to_return):
    traits = {} if status == "known" else {status: True}
    with refused_by("intends_to_return_only_when_left"):
        ChildAddressFactory(**traits, intends_to_return=intends_to_return)
    ChildAddressFactory(**traits, intends_to_return=None)
    ChildAddressFactory(left_country=True, intends_to_return=intends_to_return)


@pytest.mark.parametrize(
    "postcode", ["sw1a 1aa", "SW1A1AA", "SW1A 1A", "S W1A1AA", "1AA SW1A", "SW1A 1A\n"]
)
def test_stored_postcode_is_normalised(postcode):
    with refused_by("postcode_normalised"):
        ChildAddressFactory(postcode=postcode)
    ChildAddressFactory(postcode="SW1A 1AA")


# --- Identifiers ------------------------------------------------------------------------------


def test_identifier_value_belongs_to_one_child_per_type():
    nhs = ChildIdentifierFactory(type=IdentifierType.NHS)
    with refused_by("identifier_unique_per_type"):
        ChildIdentifierFactory(type=IdentifierType.NHS, value=nhs.value)
    ChildIdentifierFactory(type=IdentifierType.CHI, value=nhs.value)  # same digits, other type
    local = ChildIdentifierFactory(type=IdentifierType.LOCAL, issuer="mosaic", value="X1")
    with refused_by("identifier_unique_per_type"):
        ChildIdentifierFactory(type=IdentifierType.LOCAL, issuer="mosaic", value=local.value)
    ChildIdentifierFactory(type=IdentifierType.LOCAL, issuer="systmone", value=local.value)


@pytest.mark.parametrize("kind", ["index", "passport", ""])
def test_identifier_type_is_a_national_or_local_identifier(kind):
    """The index number lives on the child itself, never as one of its identifiers."""
    with refused_by("identifier_type_known"):
        ChildIdentifierFactory(type=kind, value="9434765919")
    ChildIdentifierFactory(type=IdentifierType.HC)


@pytest.mark.parametrize("kind", ["", "passport"])
def test_identifier_of_no_known_type_fails_validation_on_its_type_not_with_a_crash(kind):
    identifier = ChildIdentifierFactory.build(child=ChildFactory(), type=kind, value="9434765919")
    with pytest.raises(ValidationError) as caught:
        identifier.full_clean()
    assert set(caught.value.message_dict) == {"type"}


def test_identifier_validation_stores_the_compact_value_and_explains_a_bad_one():
    identifier = ChildIdentifierFactory.build(
        child=ChildFactory(), type=IdentifierType.NHS, value="943 476 5919"
    )
    identifier.full_clean()
    assert identifier.value == "9434765919"
    identifier.value = "9434765918"
    with pytest.raises(ValidationError) as caught:
        identifier.full_clean()
    assert caught.value.message_dict == {"value": ["NHS number 9434765918 fails its check digit"]}


def test_local_identifier_and_only_a_local_identifier_names_its_issuer():
    with refused_by("identifier_issuer_iff_local"):
        ChildIdentifierFactory(type=IdentifierType.LOCAL, issuer="")
    with refused_by("identifier_issuer_iff_local"):
        ChildIdentifierFactory(type=IdentifierType.NHS, issuer="health-register")
    ChildIdentifierFactory(type=IdentifierType.LOCAL, issuer="health-register")


@pytest.mark.parametrize("kind", [IdentifierType.NHS, IdentifierType.CHI, IdentifierType.HC])
@pytest.mark.parametrize("value", ["943476591", "94347659190", "943 476 5919", "943476591X"])
def test_health_identifier_is_stored_as_ten_digits(kind, value):
    with refused_by("health_identifier_10_digits"):
        ChildIdentifierFactory(type=kind, value=value)
    ChildIdentifierFactory(type=kind)


@pytest.mark.parametrize(
    "value", ["b801200005001", "B80120000500", "B8012000050011", "B80120000A001"]
)
def test_upn_is_stored_as_a_capital_letter_eleven_digits_and_a_digit_or_capital(value):
    with refused_by("upn_13_characters"):
        ChildIdentifierFactory(type=IdentifierType.UPN, value=value)
    ChildIdentifierFactory(type=IdentifierType.UPN, value="B801200005001")
    ChildIdentifierFactory(type=IdentifierType.UPN, value="H80120000500A")


# --- Carers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("given_names", "family_name"), [("", "Smith"), ("Jo", " ")])
def test_carer_has_a_given_and_a_family_name(given_names, family_name):
    with refused_by("carer_named"):
        CarerFactory(given_names=given_names, family_name=family_name)
    CarerFactory(given_names="Jo", family_name="Smith")


def test_carer_is_linked_to_a_child_once_and_may_care_for_siblings():
    link = ChildCarerFactory()
    with refused_by("carer_once_per_child"):
        ChildCarerFactory(child=link.child, carer=link.carer, relationship="grandparent")
    sibling = ChildCarerFactory(carer=link.carer)
    ChildCarerFactory(child=link.child)  # the child's second carer
    assert link.carer.child_links.count() == 2
    assert sibling.child != link.child


def test_carer_relationship_must_be_known():
    with refused_by("relationship_known"):
        ChildCarerFactory(relationship="neighbour")
    ChildCarerFactory(relationship="special_guardian", parental_responsibility=True)


# --- Involvements -----------------------------------------------------------------------------


def test_involvement_ends_on_or_after_it_starts():
    with refused_by("involvement_ends_after_start"):
        InvolvementFactory(started_on=TODAY, ended_on=TODAY - DAY)
    InvolvementFactory(started_on=TODAY, ended_on=TODAY)


def test_child_has_at_most_one_current_lead_professional():
    lead = InvolvementFactory(lead_professional=True)
    child = lead.child
    with refused_by("one_current_lead_professional"):
        InvolvementFactory(child=child, lead_professional=True)
    InvolvementFactory(child=child)  # a current involvement that is not the lead
    InvolvementFactory(child=child, lead_professional=True, ended=True)  # a past lead
    InvolvementFactory(lead_professional=True)  # another child's lead
    assert Involvement.objects.filter(child=child, is_lead_professional=True).count() == 2


def test_ended_lead_professional_can_be_followed_by_a_current_one():
    lead = InvolvementFactory(lead_professional=True)
    Involvement.objects.filter(pk=lead.pk).update(ended_on=TODAY)
    InvolvementFactory(child=lead.child, lead_professional=True)


def test_lead_professional_is_a_named_practitioner():
    with refused_by("lead_professional_is_a_practitioner"):
        InvolvementFactory(lead_professional=True, practitioner=None)
    InvolvementFactory(practitioner=None)


@pytest.mark.parametrize(
    "half",
    [{"assessment_type": AssessmentType.CAF}, {"assessment_on": TODAY}],
    ids=lambda h: [*h][0],
)
def test_assessment_has_both_a_type_and_a_date_or_neither(half):
    with refused_by("assessment_type_and_date_together"):
        InvolvementFactory(**half)
    InvolvementFactory(assessed=True)
    InvolvementFactory(assessment_type="", assessment_on=None)


def test_assessment_type_must_be_known():
    with refused_by("assessment_type_known"):
        InvolvementFactory(assessment_type="horoscope", assessment_on=TODAY)
    InvolvementFactory(assessment_type=AssessmentType.SECTION_47, assessment_on=TODAY)


def test_involvement_basis_must_be_known():
    with refused_by("basis_known"):
        InvolvementFactory(basis="gut_feeling")
    InvolvementFactory(basis=Basis.HIDDEN_CONCERN)


def test_involvement_comes_from_a_feed_or_a_practitioner_who_logged_it_never_both_nor_neither():
    logged = InvolvementFactory(logged=True)
    with refused_by("involvement_has_one_source"):
        InvolvementFactory(source_feed="health-register", logged_by=logged.logged_by)
    with refused_by("involvement_has_one_source"):
        InvolvementFactory(source_feed="", logged_by=None)
    InvolvementFactory(source_feed="health-register")


def test_involvement_is_not_doubled_for_the_same_service_and_start():
    first = InvolvementFactory()
    with refused_by("involvement_not_doubled"):
        InvolvementFactory(child=first.child, service=first.service, started_on=first.started_on)
    InvolvementFactory(
        child=first.child, service=first.service, started_on=first.started_on - DAY, ended=True
    )
    InvolvementFactory(child=first.child, started_on=first.started_on)  # another service


# --- Pattern rules match the whole value on both databases --------------------------------------


@pytest.mark.parametrize(
    ("rule", "make"),
    [
        ("child_index_number_11_digits", lambda: ChildFactory(index_number="10000000002\n")),
        ("postcode_normalised", lambda: ChildAddressFactory(postcode="M1 1AE\n")),
        (
            "health_identifier_10_digits",
            lambda: ChildIdentifierFactory(type=IdentifierType.NHS, value="9434765919\n"),
        ),
        (
            "upn_13_characters",
            lambda: ChildIdentifierFactory(type=IdentifierType.UPN, value="B801200005001\n"),
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_pattern_rule_refuses_a_value_with_a_trailing_newline(rule, make):
    """A regex's ``$`` also matches before a final newline in Python, which is how SQLite runs
    ``__regex``; the rules end with ``\\Z`` so SQLite refuses what PostgreSQL refuses. (On
    PostgreSQL an over-long value is refused by its column's length first.)"""
    with pytest.raises(DatabaseError), transaction.atomic():
        make()
