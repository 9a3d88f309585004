"""`childindex search` and `childindex search-index rebuild`."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from childindex.audit.models import AuditEvent
from childindex.records.search_models import ChildSearchKey

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_search_prints_ranked_candidates_as_json(journey, children):
    rows = json.loads(
        run("search", "--as", "pat", "--json", "--dob", "2016-07-09", "Henry", "Patel")
    )
    assert rows[0]["index_number"] == children.henry.index_number
    assert rows[0]["score"] == 100
    assert {r["given_names"] for r in rows} == {"Henry", "Harry"}
    assert AuditEvent.objects.filter(action="child_search", actor=journey.pat).exists()


def test_search_prints_a_table(journey, children):
    out = run("search", "--as", "pat", "--postcode", "TN38", "Bill", "Jones")
    assert children.william.formatted_index_number in out and "William Jones" in out


def test_search_refuses_without_a_named_operator(journey, children):
    with pytest.raises(CommandError, match="--as USERNAME"):
        run("search", "--dob", "2015", "Olivia")
    with pytest.raises(CommandError, match="no user called"):
        run("search", "--as", "nobody", "--dob", "2015", "Olivia")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--dob", "2015-02-31", "Olivia"], "real date"),
        (["--dob", "2099", "Olivia"], "past"),
        (["--identifier", "12345678901"], "check digit"),
        (["Olivia"], "date of birth"),
        (["--dob", "2015", "<b>Olivia</b>"], "only include letters"),
        (["--dob", "2015", "Olivia\x07"], "control characters"),
        (["--postcode", "'; DROP TABLE records_child; --", "Olivia"], "full postcode"),
    ],
)
def test_search_rejects_bad_input_with_one_line(journey, args, says):
    with pytest.raises(CommandError, match=says) as raised:
        run("search", "--as", "pat", *args)
    assert "\n" not in str(raised.value)


def test_search_says_which_prerequisite_is_missing(journey):
    journey.pat.dbs_checked_on = None
    journey.pat.save()
    with pytest.raises(CommandError, match="DBS"):
        run("search", "--as", "pat", "--dob", "2015", "Olivia")


def test_search_index_rebuild_rebuilds_every_key(journey, children):
    before = ChildSearchKey.objects.count()
    ChildSearchKey.objects.all().delete()
    out = run("search-index", "rebuild", "--batch", "100")
    assert f"{before} search keys written" in out
    assert ChildSearchKey.objects.count() == before
