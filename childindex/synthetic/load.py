"""Load a synthetic population into the database, in one transaction, with one audit event.

The directory goes in first (authorities, organisations, services, practitioners, and a user
account for each practitioner plus an index-team and an auditor account per authority, all
with unusable passwords); then the families, in batches with ``bulk_create``. Children keep
the generator's index numbers, so the files and the database name the same children. Every
database constraint applies as it would to a real record: a population that broke one would
not load at all.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from childindex.access.models import Role, User
from childindex.audit.models import Action
from childindex.audit.services import audit_record
from childindex.consent.models import Consent
from childindex.consent.rules import basis_for_service
from childindex.directory.models import (
    LocalAuthority,
    Organisation,
    PostcodeDistrict,
    Practitioner,
    Service,
)
from childindex.records.models import (
    Carer,
    Child,
    ChildAddress,
    ChildCarer,
    ChildIdentifier,
    ChildName,
    Involvement,
)
from childindex.records.search_index import search_index_rebuild
from childindex.sources.bulk import PlannerStatistics
from childindex.synthetic import directory as syn
from childindex.synthetic.feeds import feed_name
from childindex.synthetic.people import Child as SynChild
from childindex.synthetic.people import Family

BATCH_CHILDREN = 2000
# The tables a load fills with the families, analysed at its end.
LOADED_MODELS = (Child, ChildName, ChildAddress, ChildIdentifier, Carer, ChildCarer, Involvement)
# Rows per INSERT. SQLite keeps up to 128 prepared statements per connection, and a multi-row
# INSERT's grows with its rows: small fixed-size inserts keep the loader's memory flat.
INSERT_ROWS = 100
LOADER_LABEL = "childindex generate"


class PopulationLoadError(Exception):
    """The database cannot take this population; the message says why and what to do."""


class _Refs:
    """Database rows of the directory, by the generator's keys."""

    def __init__(self) -> None:
        self.las: dict[str, LocalAuthority] = {}
        self.index_team: dict[str, User] = {}
        self.services: dict[str, Service] = {}
        self.practitioners: dict[str, Practitioner] = {}
        self.users: dict[str, User] = {}
        self.basis: dict[tuple[str, bool], str] = {}


def population_load(
    *,
    directory: syn.Directory,
    families: Iterable[Family],
    as_of: dt.date,
    detail: dict[str, Any] | None = None,
) -> Counter[str]:
    """Load ``directory`` and every family of ``families`` (a stream: it is read once)."""
    with transaction.atomic():
        check_can_load(directory)
        counts: Counter[str] = Counter()
        refs = _load_directory(directory, as_of, counts)
        batch: list[SynChild] = []
        for family in families:
            batch.extend(family.children)
            if len(batch) >= BATCH_CHILDREN:
                _load_children(batch, refs, counts)
                batch = []
        if batch:
            _load_children(batch, refs, counts)
        search_index_rebuild()  # the search keys, in one pass after the bulk load
        # the planner's statistics of what was loaded (SQLite never analyses by itself)
        PlannerStatistics(LOADED_MODELS).keep()
        audit_record(
            actor=None,
            actor_label=LOADER_LABEL,
            action=Action.POPULATION_LOAD,
            detail={**(detail or {}), "counts": dict(sorted(counts.items()))},
        )
    return counts


def check_can_load(directory: syn.Directory) -> None:
    """Raise PopulationLoadError unless the database can take this population."""
    held = Child.objects.count()
    if held:
        raise PopulationLoadError(
            f"the database already holds {held:,} children: --load fills an empty index "
            "(start from a fresh database, e.g. delete var/childindex.sqlite3 and migrate)"
        )
    codes = [o.code for o in directory.organisations]
    for start in range(0, len(codes), 500):
        clash = Organisation.objects.filter(code__in=codes[start : start + 500]).first()
        if clash:
            raise PopulationLoadError(
                f"organisation {clash.code} is already in the database: load into a fresh database"
            )


def _insert(model: Any, rows: list[Any]) -> list[Any]:
    return model.objects.bulk_create(rows, batch_size=INSERT_ROWS)


def _user(username: str, **fields: Any) -> User:
    return User(username=username, password=make_password(None), **fields)


