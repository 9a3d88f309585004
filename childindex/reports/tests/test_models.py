"""The reports' own rules, as database constraints, each proved by a write it refuses."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from childindex.directory.tests.factories import LocalAuthorityFactory
from childindex.reports.models import PopulationEstimate, SubjectAccessSettings

pytestmark = pytest.mark.django_db


def estimate(la, **kw):
    fields = {"year": 2026, "age": 3, "population": 7000}
    fields.update(kw)
    return PopulationEstimate.objects.create(
        local_authority=la, loaded_at=timezone.now(), loaded_by="t", source_file="f.csv", **fields
    )


def refused(name, make):
    with pytest.raises(IntegrityError, match=name), transaction.atomic():
        make()


def test_an_estimate_is_held_once_per_la_year_and_age():
    la = LocalAuthorityFactory()
    estimate(la)
    with pytest.raises(IntegrityError), transaction.atomic():
        estimate(la)  # "estimate_once_per_la_year_age"


def test_an_estimate_is_of_children_aged_0_to_17():
    refused("estimate_is_of_children", lambda: estimate(LocalAuthorityFactory(), age=18))


def test_an_estimate_year_is_plausible():
    refused("estimate_year_plausible", lambda: estimate(LocalAuthorityFactory(), year=1900))


def test_the_accessor_names_setting_is_one_of_its_choices():
    refused(
        "accessor_names_known",
        lambda: SubjectAccessSettings.objects.create(
            local_authority=LocalAuthorityFactory(), accessor_names="everyone"
        ),
    )
