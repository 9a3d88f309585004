"""A small run (a Bundle, a small file) is scored against only the children its rows' blocking
keys find, and gets exactly the candidates, weights, decisions and links of the whole index."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

from childindex.linkage.decide import Thresholds
from childindex.linkage.model import link_table
from childindex.records.models import Child, ChildName
from childindex.records.search_index import LINKAGE_KEY_COLUMNS, search_keys_refresh
from childindex.records.search_models import ChildLinkageKeys
from childindex.sources.estimation import file_records
from childindex.sources.importing import linkage as facade
from childindex.sources.importing.linkage import Linkage
from childindex.sources.index_data import index_link_records
from childindex.sources.mapping import load_mapping
from childindex.sources.models import SourceLink, SourceRecord
from childindex.sources.services import linkage_model_active

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 21)
QUIET = {"stdout": io.StringIO(), "stderr": io.StringIO()}
# Every blocked pair, not only those above the review threshold, so that every weight and its
# term-frequency adjustment is compared.
ALL_PAIRS = Thresholds(upper=12.0, lower=-1000.0)


@pytest.fixture
def generated(tmp_path) -> Path:
    """600 children loaded, and their feeds with errors in a third of the rows."""
    out = tmp_path / "generated"
    call_command(
        "generate", "--children", "600", "--seed", "5", "--as-of", "2026-11-21",
        "--error-rate", "0.3", "--out", str(out), "--load", **QUIET,
    )  # fmt: skip
    return out / "feeds"


def _records(feeds: Path, name: str):
    mapping = load_mapping((feeds / f"{name}.toml").read_text())
    return file_records(feeds / f"{name}.csv", mapping, TODAY)


def _scored(linkage: Linkage, records):
    found, decisions = linkage.score_and_decide(records, may_create=lambda _uid: True)
    pairs = {
        uid: [(c.other_id, c.weight, c.probability, c.gammas, c.weights) for c in cs]
        for uid, cs in found.items()
    }
    outcomes = {
        uid: (d.outcome, d.other_id, d.weight, d.reason, d.shielded) for uid, d in decisions.items()
    }
    return pairs, outcomes


@pytest.mark.parametrize("feed", ["school_census", "health_visiting"])
def test_a_small_run_gets_the_whole_indexs_candidates_weights_and_decisions(generated, feed):
    records = _records(generated, feed)
    assert len(records) > 100
    settings = linkage_model_active().settings
    whole = Linkage(settings, ALL_PAIRS)
    small = Linkage(settings, ALL_PAIRS, small=True)
    assert small._small is not None  # the default model's blocking is followed
    try:
        whole_pairs, whole_outcomes = _scored(whole, records)
        small_pairs, small_outcomes = _scored(small, records)
        assert small_pairs == whole_pairs
        assert small_outcomes == whole_outcomes
        assert sum(len(cs) for cs in whole_pairs.values()) > len(records)  # pairs compared
        # ...and the small run read fewer children than the whole index holds.
        assert 0 < small._small.scorer.index_size < whole.scorer.index_size
        # The rows' own duplicates and the levels are the same too.
        assert [c.other_id for c in small.score_within(records)] == [
            c.other_id for c in whole.score_within(records)
        ]
    finally:
        whole.close()
        small.close()


def test_without_the_whole_indexs_name_counts_the_weights_would_differ(generated, monkeypatch):
    """The term-frequency adjustment counts names over the whole index: scored against the
    candidates alone, with shares counted from them, some weight changes (so the test above
    can fail)."""
    records = _records(generated, "school_census")
    settings = linkage_model_active().settings
    whole, small = Linkage(settings, ALL_PAIRS), Linkage(settings, ALL_PAIRS, small=True)
    assert small._small is not None
    original = small._small.scorer.index_counts
    monkeypatch.setattr(small._small.scorer, "index_counts", lambda _counts: original(None))
    try:
        assert _scored(small, records)[0] != _scored(whole, records)[0]
    finally:
        whole.close()
        small.close()


def _links() -> list[tuple]:
    return sorted(
        SourceLink.objects.values_list(
            "source_record__key", "child__index_number", "method", "weight"
        )
    )


class _Undo(Exception):
    pass


def test_a_small_file_imported_either_way_gives_the_same_links(generated, monkeypatch):
    mapping = generated / "school_census.toml"
    path = generated / "school_census.csv"

    def imported(small_run: int) -> tuple[list[tuple], list[tuple]]:
        monkeypatch.setattr("childindex.sources.importing.run.SMALL_RUN", small_run)
        result: dict[str, list[tuple]] = {}
        with pytest.raises(_Undo), transaction.atomic():
            call_command(
                "feed", "import", "--no-progress", "--mapping", str(mapping), str(path), **QUIET
            )
            result["links"] = _links()
            result["records"] = sorted(SourceRecord.objects.values_list("key", "status"))
            raise _Undo  # the same database for the other way
        return result["links"], result["records"]

    small = imported(10_000)
    whole = imported(0)
    assert small == whole
    assert len(small[0]) > 100


def test_settings_whose_blocking_it_cannot_follow_read_the_whole_index():
    settings = linkage_model_active().settings
    odd = {
        **settings,
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": 'l."town" = r."town"', "sql_dialect": "duckdb"}
        ],
    }
    linkage = Linkage(odd, ALL_PAIRS, small=True)
    try:
        assert linkage._small is None
    finally:
        linkage.close()
    assert facade.SMALL_RUN >= 1000  # a Bundle of 2,000 entries is a small run


def _stored_keys() -> dict[str, tuple]:
    columns = ("child_id", *LINKAGE_KEY_COLUMNS)
    return {str(row[0]): row[1:] for row in ChildLinkageKeys.objects.values_list(*columns)}


def _linkage_columns() -> dict[str, tuple]:
    """Every live child's blocking columns as the whole index's linkage table has them."""
    index = link_table(index_link_records())
    columns = [index.column(c).to_pylist() for c in LINKAGE_KEY_COLUMNS]
    return dict(zip(index.column("unique_id").to_pylist(), zip(*columns, strict=True), strict=True))


def test_the_stored_linkage_keys_are_the_linkage_tables_columns(generated):
    """Every child's stored linkage keys (built by the load, written with the search keys)
    are its columns in the linkage's own table; after a name changes and a child is merged,
    the refresh the services call keeps them so (the merged record has none)."""
    assert _stored_keys() == _linkage_columns()
    renamed, merged, kept = Child.objects.filter(status="active").order_by("pk")[:3]
    ChildName.objects.filter(child=renamed, kind="current").update(
        given_names="Zebedee-Jo", family_name="O'Quinn Smith"
    )
    Child.objects.filter(pk=merged.pk).update(status="merged", merged_into=kept)
    search_keys_refresh(child_ids=[renamed.pk, merged.pk])
    stored = _stored_keys()
    assert str(merged.pk) not in stored
    assert stored[str(renamed.pk)][:4] == ("ZEBEDEE", "SBT", "OQUINNSMITH", "OKNSM0")
    assert stored == _linkage_columns()


def test_a_small_run_finds_its_candidates_in_the_stored_linkage_keys(generated):
    """Without the stored keys the small run finds no candidate by name, date or postcode
    (so the tests above can fail)."""
    records = _records(generated, "school_census")
    settings = linkage_model_active().settings
    small = Linkage(settings, ALL_PAIRS, small=True)
    try:
        with_keys = _scored(small, records)[0]
        ChildLinkageKeys.objects.all().delete()
        without = _scored(small, records)[0]
        assert sum(map(len, without.values())) < sum(map(len, with_keys.values()))
    finally:
        small.close()