def _load_directory(directory: syn.Directory, as_of: dt.date, counts: Counter[str]) -> _Refs:
    refs = _Refs()
    for la_directory in directory.las:
        la = la_directory.la
        row, created = LocalAuthority.objects.get_or_create(
            code=la.code,
            defaults={
                "name": la.name,
                "nation": la.nation,
                "index_team_phone": la.index_team_phone,
                "index_team_email": la.index_team_email,
                "safeguarding_email": la.safeguarding_email,
                "dfe_la_number": la.upn_la_number,
            },
        )
        refs.las[la.code] = row
        _insert(
            PostcodeDistrict,
            [
                PostcodeDistrict(outward=d.outward, local_authority=row)
                for d in la.districts
                if created or not PostcodeDistrict.objects.filter(outward=d.outward).exists()
            ],
        )
        counts["local_authorities"] += created
        team, created = User.objects.get_or_create(
            username=la.index_team_username,
            defaults={
                "password": make_password(None),
                "role": Role.INDEX_TEAM,
                "local_authority": row,
                "first_name": la.name,
                "last_name": "index team",
                "email": la.index_team_email,
                "approved_on": as_of,
                "dbs_checked_on": as_of,
                "training_completed_on": as_of,
            },
        )
        refs.index_team[la.code] = team
        _, auditor_created = User.objects.get_or_create(
            username=la.auditor_username,
            defaults={
                "password": make_password(None),
                "role": Role.AUDITOR,
                "local_authority": row,
                "first_name": la.name,
                "last_name": "auditor",
                "approved_on": as_of,
                "approved_by": team,
                "dbs_checked_on": as_of,
                "training_completed_on": as_of,
            },
        )
        counts["users"] += created + auditor_created

    organisations = _insert(
        Organisation,
        [
            Organisation(
                type=o.type,
                code=o.code,
                name=o.name,
                local_authority=refs.las[o.la_code],
                address=o.address,
                postcode=o.postcode,
                phone=o.phone,
                email=o.email,
            )
            for o in directory.organisations
        ],
    )
    orgs = {o.code: o for o in organisations}
    services = _insert(
        Service,
        [
            Service(
                organisation=orgs[s.organisation.code],
                name=s.name,
                kind=s.kind,
                category=s.category,
                sensitive=s.sensitive,
                phone=s.phone,
                email=s.email,
            )
            for s in directory.services
        ],
    )
    refs.services = {s.key: row for s, row in zip(directory.services, services, strict=True)}
    practitioners = _insert(
        Practitioner,
        [
            Practitioner(
                given_name=p.given_name,
                family_name=p.family_name,
                job_title=p.job_title,
                organisation=orgs[p.organisation.code],
                work_phone=p.work_phone,
                secure_email=p.secure_email,
            )
            for p in directory.practitioners
        ],
    )
    refs.practitioners = {
        p.secure_email: row for p, row in zip(directory.practitioners, practitioners, strict=True)
    }
    _insert(
        Practitioner.services.through,
        [
            Practitioner.services.through(
                practitioner=refs.practitioners[p.secure_email],
                service=refs.services[p.service.key],
            )
            for p in directory.practitioners
        ],
    )
    users = _insert(
        User,
        [
            _user(
                p.username,
                email=p.secure_email,
                first_name=p.given_name,
                last_name=p.family_name,
                role=p.user_role,
                local_authority=refs.las[p.organisation.la_code],
                organisation=orgs[p.organisation.code],
                practitioner=refs.practitioners[p.secure_email],
                approved_on=p.approved_on,
                approved_by=refs.index_team[p.organisation.la_code] if p.approved_on else None,
                suspended_on=p.suspended_on,
                dbs_checked_on=p.dbs_checked_on,
                training_completed_on=p.training_completed_on,
            )
            for p in directory.practitioners
        ],
    )
    refs.users = {p.secure_email: u for p, u in zip(directory.practitioners, users, strict=True)}
    counts.update(
        organisations=len(organisations),
        services=len(services),
        practitioners=len(practitioners),
        users=len(users),
    )
    return refs


def _basis(refs: _Refs, service: syn.Service, hidden_concern: bool) -> str:
    key = (service.key, hidden_concern)
    basis = refs.basis.get(key)
    if basis is None:
        basis = refs.basis[key] = basis_for_service(
            category=service.category, sensitive=service.sensitive, hidden_concern=hidden_concern
        ).value
    return basis


