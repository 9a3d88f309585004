"""Every refusal to show or act on a child asked for by index number is an audit event, outcome
denied, naming the child asked for (§4: "every search, record view, change ... outcome").

A page that refuses by re-rendering its form ("There is no child with that index number in
your LA's part of the index") answers 200, so the request middleware's own event for it would
be an allowed ``page_view`` naming no child: the refusal would vanish from "who accessed this
child". The walk finds every way a page takes an index number — a URL pattern with an
``index_number`` and every form of the web UI with an index number field — and fails for one
missing from ``REFUSALS``; each entry is then asked, by a user of LA A, for a child of LA B,
and must leave a denied event naming that child.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django import forms
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import childindex.web.forms
import childindex.web.views
from childindex.access.models import Role, User
from childindex.access.testing import sign_in_verified, totp_code
from childindex.audit.models import AuditEvent, EventOutcome
from childindex.testkit.journey import Journey, journey_child, journey_user

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Ask:
    """How a page is asked about a child: the URL, the method, who asks, the form's data."""

    url: str
    role: str
    data: Callable[[str], dict[str, str]] | None = None  # POST or GET form data for a number
    method: str = "post"


PERIOD = {"since_day": "", "since_month": "", "since_year": ""}
REVIEW_ON = dt.date.today() + dt.timedelta(days=60)


def _on(prefix: str) -> dict[str, str]:
    return {f"{prefix}-day": "1", f"{prefix}-month": "11", f"{prefix}-year": "2026"}


def _prefixed(prefix: str, data: dict[str, str]) -> dict[str, str]:
    return {f"{prefix}-{name}": value for name, value in data.items()}


def _kwargs(number: str, **more: int) -> dict[str, object]:
    return {"index_number": number, **more}


# One entry per URL pattern with an index number (by name) and per form with an index number
# field (by class name): how a user of LA A asks it for a child of LA B.
REFUSALS: dict[str, Ask] = {
    # URL patterns: the number is in the address.
    "web:child-purpose": Ask("web:child-purpose", Role.PRACTITIONER, method="get"),
    "web:child-record": Ask("web:child-record", Role.PRACTITIONER, method="get"),
    "web:child-shield-override": Ask("web:child-shield-override", Role.PRACTITIONER, method="get"),
    "web:involvement-log": Ask("web:involvement-log", Role.PRACTITIONER, method="get"),
    "web:involvement-end": Ask("web:involvement-end", Role.PRACTITIONER, method="get"),
    "web:involvement-indicators": Ask(
        "web:involvement-indicators", Role.PRACTITIONER, method="get"
    ),
    "web:consent-record": Ask("web:consent-record", Role.PRACTITIONER, method="get"),
    "web:consent-withdraw": Ask("web:consent-withdraw", Role.PRACTITIONER, method="get"),
    "web:index-team-shield-remove": Ask(
        "web:index-team-shield-remove", Role.INDEX_TEAM, method="get"
    ),
    # Forms: the number is typed.
    "ShieldForm": Ask(
        "web:index-team-shielding",
        Role.INDEX_TEAM,
        lambda n: _prefixed(
            "shield",
            {
                "index_number": n,
                "day": str(REVIEW_ON.day),
                "month": str(REVIEW_ON.month),
                "year": str(REVIEW_ON.year),
            },
        ),
    ),
    "MoveForm": Ask(
        "web:index-team-move",
        Role.INDEX_TEAM,
        lambda n: {
            **_prefixed(
                "move", {"index_number": n, "line_1": "1 New Road", "postcode": "TN34 1AA"}
            ),
            **_on("move"),
        },
    ),
    "DeathForm": Ask(
        "web:index-team-death",
        Role.INDEX_TEAM,
        lambda n: {
            **_prefixed("death", {"index_number": n, "source": "registration"}),
            **_on("death"),
        },
    ),
    "MergeForm": Ask(
        "web:merges",
        Role.INDEX_TEAM,
        lambda n: {"merge-kept": n, "merge-merged": n, "merge-reason": "confirmed_with_source"},
    ),
    "SubjectAccessForm": Ask(
        "web:reports-subject-access",
        Role.INDEX_TEAM,
        lambda n: {
            "index_number": n,
            "requester": "parent_with_pr",
            "shield": "no",
            "output": "html",
        },
    ),
    "ChildHistoryForm": Ask(
        "web:audit-child", Role.AUDITOR, lambda n: {"index_number": n, **PERIOD}, method="get"
    ),
    "ChildHistoryForm (CSV)": Ask(
        "web:audit-child-csv", Role.AUDITOR, lambda n: {"index_number": n, **PERIOD}, method="get"
    ),
}


