"""A feed writes only for its own LA's organisations (issue 15, finding 4): a feed of one LA
wrote an involvement into another LA's organisation, onto that LA's shielded child. Checked when
the mapping is loaded and again per row; a crossing row is a row problem, never a write."""

from __future__ import annotations

import random

import pytest

from childindex.core.identifiers import synthetic_nhs_number
from childindex.directory.tests.factories import (
    LocalAuthorityFactory,
    OrganisationFactory,
    ServiceFactory,
)
from childindex.records.models import Involvement
from childindex.sources.importing import FeedImportError, feed_import
from childindex.sources.models import ImportRun, RejectedRow, SourceRecord
from childindex.testkit.feeds import TODAY, mapping_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_la_service():
    """A service of an organisation in another LA."""
    other = LocalAuthorityFactory()
    clinic = OrganisationFactory(local_authority=other, code="Z99901")
    return ServiceFactory(organisation=clinic, name="Other LA clinic", kind="gp")


def test_a_row_naming_another_las_organisation_is_a_row_problem_and_writes_nothing(
    feed_county, other_la_service
):
    nhs = synthetic_nhs_number(random.Random(7))
    shielded = feed_county.child("Olivia", "Hart", "2015-03-20", nhs=nhs, shielded=True)
    row = feed_county.row("X1", "Olivia", "Hart", "2015-03-20", nhs=nhs)
    row |= {"org": other_la_service.organisation.code, "service": other_la_service.name}
    run = feed_county.load([row, feed_county.row("A2", "Amy", "Stone", "2016-01-02")])
    rejected = RejectedRow.objects.get(run=run)
    assert rejected.row_number == 1
    assert "another local authority" in rejected.reason
    assert not Involvement.objects.filter(service=other_la_service).exists()
    assert not Involvement.objects.filter(child=shielded).exists()
    assert not SourceRecord.objects.filter(key="X1").exists()
    assert SourceRecord.objects.filter(key="A2").exists()  # the other row is imported


def test_a_mapping_whose_fixed_service_is_another_las_is_refused_before_anything_is_written(
    feed_county, other_la_service
):
    text = mapping_text(la_code=feed_county.la.code).replace(
        "[record]",
        f'[service]\norganisation_code = "{other_la_service.organisation.code}"\n'
        f'service_name = "{other_la_service.name}"\n\n[record]',
    )
    text = text.replace('organisation_code = "org"\nservice_name = "service"\n', "")
    path = feed_county.write([feed_county.row("A1", "Amy", "Stone", "2016-01-02")])
    with pytest.raises(FeedImportError, match="another local authority"):
        feed_import(path=path, mapping_text=text, today=TODAY)
    assert not ImportRun.objects.exists()