def _source_feed(refs: _Refs, involvement: Any) -> str:
    """The feed an involvement came from, as named in the index: with several LAs each LA has
    its own set of feeds (``childindex.synthetic.feeds.feed_name``)."""
    feed = involvement.source_feed
    if not feed:
        return ""
    return feed_name(feed, involvement.service.organisation.la_code, per_la=len(refs.las) > 1)


def _load_children(batch: list[SynChild], refs: _Refs, counts: Counter[str]) -> None:
    children = _insert(
        Child,
        [
            Child(
                index_number=c.index_number,
                date_of_birth=c.date_of_birth,
                gender=c.gender,
                responsible_la=refs.las[c.la_code],
                status=c.status,
                date_of_death=c.date_of_death,
                shielded=c.shielded,
                shield_review_on=c.shield_review_on,
            )
            for c in batch
        ],
    )
    carers: dict[str, Carer] = {}
    for c in batch:
        for link in c.carers:
            if link.carer.carer_id not in carers:
                carer = link.carer
                carers[carer.carer_id] = Carer(
                    given_names=carer.given_names,
                    family_name=carer.family_name,
                    phone=carer.phone,
                    email=carer.email,
                )
    _insert(Carer, list(carers.values()))

    names, addresses, identifiers, involvements = [], [], [], []
    links: list[Any] = []
    consents: list[Any] = []
    for c, row in zip(batch, children, strict=True):
        names.append(
            ChildName(
                child=row, kind="current", given_names=c.given_names, family_name=c.family_name
            )
        )
        names.extend(
            ChildName(
                child=row,
                kind=n.kind,
                given_names=n.given_names,
                family_name=n.family_name,
                used_from=n.used_from,
                used_until=n.used_until,
            )
            for n in c.other_names
        )
        for spell in c.addresses:
            a = spell.address
            addresses.append(
                ChildAddress(
                    child=row,
                    status=spell.status,
                    line_1=a.line_1 if a else "",
                    line_2=a.line_2 if a else "",
                    town=a.town if a else "",
                    postcode=a.postcode if a else "",
                    local_authority=refs.las[a.la_code] if a else None,
                    country=spell.country,
                    intends_to_return=spell.intends_to_return,
                    lived_from=spell.lived_from,
                    lived_until=spell.lived_until,
                )
            )
        for kind, value in (
            ("nhs", c.nhs_number),
            ("chi", c.chi_number),
            ("hc", c.hc_number),
            ("upn", c.upn),
        ):
            if value:
                identifiers.append(ChildIdentifier(child=row, type=kind, value=value))
        links.extend(
            ChildCarer(
                child=row,
                carer=carers[link.carer.carer_id],
                relationship=link.relationship,
                parental_responsibility=link.parental_responsibility,
            )
            for link in c.carers
        )
        for i in c.involvements:
            logged_by = i.logged_by
            involvements.append(
                Involvement(
                    child=row,
                    service=refs.services[i.service.key],
                    practitioner=refs.practitioners[i.practitioner.secure_email],
                    started_on=i.started_on,
                    ended_on=i.ended_on,
                    basis=_basis(refs, i.service, i.hidden_concern),
                    source_feed=_source_feed(refs, i),
                    logged_by=refs.users[logged_by.secure_email] if logged_by else None,
                    is_lead_professional=i.lead,
                    assessment_type=i.assessment_type,
                    assessment_on=i.assessment_on,
                    has_information_to_share=i.has_information_to_share,
                    taking_action=i.taking_action,
                )
            )
        team = refs.index_team[c.la_code]
        consents.extend(
            Consent(
                child=row,
                given_by=k.given_by,
                carer=carers[k.carer.carer_id] if k.carer else None,
                scope=k.scope,
                service=refs.services[k.service.key] if k.service else None,
                given_on=k.given_on,
                withdrawn_on=k.withdrawn_on,
                recorded_by=team,
            )
            for k in c.consents
        )
    _insert(ChildName, names)
    _insert(ChildAddress, addresses)
    _insert(ChildIdentifier, identifiers)
    _insert(ChildCarer, links)
    _insert(Involvement, involvements)
    _insert(Consent, consents)
    counts.update(
        children=len(children),
        carers=len(carers),
        child_carers=len(links),
        names=len(names),
        addresses=len(addresses),
        identifiers=len(identifiers),
        involvements=len(involvements),
        consents=len(consents),
    )
