"""Bundle intake: a transaction Bundle goes through the CSV feed pipeline, row for row."""

from __future__ import annotations

import csv
import json

import pytest

from childindex.directory.tests.factories import (
    LocalAuthorityFactory,
    OrganisationFactory,
    ServiceFactory,
)
from childindex.fhir.intake import COLUMNS, bundle_rows, mapping_text, source_system
from childindex.fhir.models import ClientKind
from childindex.fhir.services import api_client_create
from childindex.fhir.tests.helpers import bearer, validated
from childindex.fhir.tests.test_api import _child
from childindex.records.models import Child
from childindex.sources.importer import feed_import
from childindex.sources.models import SourceRecord
from childindex.sources.reading import NUL_IN_ROW

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    la = LocalAuthorityFactory()
    school = OrganisationFactory(local_authority=la, code="900123")
    service = ServiceFactory(organisation=school, name="Reception class")
    feed = api_client_create(
        actor_label="test",
        name="school-feed",
        kind=ClientKind.FEED,
        local_authority=la,
        organisation=school,
    )
    children = [
        _child(la, given="Qzaria", family="Qzenworth", postcode="TN34 1AA"),
        _child(la, given="Qzbert", family="Qzandle", postcode="TN35 5AB"),
    ]
    return la, school, service, feed, children


def _bundle(client, children, organisation_code="900123"):
    entries = []
    for n, child in enumerate(children, start=1):
        name = child.names.get(kind="current")
        address = child.addresses.first()
        entries.append(
            {
                "fullUrl": f"urn:uuid:patient-{n}",
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [{"system": source_system(client), "value": f"pupil-{n}"}],
                    "name": [{"family": name.family_name, "given": name.given_names.split()}],
                    "birthDate": child.date_of_birth.isoformat(),
                    "address": [{"postalCode": address.postcode}],
                },
                "request": {
                    "method": "PUT",
                    "url": f"Patient?identifier={source_system(client)}|pupil-{n}",
                },
            }
        )
        entries.append(
            {
                "resource": {
                    "resourceType": "EpisodeOfCare",
                    "status": "active",
                    "patient": {"reference": f"urn:uuid:patient-{n}"},
                    "managingOrganization": {"identifier": {"value": organisation_code}},
                    "type": [{"text": "Reception class"}],
                    "period": {"start": "2026-09-01"},
                },
                "request": {"method": "POST", "url": "EpisodeOfCare"},
            }
        )
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def _post(http, headers, bundle):
    return http.post("/fhir", json.dumps(bundle), content_type="application/fhir+json", **headers)


def test_a_bundle_is_imported_like_a_feed_and_resending_it_changes_nothing(client, world):
    la, school, service, feed, children = world
    headers = bearer(client, feed)
    body = validated(_post(client, headers, _bundle(feed.client, children)))
    assert [e["response"]["status"] for e in body["entry"]] == ["201 Created"] * 4
    assert [e["response"]["location"] for e in body["entry"][0::2]] == [
        f"Patient/{c.index_number}" for c in children
    ]
    assert SourceRecord.objects.count() == 2
    again = validated(_post(client, headers, _bundle(feed.client, children)))
    assert [e["response"]["status"] for e in again["entry"]] == ["200 OK"] * 4
    assert SourceRecord.objects.count() == 2 and Child.objects.count() == 2


def test_the_transaction_response_has_one_entry_per_entry_sent_in_the_order_sent(client, world):
    """FHIR R4 (Bundle, transaction-response): an entry for each entry of the request, in its
    order, so a client lines the answers up with what it sent. A Patient's entry says where
    the child is; an EpisodeOfCare's, the involvement it made (the address its indicators
    are updated at)."""
    la, school, service, feed, children = world
    bundle = _bundle(feed.client, children)
    # Both Patients first, then both EpisodeOfCare entries, the second child's first.
    patients, episodes = bundle["entry"][0::2], bundle["entry"][1::2]
    bundle["entry"] = [*patients, *episodes[::-1]]
    body = validated(_post(client, bearer(client, feed), bundle))
    assert len(body["entry"]) == len(bundle["entry"]) == 4
    first, second = (SourceRecord.objects.get(key=f"pupil-{n}") for n in (1, 2))
    assert [e["response"].get("location") for e in body["entry"]] == [
        f"Patient/{children[0].index_number}",
        f"Patient/{children[1].index_number}",
        f"EpisodeOfCare/involvement-{second.involvement_id}",
        f"EpisodeOfCare/involvement-{first.involvement_id}",
    ]
    assert [e["response"]["status"] for e in body["entry"]] == ["201 Created"] * 4


