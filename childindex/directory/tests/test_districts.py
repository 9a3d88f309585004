"""Postcode districts and an LA's retention: rules held by the database."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from childindex.directory.models import PostcodeDistrict
from childindex.directory.tests.factories import LocalAuthorityFactory

pytestmark = pytest.mark.django_db


def violates(name: str, make) -> None:
    with pytest.raises(IntegrityError, match=name), transaction.atomic():
        make()


def test_a_postcode_district_is_an_outward_code():
    la = LocalAuthorityFactory()
    PostcodeDistrict.objects.create(outward="TN34", local_authority=la)
    violates(
        "postcode_district_is_outward_code",
        lambda: PostcodeDistrict.objects.create(outward="TN34 1", local_authority=la),
    )


def test_a_district_belongs_to_one_la():
    PostcodeDistrict.objects.create(outward="BN1", local_authority=LocalAuthorityFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        PostcodeDistrict.objects.create(outward="BN1", local_authority=LocalAuthorityFactory())


def test_an_archived_record_is_kept_a_year_at_least():
    la = LocalAuthorityFactory()
    la.purge_years_after_archive = 0
    violates("la_purge_after_a_year_or_more", la.save)