def _walk(patterns, namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name or ''}", entry


def patterns_taking_an_index_number() -> set[str]:
    return {
        name
        for name, pattern in _walk(get_resolver().url_patterns)
        if "index_number" in pattern.pattern.regex.groupindex
    }


def _takes_an_index_number(name: str, field: forms.Field) -> bool:
    return "index_number" in name or "index number" in str(field.label or "").lower()


def forms_taking_an_index_number() -> set[str]:
    """Every form class of the web UI (in ``web.forms`` or beside its view) with a field that
    asks for an index number."""
    found: set[str] = set()
    for package in (childindex.web.forms, childindex.web.views):
        for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            module = importlib.import_module(info.name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if not issubclass(cls, forms.BaseForm) or not cls.__module__.startswith(
                    "childindex.web"
                ):
                    continue
                fields = getattr(cls, "base_fields", {})
                if any(_takes_an_index_number(n, f) for n, f in fields.items()):
                    found.add(cls.__name__)
    return found


def missing(found: set[str], table: dict[str, Ask]) -> list[str]:
    named = {key.split(" (")[0] for key in table}
    return sorted(found - named)


def test_every_page_that_takes_an_index_number_is_asked_for_another_las_child_here():
    assert (
        missing(patterns_taking_an_index_number() | forms_taking_an_index_number(), REFUSALS) == []
    )


def test_the_walk_finds_a_new_form_asking_for_an_index_number():
    class TransferForm(forms.Form):  # what a new page might add
        child = forms.CharField(label="Index number of the child")

    assert _takes_an_index_number("child", TransferForm.base_fields["child"])
    found = forms_taking_an_index_number() | {"TransferForm"}
    assert missing(found, REFUSALS) == ["TransferForm"]
    assert missing(found, {k: v for k, v in REFUSALS.items() if k != "MoveForm"}) == [
        "MoveForm",
        "TransferForm",
    ]


def _user(journey: Journey, role: str) -> User:
    return {
        Role.PRACTITIONER: journey.pat,
        Role.INDEX_TEAM: journey.index_team,
    }.get(role) or journey_user(f"asker-{role}", la=journey.la, role=role)


@pytest.mark.parametrize("entry", sorted(REFUSALS))
def test_asking_for_a_child_one_may_not_act_on_is_a_refusal_naming_the_child(
    client, journey: Journey, entry: str
):
    ask = REFUSALS[entry]
    elsewhere = journey_child("Bea", "Elsewhere", dt.date(2015, 1, 2), la=journey.other_la)
    number = elsewhere.index_number
    if ask.role == Role.PRACTITIONER:  # practitioners find every LA's children: ask for none
        number = "".join(reversed(number))
        while number[0] == "0":
            number = number[1:] + "1"
    user = _user(journey, ask.role)
    device = sign_in_verified(client, user)
    if "shield-override" in ask.url:
        totp_code(device)
    kwargs = {} if ask.data else _kwargs(number)
    if ask.url in ("web:involvement-end", "web:involvement-indicators"):
        kwargs["involvement_id"] = 1
    if ask.url == "web:consent-withdraw":
        kwargs["consent_id"] = 1
    url = reverse(ask.url, kwargs=kwargs)
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    data = ask.data(number) if ask.data else {}
    response = getattr(client, ask.method)(url, data)
    assert response.status_code < 500
    events = list(AuditEvent.objects.filter(id__gt=before))
    refusals = [
        e for e in events if e.outcome == EventOutcome.DENIED and number in (e.children or [])
    ]
    assert refusals, (
        f"{entry}: no denied event naming the child; events: "
        f"{[(e.action, e.outcome, e.children) for e in events]}"
    )
    assert all(e.actor_id == user.pk for e in refusals)
    assert not [e for e in events if e.outcome == EventOutcome.ALLOWED and e.action == "page_view"]