def test_a_record_the_import_would_reject_refuses_the_whole_transaction(client, world):
    """A transaction is all or nothing (FHIR R4): a record the import would reject (nothing to
    identify a child by; an involvement with no start) refuses the Bundle at once, each such
    entry named (the Patient's or the EpisodeOfCare's, by the field) with the reason the row
    problems report would give, and nothing is written."""
    la, school, service, feed, children = world
    headers = bearer(client, feed)
    validated(_post(client, headers, _bundle(feed.client, children)))
    written = SourceRecord.objects.count(), Child.objects.count()
    bundle = _bundle(feed.client, children)
    del bundle["entry"][1]["resource"]["period"]  # the first child's EpisodeOfCare
    bundle["entry"][2]["resource"]["identifier"][0]["value"] = "pupil-3"
    for field in ("name", "birthDate", "address"):
        del bundle["entry"][2]["resource"][field]
    response = _post(client, headers, bundle)
    assert response.status_code == 400
    issues = validated(response)["issue"]
    assert [i["code"] for i in issues] == ["invalid", "invalid"], issues
    assert issues[0]["diagnostics"] == "Bundle entry 2: no start date"
    assert issues[1]["diagnostics"].startswith("Bundle entry 3: not enough to identify a child")
    assert (SourceRecord.objects.count(), Child.objects.count()) == written
    assert not SourceRecord.objects.filter(key="pupil-3").exists()


def test_a_client_cannot_write_for_another_organisation(client, world):
    la, school, service, feed, children = world
    other = OrganisationFactory(local_authority=la, code="900999")
    ServiceFactory(organisation=other, name="Reception class")
    response = _post(client, bearer(client, feed), _bundle(feed.client, children, "900999"))
    assert response.status_code == 403
    assert validated(response)["issue"][0]["code"] == "forbidden"
    assert SourceRecord.objects.count() == 0


def test_an_invalid_entry_refuses_the_whole_bundle(client, world):
    la, school, service, feed, children = world
    bundle = _bundle(feed.client, children)
    bundle["entry"][0]["resource"]["birthDate"] = "not a date"
    response = _post(client, bearer(client, feed), bundle)
    assert response.status_code == 400
    assert "entry 1" in validated(response)["issue"][0]["diagnostics"]
    assert SourceRecord.objects.count() == 0


def test_a_gp_client_without_feed_write_cannot_post_a_bundle(client, world):
    la, school, service, feed, children = world
    gp = api_client_create(
        actor_label="test",
        name="gp",
        kind=ClientKind.GP_SYSTEM,
        local_authority=la,
        organisation=OrganisationFactory(local_authority=la),
    )
    response = _post(client, bearer(client, gp), _bundle(feed.client, children))
    assert response.status_code == 403


def test_the_same_rows_as_csv_and_as_a_bundle_give_the_same_links(client, world, tmp_path):
    la, school, service, feed, children = world
    bundle = _bundle(feed.client, children)
    rows = bundle_rows(feed.client, bundle)
    path = tmp_path / "twin.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    twin = mapping_text(feed.client).replace('name = "api_school_feed"', 'name = "csv_twin"')
    feed_import(path=path, mapping_text=twin, source="csv_twin")
    validated(_post(client, bearer(client, feed), bundle))
    by_feed = {
        name: dict(
            SourceRecord.objects.filter(feed__name=name).values_list("key", "child__index_number")
        )
        for name in ("csv_twin", "api_school_feed")
    }
    assert by_feed["csv_twin"] == by_feed["api_school_feed"]
    assert set(by_feed["csv_twin"].values()) == {c.index_number for c in children}


# --- Moves (issue 13 item 3) ---------------------------------------------------------------------


