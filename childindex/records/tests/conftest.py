"""Fixtures for the journey: a county with a school, practitioners and a few children."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from childindex.access.models import Role
from childindex.core.identifiers import synthetic_nhs_number
from childindex.directory.models import OrganisationType, ServiceCategory, ServiceKind
from childindex.records.models import NameKind, Relationship
from childindex.records.tests import journey_data as data


@pytest.fixture
def county(db, fast_password_hashing):
    la = data.local_authority()
    school = data.organisation(la, "Hastings Primary School")
    trust = data.organisation(la, "Sussex Community NHS Trust", type=OrganisationType.HEALTH_TRUST)
    pastoral = data.service(school, "Pastoral care")
    speech = data.service(
        trust,
        "Speech and language therapy",
        kind=ServiceKind.SPEECH_AND_LANGUAGE,
        category=ServiceCategory.SPECIALIST,
    )
    sexual_health = data.service(
        trust,
        "Young people's sexual health clinic",
        kind=ServiceKind.SEXUAL_HEALTH,
        category=ServiceCategory.SPECIALIST,
        sensitive=True,
    )
    teacher = data.practitioner(school, "Pat", "Teacher", pastoral)
    therapist = data.practitioner(trust, "Sam", "Therapist", speech, sexual_health)
    return {
        "la": la,
        "school": school,
        "trust": trust,
        "pastoral": pastoral,
        "speech": speech,
        "sexual_health": sexual_health,
        "teacher": teacher,
        "therapist": therapist,
        "pat": data.user("pat", la=la, practitioner=teacher),
        "sam": data.user("sam", la=la, practitioner=therapist),
        "cp": data.user("casey", la=la, role=Role.CHILD_PROTECTION),
        "index_team": data.user("indra", la=la, role=Role.INDEX_TEAM),
        "other_la": data.local_authority("E10000032", "West Sussex"),
    }


@pytest.fixture
def children(county):
    la = county["la"]
    rng = random.Random(7)
    nhs = {name: synthetic_nhs_number(rng) for name in ("olivia", "ruby", "mo")}
    made = {
        "olivia": data.child(
            "Olivia",
            "Smith",
            dt.date(2015, 3, 4),
            la=la,
            identifiers={"nhs": nhs["olivia"]},
            carers=(("Dana", "Smith", Relationship.MOTHER),),
        ),
        "harry": data.child("Harry", "Patel", dt.date(2016, 7, 9), la=la, gender="male"),
        "henry": data.child("Henry", "Patel", dt.date(2016, 7, 9), la=la, gender="male"),
        "william": data.child(
            "William", "Jones", dt.date(2014, 11, 30), la=la, gender="male", postcode="TN38 0AB"
        ),
        "chloe": data.child(
            "Chloe",
            "Brown",
            dt.date(2013, 5, 17),
            la=la,
            other_names=((NameKind.FORMER, "Chloe", "Green"),),
            previous_postcodes=("BN1 1AA",),
        ),
        "annemarie": data.child("Anne-Marie", "Smith-Jones", dt.date(2012, 1, 20), la=la),
        "mo": data.child(
            "Mohammed",
            "Khan",
            dt.date(2017, 9, 2),
            la=la,
            gender="male",
            identifiers={"nhs": nhs["mo"]},
        ),
        "ruby": data.child(
            "Ruby",
            "Hidden",
            dt.date(2014, 6, 12),
            la=la,
            postcode="TN35 5AA",
            identifiers={"nhs": nhs["ruby"]},
            shielded=True,
            carers=(("Rose", "Hidden", Relationship.MOTHER),),
        ),
    }
    made["nhs"] = nhs
    return made


@pytest.fixture
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
