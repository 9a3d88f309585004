"""Search: minimum criteria, ranking (typos, nicknames, phonetics, swapped dates, former names,
twins), shielding, identifiers, bad input and the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from childindex.audit.models import AuditEvent, EventOutcome
from childindex.records.models import NameKind
from childindex.records.search import SearchCriteriaError, parse_criteria
from childindex.records.search_models import ChildSearchKey
from childindex.records.selectors import AccessRefused, child_search
from childindex.testkit.journey import journey_child

pytestmark = pytest.mark.django_db


def search(actor, **criteria):
    return child_search(actor=actor, criteria=parse_criteria(**criteria))


def names(matches):
    return [f"{m.given_names} {m.family_name}" for m in matches]


# --- Minimum criteria ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criteria", "field", "says"),
    [
        ({"name": "Olivia Smith"}, "criteria", "date of birth"),
        ({"date_of_birth": "2015-03-04"}, "name", "name"),
        ({"postcode": "TN34 1AA"}, "name", "name"),
        ({"gender": "female"}, "criteria", "identifier"),
        ({}, "criteria", "identifier"),
    ],
)
def test_a_search_needs_a_name_with_a_date_of_birth_or_postcode_or_an_identifier(
    criteria, field, says
):
    with pytest.raises(SearchCriteriaError) as raised:
        parse_criteria(**criteria)
    assert field in raised.value.errors
    assert says in raised.value.errors[field]


@pytest.mark.parametrize(
    "criteria",
    [
        {"name": "Olivia Smith", "date_of_birth": "2015-03-04"},
        {"name": "Smith", "date_of_birth": "2015"},
        {"name": "Olivia Smith", "postcode": "tn341aa"},
        {"name": "Olivia Smith", "postcode": "TN34"},
        {"identifier": "943 476 5919"},
    ],
)
def test_enough_criteria_make_a_search(criteria):
    parse_criteria(**criteria)


# --- Finding and ranking ---------------------------------------------------------------------


def test_exact_name_and_date_of_birth_find_the_child_first(journey, children):
    matches = search(journey.pat, name="Olivia Smith", date_of_birth="2015-03-04")
    assert matches[0].index_number == children.olivia.index_number
    assert matches[0].score == 100


def test_name_tokens_in_any_order_and_case(journey, children):
    matches = search(journey.pat, name="smith OLIVIA", date_of_birth="2015-03-04")
    assert matches[0].index_number == children.olivia.index_number


def test_a_typo_in_the_name_still_finds_the_child(journey, children):
    matches = search(journey.pat, name="Olivai Smtih", date_of_birth="2015-03-04")
    assert matches[0].index_number == children.olivia.index_number


def test_a_phonetic_variant_finds_the_child(journey, children):
    matches = search(journey.pat, name="Olivia Smyth", postcode="TN34")
    assert matches[0].index_number == children.olivia.index_number
    matches = search(journey.pat, name="Muhammad Khan", date_of_birth="2017")
    assert matches[0].index_number == children.mo.index_number


def test_a_nickname_finds_the_child(journey, children):
    matches = search(journey.pat, name="Bill Jones", postcode="TN38 0AB")
    assert matches[0].index_number == children.william.index_number
    assert matches[0].score < 100  # a nickname is a near match, not an exact one


def test_a_partial_name_finds_the_child(journey, children):
    matches = search(journey.pat, name="Oliv Smi", date_of_birth="2015-03-04")
    assert matches[0].index_number == children.olivia.index_number


def test_swapped_day_and_month_find_the_child_below_an_exact_date(journey, children):
    matches = search(journey.pat, name="Olivia Smith", date_of_birth="2015-04-03")
    assert matches[0].index_number == children.olivia.index_number
    assert 80 <= matches[0].score < 100


def test_year_of_birth_only_finds_the_child(journey, children):
    matches = search(journey.pat, name="Olivia Smith", date_of_birth="2015")
    assert matches[0].index_number == children.olivia.index_number


def test_a_former_name_finds_the_child_and_says_so(journey, children):
    matches = search(journey.pat, name="Chloe Green", date_of_birth="2013-05-17")
    assert matches[0].index_number == children.chloe.index_number
    assert matches[0].given_names == "Chloe" and matches[0].family_name == "Brown"
    assert matches[0].matched_other_name == "Chloe Green"


def test_a_previous_postcode_finds_the_child(journey, children):
    matches = search(journey.pat, name="Chloe Brown", postcode="BN1 1AA")
    assert matches[0].index_number == children.chloe.index_number


@pytest.mark.parametrize("typed", ["Anne-Marie Smith-Jones", "Anne Marie Jones", "Marie Smith"])
def test_hyphenated_and_double_names_match_on_each_part(journey, children, typed):
    matches = search(journey.pat, name=typed, date_of_birth="2012-01-20")
    assert matches[0].index_number == children.annemarie.index_number


def test_twins_are_both_returned_and_told_apart(journey, children):
    matches = search(journey.pat, name="Patel", date_of_birth="2016-07-09")
    assert sorted(names(matches)) == ["Harry Patel", "Henry Patel"]
    assert len({m.index_number for m in matches}) == 2
    ranked = search(journey.pat, name="Henry Patel", date_of_birth="2016-07-09")
    assert names(ranked)[0] == "Henry Patel"
    assert ranked[0].score > ranked[-1].score


def test_a_wrong_date_of_birth_finds_nobody(journey, children):
    assert search(journey.pat, name="Olivia Smith", date_of_birth="2009-10-25") == []


def test_results_show_enough_to_tell_children_apart_but_no_address(journey, children):
    match = search(journey.pat, name="Olivia Smith", date_of_birth="2015-03-04")[0]
    assert (match.date_of_birth, match.gender, match.town, match.local_authority) == (
        dt.date(2015, 3, 4),
        "female",
        "Hastings",
        "East Sussex",
    )
    assert not hasattr(match, "postcode") and not hasattr(match, "line_1")


def test_a_search_returns_at_most_twenty_children(journey):
    for n in range(25):
        journey_child(f"Alex{chr(97 + n)}", "Reed", dt.date(2015, 1, 1), la=journey.la)
    matches = search(journey.pat, name="Reed", date_of_birth="2015-01-01")
    assert len(matches) == 20


def test_candidates_come_from_the_search_keys_not_a_scan(journey, children):
    """The candidate queries filter on indexed columns: no query reads the child table
    without a condition on its key, date of birth or postcode."""
    with CaptureQueriesContext(connection) as queries:
        search(journey.pat, name="Olivia Smith", postcode="TN34")
    # Reads only: on PostgreSQL the search's audit event is one INSERT ... SELECT statement.
    sqls = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith("SELECT")]
    assert any(
        "records_childsearchkey" in sql and ('"key" IN' in sql or '"key" = ANY(' in sql)
        for sql in sqls
    )
    assert len(sqls) <= 6


@pytest.mark.parametrize(
    "criteria",
    [
        {"name": "Olivia Smith", "date_of_birth": "2015-03-04"},
        {"name": "Olivia Smith", "postcode": "TN34 1AA"},
        {"name": "Olivia Smith", "postcode": "TN34", "date_of_birth": "2015"},
        {"name": "Olivia Smith", "date_of_birth": "2015-03-05"},  # the wide look too
    ],
)
def test_no_statement_of_a_search_scans_a_table_of_children(journey, children, criteria):
    """The database's own plan: every records table is reached through an index. (PostgreSQL
    is told to avoid sequential scans, which it would rightly choose for these tiny tables;
    one that remains has no index to use.)"""
    with CaptureQueriesContext(connection) as queries:
        search(journey.pat, **criteria)
    postgres = connection.vendor == "postgresql"
    for sql in _reads_of_children(queries):
        with connection.cursor() as cursor:
            if postgres:
                cursor.execute("SET enable_seqscan = off")
                cursor.execute("EXPLAIN " + sql)
            else:
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
            if postgres:
                cursor.execute("RESET enable_seqscan")
        scans = "Seq Scan on records_" if postgres else "SCAN records_"
        assert scans not in plan, plan


def test_a_child_holds_each_search_key_once(journey, children):
    """The primary key (key, child): one row of a key for a child."""
    from django.db import IntegrityError, transaction

    row = ChildSearchKey.objects.filter(child=children.olivia).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        ChildSearchKey.objects.create(child=children.olivia, key=row.key)


def test_search_keys_follow_names_and_addresses(journey, children):
    keys = set(ChildSearchKey.objects.filter(child=children.chloe).values_list("key", flat=True))
    assert {"xgre|2013", "pKRN|2013", "xbro|BN1", "xbro|TN34", "xchl|2013-05-17"} <= keys
    assert {"xbro|TN34|2013", "xchl|BN1|2013", "xgre|TN34|2013"} <= keys


def _reads_of_children(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().startswith("SELECT") and '"records_child' in q["sql"]
    ]


@pytest.mark.parametrize(
    "criteria",
    [
        {"name": "Olivia Smith", "date_of_birth": "2015-03-04"},
        {"name": "Olivia Smith", "postcode": "TN34 1AA"},
        {"name": "Olivia Smith", "postcode": "TN34", "date_of_birth": "2015"},
        {"identifier": "nhs"},
    ],
)
def test_a_search_that_finds_a_good_match_reads_the_children_in_one_statement(
    journey, children, criteria
):
    """Candidates, their names and their addresses come back together: one round trip."""
    if criteria.get("identifier") == "nhs":
        criteria = {"identifier": children.nhs["olivia"]}
    with CaptureQueriesContext(connection) as queries:
        matches = search(journey.pat, **criteria)
    assert matches and matches[0].score >= 90
    assert len(_reads_of_children(queries)) == 1


def test_name_district_and_year_look_in_that_year_of_the_district_first(journey, children):
    with CaptureQueriesContext(connection) as queries:
        search(journey.pat, name="Olivia Smith", postcode="TN34", date_of_birth="2015")
    [read] = _reads_of_children(queries)
    assert "xoli|TN34|2015" in read and "xoli|2015'" not in read and "xoli|TN34'" not in read


def test_keys_built_before_district_and_year_keys_still_find_the_child(journey, children):
    """Until the keys are rebuilt, the narrow look finds nothing and the wide one does."""
    deleted, _ = ChildSearchKey.objects.filter(key__regex=r"\|[A-Z0-9]+\|[0-9]{4}$").delete()
    assert deleted
    matches = search(journey.pat, name="Olivia Smith", postcode="TN34", date_of_birth="2015")
    assert matches[0].index_number == children.olivia.index_number
    assert matches[0].score >= 90


def test_a_wrong_year_in_the_right_district_still_finds_the_child_lower(journey, children):
    matches = search(journey.pat, name="Olivia Smith", postcode="TN34", date_of_birth="2011")
    assert matches[0].index_number == children.olivia.index_number
    assert matches[0].score < 90


# --- Identifiers ------------------------------------------------------------------------------


def test_an_nhs_number_finds_the_child(journey, children):
    matches = search(journey.pat, identifier=children.nhs["olivia"])
    assert [m.index_number for m in matches] == [children.olivia.index_number]


def test_an_index_number_finds_the_child(journey, children):
    matches = search(journey.pat, identifier=children.mo.index_number)
    assert [m.index_number for m in matches] == [children.mo.index_number]


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("9434765918", "check digit"),
        ("12345678901", "check digit"),
        ("01234567890", "never starts with 0"),
        ("12345", "Identifier must be"),
        ("A12345678901X", "Unique Pupil Number"),
    ],
)
def test_an_invalid_identifier_is_refused_with_a_reason(typed, says):
    with pytest.raises(SearchCriteriaError) as raised:
        parse_criteria(identifier=typed)
    assert says in raised.value.errors["identifier"]


# --- Shielded children ------------------------------------------------------------------------


def test_a_shielded_child_is_not_found_by_postcode_exactly_like_no_child(journey, children):
    by_postcode = search(journey.pat, name="Ruby Hidden", postcode="TN35 5AA")
    nobody = search(journey.pat, name="Nobody Atall", postcode="TN35 5AB")
    assert by_postcode == nobody == []
    assert search(journey.pat, name="Ruby Hidden", postcode="TN35") == []


def test_a_shielded_child_is_not_found_by_national_identifier(journey, children):
    assert search(journey.pat, identifier=children.nhs["ruby"]) == []


def test_a_shielded_child_is_found_by_the_fields_a_shield_leaves_visible(journey, children):
    matches = search(journey.pat, name="Ruby Hidden", date_of_birth="2014-06-12")
    assert [m.index_number for m in matches] == [children.ruby.index_number]
    assert matches[0].town == "" and not matches[0].details_visible


def test_the_responsible_index_team_finds_a_shielded_child_by_postcode(journey, children):
    matches = search(journey.index_team, name="Ruby Hidden", postcode="TN35 5AA")
    assert [m.index_number for m in matches] == [children.ruby.index_number]


def test_each_users_search_is_compiled_with_their_own_access_policy(journey, children):
    """Name looks are compiled once per access policy: one user's never serves another's."""
    ruby = [children.ruby.index_number]
    for _ in range(2):
        assert search(journey.pat, name="Ruby Hidden", postcode="TN35 5AA") == []
        found = search(journey.index_team, name="Ruby Hidden", postcode="TN35 5AA")
        assert [m.index_number for m in found] == ruby


def test_archived_and_merged_children_are_not_found_by_practitioners(journey, children):
    olivia = children.olivia
    olivia.status, olivia.archived_on = "archived", dt.date.today()
    olivia.save()
    assert search(journey.pat, name="Olivia Smith", date_of_birth="2015-03-04") == []


# --- Who may search, and the audit trail --------------------------------------------------------


def test_every_search_is_audited_with_criteria_and_index_numbers(journey, children):
    matches = search(journey.pat, name="Olivia Smith", date_of_birth="2015-03-04")
    event = AuditEvent.objects.filter(action="child_search").last()
    assert event.actor == journey.pat and event.outcome == EventOutcome.ALLOWED
    assert event.detail["criteria"] == {"name": "Olivia Smith", "date_of_birth": "2015-03-04"}
    assert event.children == [m.index_number for m in matches]


def test_an_account_without_its_prerequisites_cannot_search_and_is_told_why(journey):
    journey.pat.training_completed_on = None
    journey.pat.save()
    with pytest.raises(AccessRefused) as refused:
        search(journey.pat, name="Olivia Smith", date_of_birth="2015-03-04")
    assert "training" in refused.value.reasons[0]
    assert AuditEvent.objects.filter(action="child_search", outcome=EventOutcome.DENIED).exists()


# --- Bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criteria", "field", "says"),
    [
        ({"name": "Olivia", "date_of_birth": "2015-02-31"}, "date_of_birth", "real date"),
        ({"name": "Olivia", "date_of_birth": "2099-01-01"}, "date_of_birth", "past"),
        ({"name": "Olivia", "date_of_birth": "2099"}, "date_of_birth", "past"),
        ({"name": "Olivia", "date_of_birth": "1950-01-01"}, "date_of_birth", "or later"),
        ({"name": "Olivia", "date_of_birth": "04/03/2015x"}, "date_of_birth", "like"),
        ({"name": "O" * 101, "date_of_birth": "2015"}, "name", "100 characters"),
        ({"name": "Olivia\x00Smith", "date_of_birth": "2015"}, "name", "control"),
        ({"name": "Olivia\u202eSmith", "date_of_birth": "2015"}, "name", "control"),
        ({"name": "<script>alert(1)</script>", "date_of_birth": "2015"}, "name", "letters"),
        ({"name": "Robert'); DROP TABLE children;--", "date_of_birth": "2015"}, "name", "letters"),
        ({"name": "Olivia", "postcode": "' OR 1=1 --"}, "postcode", "full postcode"),
        ({"name": "Olivia", "postcode": "TN34 1AA", "gender": "<b>"}, "gender", "Gender"),
        ({"identifier": "1 OR 1=1"}, "identifier", "Identifier must be"),
    ],
)
def test_bad_input_is_refused_with_a_reason(criteria, field, says):
    with pytest.raises(SearchCriteriaError) as raised:
        parse_criteria(**criteria)
    assert says in raised.value.errors[field]


def test_apostrophes_and_accents_in_names_are_fine(journey):
    child = journey_child("Zoë", "O'Brien", dt.date(2016, 2, 2), la=journey.la)
    matches = search(journey.pat, name="Zoe OBrien", date_of_birth="2016-02-02")
    assert matches[0].index_number == child.index_number


@pytest.mark.parametrize("typed", ["2015-03-05", "2015-07-04", "2016-03-04"])
def test_a_mistyped_date_of_birth_still_finds_the_child_lower(journey, children, typed):
    matches = search(journey.pat, name="Olivia Smith", date_of_birth=typed)
    assert matches[0].index_number == children.olivia.index_number
    assert matches[0].score < 90


def test_a_full_name_does_not_list_everyone_sharing_one_name_in_the_district(journey, children):
    for family in ("Brown", "Green", "Black"):
        journey_child("Olivia", family, dt.date(2015, 5, 5), la=journey.la)
    matches = search(journey.pat, name="Olivia Smith", postcode="TN34")
    assert names(matches) == ["Olivia Smith"]


def test_a_middle_name_the_index_does_not_hold_is_tolerated(journey, children):
    matches = search(journey.pat, name="Olivia Mae Smith", date_of_birth="2015-03-04")
    assert matches[0].index_number == children.olivia.index_number


def test_a_shielded_childs_former_name_does_not_find_them(journey, children):
    """An adoption at risk: the birth family knows the birth name and the date of birth."""
    adopted = journey_child(
        "Lily",
        "Newhome",
        dt.date(2016, 4, 8),
        la=journey.la,
        shielded=True,
        other_names=((NameKind.FORMER, "Lily", "Birthname"),),
    )
    assert search(journey.pat, name="Lily Birthname", date_of_birth="2016-04-08") == []
    found = search(journey.index_team, name="Lily Birthname", date_of_birth="2016-04-08")
    assert [m.index_number for m in found] == [adopted.index_number]
    current = search(journey.pat, name="Lily Newhome", date_of_birth="2016-04-08")
    assert [m.index_number for m in current] == [adopted.index_number]
