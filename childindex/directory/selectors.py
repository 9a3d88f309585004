"""Finding a practitioner or a service and their work contact details (the "telephone book")."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from childindex.directory.models import Practitioner, Service

DIRECTORY_RESULTS = 25
MIN_QUERY_LENGTH = 2


@dataclass(frozen=True)
class DirectoryResults:
    practitioners: list[Practitioner]
    services: list[Service]


def directory_search(*, query: str) -> DirectoryResults:
    """Practitioners (by name, job title or organisation) and services (by name, kind or
    organisation) whose words all appear, at most 25 of each.

    The directory holds no child, so it reads nothing through the access policy here (the
    directory sits below ``access`` in the layers); views admit only users who may search.
    """
    words = [w for w in (query or "").split() if w][:6]
    if not words or len(" ".join(words)) < MIN_QUERY_LENGTH:
        return DirectoryResults([], [])
    people = Practitioner.objects.select_related("organisation")
    services = Service.objects.select_related("organisation")
    for word in words:
        people = people.filter(
            Q(given_name__icontains=word)
            | Q(family_name__icontains=word)
            | Q(job_title__icontains=word)
            | Q(organisation__name__icontains=word)
        )
        services = services.filter(
            Q(name__icontains=word)
            | Q(kind__icontains=word)
            | Q(organisation__name__icontains=word)
        )
    return DirectoryResults(
        practitioners=list(people[:DIRECTORY_RESULTS]), services=list(services[:DIRECTORY_RESULTS])
    )


def practitioner_detail(*, practitioner_id: int) -> Practitioner | None:
    return (
        Practitioner.objects.select_related("organisation__local_authority")
        .prefetch_related("services")
        .filter(pk=practitioner_id)
        .first()
    )


def service_detail(*, service_id: int) -> Service | None:
    return (
        Service.objects.select_related("organisation__local_authority")
        .prefetch_related("practitioners")
        .filter(pk=service_id)
        .first()
    )