def _moving_world(world, *, shielded=False):
    import random

    from childindex.core.identifiers import synthetic_nhs_number
    from childindex.directory.models import PostcodeDistrict
    from childindex.records.tests.factories import ChildIdentifierFactory

    la, school, service, feed, children = world
    elsewhere = LocalAuthorityFactory()
    for outward in ("TN34", "TN35"):
        PostcodeDistrict.objects.create(outward=outward, local_authority=la)
    PostcodeDistrict.objects.create(outward="BN1", local_authority=elsewhere)
    child = _child(la, given="Qzmover", family="Qzandle", shielded=shielded)
    nhs = synthetic_nhs_number(random.Random(41))
    ChildIdentifierFactory(child=child, type="nhs", value=nhs)
    bundle = _bundle(feed.client, [child])
    patient = bundle["entry"][0]["resource"]
    patient["identifier"].append({"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs})
    patient["address"] = [{"line": ["3 New Road"], "city": "Brighton", "postalCode": "BN1 1AA"}]
    return la, elsewhere, feed, child, bundle


def test_a_bundle_entry_with_an_address_in_another_la_moves_the_child_there(client, world):
    from childindex.access.tests.factories import UserFactory
    from childindex.notifications.models import Notification
    from childindex.notifications.tests.factories import member
    from childindex.records.models import ResponsibilityTransfer, TransferVia

    la, elsewhere, feed, child, bundle = _moving_world(world)
    practitioner, _ = member(child)
    old_team = UserFactory(role="index_team", local_authority=la)
    new_team = UserFactory(role="index_team", local_authority=elsewhere)
    body = validated(_post(client, bearer(client, feed), bundle))
    assert body["entry"][0]["response"]["location"] == f"Patient/{child.index_number}"
    child.refresh_from_db()
    assert child.responsible_la == elsewhere
    transfer = ResponsibilityTransfer.objects.get(child=child)
    assert (transfer.via, transfer.recorded_by) == (TransferVia.FHIR, "api:school-feed")
    assert child.addresses.get(lived_until__isnull=True).postcode == "BN1 1AA"
    told = {n.recipient for n in Notification.objects.filter(kind="moved_la")}
    assert told >= {old_team, new_team, practitioner}  # as a feed move tells them
    again = validated(_post(client, bearer(client, feed), bundle))  # applied once
    assert again["entry"][0]["response"]["status"] == "200 OK"
    assert ResponsibilityTransfer.objects.filter(child=child).count() == 1


def test_a_shielded_childs_move_by_bundle_tells_only_the_index_teams(client, world):
    from childindex.access.tests.factories import UserFactory
    from childindex.notifications.models import Notification
    from childindex.notifications.tests.factories import member

    la, elsewhere, feed, child, bundle = _moving_world(world, shielded=True)
    practitioner, _ = member(child)
    old_team = UserFactory(role="index_team", local_authority=la)
    new_team = UserFactory(role="index_team", local_authority=elsewhere)
    validated(_post(client, bearer(client, feed), bundle))
    child.refresh_from_db()
    assert child.responsible_la == elsewhere
    told = {n.recipient: n.message for n in Notification.objects.filter(kind="moved_la")}
    assert set(told) == {old_team, new_team} and practitioner not in told
    assert "your index team maintains the shield from now on" in told[new_team]


def test_a_bundle_address_in_the_same_la_moves_no_responsibility(client, world):
    from childindex.records.models import ResponsibilityTransfer

    la, elsewhere, feed, child, bundle = _moving_world(world)
    bundle["entry"][0]["resource"]["address"][0]["postalCode"] = "TN35 9ZZ"
    validated(_post(client, bearer(client, feed), bundle))
    child.refresh_from_db()
    assert child.responsible_la == la
    assert not ResponsibilityTransfer.objects.exists()


# --- A first Bundle is accepted and imported after the response (its model estimated) ---------

QUEUE_ONLY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def estimating(monkeypatch):
    """A first import of two or more rows estimates a model (not 500: the tests' Bundles are
    small), and the estimate is a recognisable copy of the seed; its calls are counted."""
    from childindex.sources import estimation

    calls = []

    def fake_estimate(settings, index, rows):
        calls.append((index.num_rows, rows.num_rows))
        return {
            **settings,
            estimation.ESTIMATE_KEY: {
                "method": "test",
                "rows": rows.num_rows,
                "index_rows": index.num_rows,
                "seconds": 0,
            },
        }

    monkeypatch.setattr(estimation, "MIN_ROWS", 2)
    monkeypatch.setattr(estimation, "estimate", fake_estimate)
    return calls


def _job_id(response) -> str:
    assert response.status_code == 202, response.content
    assert validated(response)["issue"][0]["severity"] == "information"
    return response["Content-Location"].rstrip("/").rsplit("/", 1)[1]


def test_a_first_bundle_is_accepted_and_scored_after_the_response_by_a_model_estimated_for_it(
    client, world, estimating
):
    from django.test import override_settings

    from childindex.fhir.models import BundleJob
    from childindex.fhir.tasks import bundle_job_run
    from childindex.sources.models import ImportRun, LinkageModel

    la, school, service, feed, children = world
    headers = bearer(client, feed)
    with override_settings(TASKS=QUEUE_ONLY):  # queued for the worker, as in production
        response = _post(client, headers, _bundle(feed.client, children))
        job_id = _job_id(response)
        # Nothing estimated or imported inside the request.
        assert estimating == [] and not ImportRun.objects.exists()
        assert SourceRecord.objects.count() == 0
        waiting = client.get(response["Content-Location"], **headers)
        assert waiting.status_code == 202 and waiting["Retry-After"]
        assert validated(waiting)["issue"][0]["severity"] == "information"
        bundle_job_run.call(job_id)  # what `childindex db_worker` runs
    assert estimating == [(2, 2)]  # the LA's index and the Bundle's records
    run = ImportRun.objects.get()
    assert run.model == LinkageModel.objects.get(trained_on__feed="api_school_feed")
    assert not run.model.active  # a version of its own, recorded on the run
    done = client.get(response["Content-Location"], **headers)
    assert done.status_code == 200
    body = validated(done)
    assert body["type"] == "batch-response"
    answer = body["entry"][0]["resource"]
    assert answer["type"] == "transaction-response"
    assert [e["response"]["location"] for e in answer["entry"][0::2]] == [
        f"Patient/{c.index_number}" for c in children
    ]
    assert BundleJob.objects.get().rows == []  # the records live on as source records only
    # The next Bundle is the feed's second import: answered at once, with the active model.
    again = _post(client, headers, _bundle(feed.client, children))
    assert again.status_code == 200
    assert [e["response"]["status"] for e in validated(again)["entry"]] == ["200 OK"] * 4
    assert estimating == [(2, 2)]


def test_a_bundle_sent_while_an_earlier_one_waits_is_queued_behind_it(
    client, world, estimating, monkeypatch
):
    from django.test import override_settings

    from childindex.fhir.models import BundleJob, BundleJobStatus
    from childindex.fhir.tasks import bundle_job_run
    from childindex.sources import estimation

    monkeypatch.setattr(estimation, "MIN_ROWS", 1)  # a first Bundle of one record estimates

    la, school, service, feed, children = world
    headers = bearer(client, feed)
    with override_settings(TASKS=QUEUE_ONLY):
        first = _job_id(_post(client, headers, _bundle(feed.client, children[:1])))
        second = _job_id(_post(client, headers, _bundle(feed.client, children)))
        bundle_job_run.call(second)  # a worker reaching the later one first leaves it waiting
        assert BundleJob.objects.get(pk=second).status == BundleJobStatus.QUEUED
        assert SourceRecord.objects.count() == 0
        bundle_job_run.call(first)  # the first, then (enqueued by it) the second
        assert BundleJob.objects.get(pk=first).status == BundleJobStatus.DONE
        bundle_job_run.call(second)
    statuses = {job.pk.hex: [r["status"] for r in job.results] for job in BundleJob.objects.all()}
    assert statuses == {
        first.replace("-", ""): ["201 Created"],
        second.replace("-", ""): ["200 OK", "201 Created"],
    }


def test_only_the_client_that_sent_a_bundle_sees_its_status(client, world, estimating):
    la, school, service, feed, children = world
    response = _post(client, bearer(client, feed), _bundle(feed.client, children))
    url = response["Content-Location"]
    other = api_client_create(
        actor_label="test",
        name="other-feed",
        kind=ClientKind.FEED,
        local_authority=la,
        organisation=OrganisationFactory(local_authority=la),
    )
    refused = client.get(url, **bearer(client, other))
    assert refused.status_code == 404
    assert validated(refused)["issue"][0]["code"] == "not-found"
    unknown = client.get(url[:-12] + "000000000000", **bearer(client, feed))
    assert unknown.status_code == 404


def test_an_invalid_first_bundle_is_refused_at_once_and_nothing_is_queued(
    client, world, estimating
):
    from childindex.fhir.models import BundleJob

    la, school, service, feed, children = world
    bundle = _bundle(feed.client, children)
    bundle["entry"][0]["resource"]["birthDate"] = "not a date"
    response = _post(client, bearer(client, feed), bundle)
    assert response.status_code == 400
    assert not BundleJob.objects.exists() and SourceRecord.objects.count() == 0


def test_a_client_may_ask_for_any_bundle_to_be_answered_asynchronously(client, world):
    la, school, service, feed, children = world
    headers = bearer(client, feed)
    response = client.post(
        "/fhir",
        json.dumps(_bundle(feed.client, children)),
        content_type="application/fhir+json",
        HTTP_PREFER="respond-async",
        **headers,
    )
    _job_id(response)  # the tests' task backend runs the job at once
    body = validated(client.get(response["Content-Location"], **headers))
    statuses = [e["response"]["status"] for e in body["entry"][0]["resource"]["entry"]]
    assert statuses == ["201 Created"] * 4


def test_a_bundle_whose_worker_died_mid_import_runs_again(client, world, estimating):
    from django.test import override_settings

    from childindex.fhir.models import BundleJob, BundleJobStatus
    from childindex.fhir.tasks import bundle_job_run

    la, school, service, feed, children = world
    with override_settings(TASKS=QUEUE_ONLY):
        job_id = _job_id(_post(client, bearer(client, feed), _bundle(feed.client, children)))
    # The worker claimed it and died: the clock queues its task again.
    BundleJob.objects.filter(pk=job_id).update(status=BundleJobStatus.RUNNING)
    bundle_job_run.call(job_id)
    job = BundleJob.objects.get(pk=job_id)
    assert job.status == BundleJobStatus.DONE
    assert [r["status"] for r in job.results] == ["201 Created"] * 2


def test_a_job_answered_before_entries_were_placed_is_answered_as_then():
    """A finished job's results stored before rows kept their places in the Bundle (no
    ``entry``) still give a transaction-response: one entry per record, as they did."""
    from childindex.fhir.intake import EntryResult, bundle_job_response
    from childindex.fhir.models import BundleJob

    stored = [
        {"status": "201 Created", "location": "Patient/1", "outcome": "linked"},
        {"status": "400 Bad Request", "location": "", "outcome": "no date of birth"},
    ]
    answer = bundle_job_response(BundleJob(results=stored))["entry"][0]["resource"]
    assert [e["response"]["status"] for e in answer["entry"]] == ["201 Created", "400 Bad Request"]
    assert answer["entry"][1]["response"]["outcome"]["issue"][0]["diagnostics"] == (
        "no date of birth"
    )
    assert EntryResult("", "200 OK").entry == 0


def test_a_nul_character_refuses_the_whole_transaction_as_the_reader_would_reject_it(client, world):
    """A NUL in a value is a row the import's reader rejects (PostgreSQL cannot store it):
    the Bundle is refused before anything is written, not half imported."""
    la, school, service, feed, children = world
    bundle = _bundle(feed.client, children)
    bundle["entry"][2]["resource"]["name"][0]["family"] = "Qz\x00andle"
    response = _post(client, bearer(client, feed), bundle)
    assert response.status_code == 400
    [issue] = validated(response)["issue"]
    assert issue["diagnostics"] == f"Bundle entry 3: {NUL_IN_ROW}"
    assert SourceRecord.objects.count() == 0
