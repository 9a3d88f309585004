"""The probes (/healthz, /readyz), the request log lines, and the 503 page when the database is
gone: no traceback in the logs, no path or search in any log line."""

from __future__ import annotations

import json
import logging
import os

import pytest
from django.db import OperationalError, connection
from django.test import Client

from childindex.access.testing import sign_in_verified
from childindex.access.tests.factories import UserFactory
from childindex.audit.checkpoints import generate_key_pair
from childindex.audit.models import AuditEvent
from childindex.web.tests.page_checks import assert_govuk_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def checkpointing(settings, tmp_path):
    key = tmp_path / "keys" / "audit-signing-key.pem"
    generate_key_pair(key)
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    settings.AUDIT_SIGNING_KEY = key
    settings.AUDIT_SIGNING_KEY_AUTOCREATE = False
    return settings.AUDIT_CHECKPOINT_DIR


def _database_gone(execute, sql, params, many, context):
    raise OperationalError("server closed the connection unexpectedly")


def test_healthz_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}
    assert "no-store" in response["Cache-Control"]


def test_healthz_stays_alive_when_the_database_is_gone(client):
    with connection.execute_wrapper(_database_gone):
        assert client.get("/healthz").status_code == 200


def test_readyz_is_ready_when_database_audit_and_checkpoints_work(client, checkpointing):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "audit_append": "ok", "audit_checkpoint": "ok"},
    }
    assert not AuditEvent.objects.exists()  # the probe's append was rolled back


def test_readyz_fails_when_the_database_is_gone(checkpointing):
    client = Client(raise_request_exception=False)
    with connection.execute_wrapper(_database_gone):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "the database does not answer: server closed the connection unexpectedly"
    }


def test_readyz_fails_without_checkpoints(client, settings):
    settings.AUDIT_CHECKPOINT_DIR = None
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "not configured" in response.json()["checks"]["audit_checkpoint"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="Linux /dev/full")
def test_readyz_fails_when_the_checkpoint_disk_is_full(client, checkpointing):
    checkpointing.mkdir(parents=True, exist_ok=True)
    (checkpointing / f".readyz-{os.getpid()}").symlink_to("/dev/full")  # writes: ENOSPC
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["audit_checkpoint"] == (
        f"the checkpoint folder {checkpointing} cannot be written: "
        "no space left on the device (the disk is full)"
    )


def test_a_page_when_the_database_is_gone_is_a_503_with_no_traceback_and_no_path_logged(caplog):
    user = UserFactory()
    client = Client(raise_request_exception=False)
    sign_in_verified(client, user)
    with caplog.at_level(logging.INFO), connection.execute_wrapper(_database_gone):
        response = client.get("/search/?given_name=Zebedee&date_of_birth=2017-03-04")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert_govuk_page(response)
    assert "Sorry, the service is unavailable" in response.content.decode()
    for record in caplog.records:
        assert record.exc_info is None, record.getMessage()
        text = record.getMessage() + json.dumps(record.__dict__, default=str)
        assert "Zebedee" not in text and "2017-03-04" not in text
    [error] = [r for r in caplog.records if r.name == "django.request"]
    assert error.getMessage() == ("database unavailable: server closed the connection unexpectedly")
    # ... and the next request, with the database back, is served (no restart).
    assert client.get("/healthz").status_code == 200
    assert client.get("/search/").status_code == 200


def test_each_request_is_one_log_line_with_its_route_not_its_path(client, caplog):
    sign_in_verified(client, UserFactory())
    with caplog.at_level(logging.INFO, logger="childindex.request"):
        response = client.get("/search/?given_name=Zebedee")
    [line] = [r for r in caplog.records if r.name == "childindex.request"]
    assert (line.method, line.route, line.status) == ("GET", "/search/", response.status_code)
    assert line.request_id == response["X-Request-ID"]
    assert line.duration_ms >= 0
    assert "Zebedee" not in json.dumps(line.__dict__, default=str)
