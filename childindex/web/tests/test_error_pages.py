"""The 500 page (issue 17): GOV.UK's "Sorry, there is a problem with the service", styled,
with nothing of the failure on it, for a view that raises."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from childindex.access.testing import sign_in_verified
from childindex.access.tests.factories import UserFactory
from childindex.web.tests.pages import assert_govuk_page

pytestmark = [pytest.mark.django_db, pytest.mark.urls("childindex.web.tests.error_urls")]


@pytest.mark.parametrize("signed_in", [False, True])
@override_settings(DEBUG=False)
def test_a_view_that_raises_gets_the_styled_problem_page(signed_in):
    client = Client(raise_request_exception=False)
    if signed_in:
        sign_in_verified(client, UserFactory())
    response = client.get(f"/test-boom/{'signed-in' if signed_in else 'public'}/")
    assert response.status_code == 500
    assert assert_govuk_page(response) == "Sorry, there is a problem with the service"
    body = response.content.decode()
    assert "govuk-frontend.min.css" in body and "govuk-header" in body  # styled, GOV.UK
    assert "Try again later" in body
    assert "9434765919" not in body and "Broken" not in body and "Traceback" not in body
    assert "no-store" in response["Cache-Control"]
