"""Factories for consents: the young person's standing consent to additional services."""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from childindex.access.tests.factories import UserFactory
from childindex.consent.models import Consent, GivenBy, Scope
from childindex.directory.tests.factories import ServiceFactory
from childindex.records.models import ChildCarer, Relationship
from childindex.records.tests.factories import CarerFactory, ChildFactory


class ConsentFactory(DjangoModelFactory):
    """Traits: ``by_parent`` (a carer of the child, linked to them), ``named_service`` (one
    sensitive service), ``withdrawn``."""

    class Meta:
        model = Consent
        skip_postgeneration_save = True

    child = factory.SubFactory(ChildFactory)
    given_by = GivenBy.YOUNG_PERSON
    carer = None
    scope = Scope.ADDITIONAL_SERVICES
    service = None
    given_on = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=14))
    recorded_by = factory.SubFactory(
        UserFactory, local_authority=factory.SelfAttribute("..child.responsible_la")
    )

    class Params:
        by_parent = factory.Trait(
            given_by=GivenBy.PARENT_CARER, carer=factory.SubFactory(CarerFactory)
        )
        named_service = factory.Trait(
            scope=Scope.NAMED_SERVICE,
            service=factory.SubFactory(ServiceFactory, sensitive_service=True),
        )
        withdrawn = factory.Trait(withdrawn_on=factory.LazyFunction(dt.date.today))

    @factory.post_generation
    def link_carer(self, create: bool, extracted, **kwargs) -> None:
        """A parent who consents is one of the child's carers."""
        if create and self.carer_id:
            ChildCarer.objects.get_or_create(
                child=self.child,
                carer=self.carer,
                defaults={"relationship": Relationship.MOTHER, "parental_responsibility": True},
            )
