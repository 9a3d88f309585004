"""Every operator's command that reads or writes a child's or a source row's personal data
leaves an audit event naming who ran it (§4 of the design: "every search, record view, change,
export ... is an audit event").

The walk lists every command ``childindex`` offers, each subcommand apart (``feed import`` and
``feed problems`` are different reads), and fails for one that is in neither list below: a new
command, or a new subcommand, must be run here on a county and shown to leave an event, or be
given a reason why it needs none. Each command of the first list is then run, and must write at
least one event, every one of them naming the command (``childindex feed problems``) or the user
it acts for (``search --as USERNAME``). ``test_the_walk_catches_...`` shows the walk fails.
"""

from __future__ import annotations

import argparse
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError

from childindex.access.tests.factories import UserFactory
from childindex.audit.models import AuditEvent, EventOutcome
from childindex.testkit.feeds import FeedCounty

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class ImportedFeed:
    """The feed county after one import with a rejected row and a warning, a child the operator
    can search for, and a user to search as."""

    feed: FeedCounty
    csv: Path
    mapping: Path
    username: str


Invocation = Callable[[ImportedFeed], list[str]]

# Commands that read or write a child's or a source row's personal data: how to run each on the
# county so that it does.
AUDITED: dict[tuple[str, str], Invocation] = {
    ("feed", "import"): lambda c: ["--no-progress", "--mapping", str(c.mapping), str(c.csv)],
    ("feed", "problems"): lambda c: ["--source", "gp"],
    ("feed", "rejected"): lambda c: ["--source", "gp"],
    ("links", "export"): lambda c: ["--out", str(c.feed.tmp / "links.csv")],
    ("review", "export"): lambda c: ["--out", str(c.feed.tmp / "review.csv")],
    ("search", ""): lambda c: ["--as", c.username, "Ruby", "Stone", "--dob", "2012-01-05"],
    ("lifecycle", "run"): lambda c: ["--as-of", "2026-11-21"],
    # The dry runs read every linked source row of the LA and print keys and children.
    ("linkage", "activate"): lambda c: ["--version", "1", "--la", c.feed.la.code],
    ("linkage", "thresholds"): lambda c: ["--la", c.feed.la.code, "--upper", "9", "--lower", "1"],
    ("linkage", "train"): lambda c: ["--max-pairs", "1000"],
}

# Commands of the project that need no audit event of their own, and why.
SYNTHETIC = "writes synthetic data only (the generator's county, never a real child)"
NO_EVENT_NEEDED: dict[tuple[str, str], str] = {
    ("generate", ""): SYNTHETIC,
    ("near-misses", ""): SYNTHETIC + ": reads and writes the generator's files",
    ("demo", ""): SYNTHETIC + ", then serves it (each request audited by the middleware)",
    ("demo_code", ""): "prints a demo account's two-factor code (demo mode only), no child",
    ("serve", ""): "the web server: each request is audited by audit.middleware",
    ("monitor", ""): "queues the periodic jobs; each job audits what it reads and writes",
    ("audit", "verify"): "reads the trail's hashes and prints event ids, never a child's data",
    ("audit", "keygen"): "makes a signing key; reads nothing",
    ("audit", "checkpoint"): "signs the chain's head (an id and a hash)",
    ("api-client", "create"): "an API client's account, audited (api_client_create); no child",
    ("api-client", "list"): "lists API clients (names, scopes), no child",
    ("api-client", "revoke"): "an API client, audited (api_client_revoke); no child",
    ("directory", "import"): "organisations, services and practitioners (audited), no child",
    ("population", "load"): "ONS counts by age and LA (audited), never a child",
    ("linkage", "models"): "lists the model versions and their descriptions, no child",
    ("search-index", "rebuild"): (
        "recomputes the search keys from what is held, inside the index; shows and exports "
        "nothing (the children's own writes are audited)"
    ),
}

# Commands of Django and the libraries the project uses, and why none needs an event here.
DATABASE_ADMINISTRATION = (
    "Django's database administration: whoever runs it holds the database's credentials and "
    "the reach of psql, which no application audit can see; for the database administrator "
    "under the operations procedures, never an index team's or an operator's workflow "
    "(docs/operations.md)"
)
NOTHING_OF_A_CHILD = "holds and shows nothing of a child or a source row"
NOT_OURS: dict[str, str] = {
    **dict.fromkeys(
        [
            "dumpdata", "loaddata", "shell", "dbshell", "flush", "sqlflush", "sqlsequencereset",
            "sqlmigrate", "inspectdb", "migrate", "makemigrations", "squashmigrations",
            "optimizemigration", "showmigrations", "createcachetable", "remove_stale_contenttypes",
            "test", "testserver",
        ],
        DATABASE_ADMINISTRATION,
    ),
    **dict.fromkeys(
        [
            "check", "compilemessages", "makemessages", "diffsettings", "startapp",
            "startproject", "collectstatic", "findstatic", "sendtestemail",
        ],
        NOTHING_OF_A_CHILD,
    ),
    "runserver": "the development server: each request is audited by audit.middleware",
    "clearsessions": "deletes expired sessions, " + NOTHING_OF_A_CHILD,
    "changepassword": "an account's password (Django's), " + NOTHING_OF_A_CHILD,
    "createsuperuser": "a back-office account (Django's), " + NOTHING_OF_A_CHILD,
    "addstatictoken": "a two-factor recovery code (django-otp), " + NOTHING_OF_A_CHILD,
    "db_worker": "runs the queued tasks; each task audits what it reads and writes",
    "prune_db_task_results": "deletes finished tasks' results, " + NOTHING_OF_A_CHILD,
    "cleartokens": "deletes expired API tokens (django-oauth-toolkit), " + NOTHING_OF_A_CHILD,
    "createapplication": "an OAuth application (django-oauth-toolkit), " + NOTHING_OF_A_CHILD,
    "clearcimdapplications": "OAuth client metadata (django-oauth-toolkit), "
    + NOTHING_OF_A_CHILD,
    **dict.fromkeys(
        [
            "axes_list_attempts", "axes_reset", "axes_reset_failure_logs", "axes_reset_ip",
            "axes_reset_ip_username", "axes_reset_logs", "axes_reset_username",
        ],
        "sign-in lock-outs (django-axes): usernames and addresses, " + NOTHING_OF_A_CHILD,
    ),
}  # fmt: skip


def _subcommands(name: str, app: str) -> Iterator[str]:
    """A command's subcommands (its first positional's choices), or "" for none."""
    parser = load_command_class(app, name).create_parser("childindex", name)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices
            return
        if not action.option_strings and action.choices:
            yield from action.choices
            return
    yield ""


def project_commands() -> set[tuple[str, str]]:
    return {
        (name, sub)
        for name, app in get_commands().items()
        if app.startswith("childindex.")
        for sub in _subcommands(name, app)
    }


def undeclared(
    commands: set[tuple[str, str]],
    audited: dict[tuple[str, str], Invocation],
    exempt: dict[tuple[str, str], str],
) -> list[str]:
    problems = [
        f"childindex {' '.join(filter(None, key))}: neither run in AUDITED nor given a reason"
        for key in sorted(commands - set(audited) - set(exempt))
    ]
    problems += [f"{key}: in both lists" for key in sorted(set(audited) & set(exempt))]
    problems += [
        f"{key}: no such command" for key in sorted((set(audited) | set(exempt)) - commands)
    ]
    return problems


def test_every_project_command_is_run_here_or_has_a_reason_to_need_no_event():
    assert undeclared(project_commands(), AUDITED, NO_EVENT_NEEDED) == []


def test_every_other_command_on_offer_has_a_reason_to_need_no_event():
    others = {name for name, app in get_commands().items() if not app.startswith("childindex.")}
    assert sorted(others - set(NOT_OURS)) == []
    assert sorted(set(NOT_OURS) - others) == []


def test_the_walk_catches_a_new_subcommand_and_a_stale_entry():
    commands = project_commands() | {("feed", "export-everything")}
    problems = undeclared(commands, AUDITED, {**NO_EVENT_NEEDED, ("gone", ""): "old"})
    assert problems == [
        "childindex feed export-everything: neither run in AUDITED nor given a reason",
        "('gone', ''): no such command",
    ]


@pytest.fixture
def imported_feed(feed_county: FeedCounty) -> ImportedFeed:
    feed_county.child("Ruby", "Stone", "2012-01-05")
    mapping = feed_county.tmp / "gp.toml"
    mapping.write_text(feed_county.mapping(), encoding="utf-8")
    feed_county.load(
        [
            feed_county.row("A1", "Ruby", "Stone", "2012-01-05", postcode="ZZ"),
            feed_county.row("A2", "Ruby", "", "", postcode=""),
            feed_county.row("A3", "Rubie", "Stone", "2012-05-01", line1="2 Oak Road"),
        ]
    )
    csv_path = feed_county.write([feed_county.row("B1", "Jack", "Field", "2012-02-03")])
    return ImportedFeed(feed_county, csv_path, mapping, UserFactory.create().username)


def _params():
    for (name, sub), invocation in sorted(AUDITED.items()):
        marks = [pytest.mark.slow] if (name, sub) == ("linkage", "train") else []
        yield pytest.param(name, sub, invocation, id=f"{name} {sub}".strip(), marks=marks)


@pytest.mark.parametrize(("name", "sub", "invocation"), list(_params()))
def test_a_command_touching_children_leaves_an_event_naming_who_ran_it(
    imported_feed: ImportedFeed, name: str, sub: str, invocation: Invocation
):
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    call_command(
        name,
        *filter(None, [sub]),
        *invocation(imported_feed),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    events = list(AuditEvent.objects.filter(id__gt=before))
    assert events, f"childindex {name} {sub} left no audit event"
    for event in events:
        named = event.actor is not None and event.actor.username == imported_feed.username
        assert named or event.actor_label.startswith("childindex "), (
            f"{event.action} names neither the user nor the command: {event.actor_label!r}"
        )


# Refusals by a command that acts for a user (the policy's or the criteria's): each one is an
# event too, outcome denied, naming the user (never what they typed).
REFUSALS: dict[str, tuple[str, Invocation]] = {
    "too little to search": ("search", lambda c: ["--as", c.username, "Ruby"]),
    "a date that is no date": ("search", lambda c: ["--as", c.username, "Ruby", "--dob", "x"]),
}


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
def test_a_commands_refusal_is_an_event_naming_the_user(imported_feed: ImportedFeed, refusal: str):
    name, invocation = REFUSALS[refusal]
    with pytest.raises(CommandError):
        call_command(name, *invocation(imported_feed), stdout=io.StringIO(), stderr=io.StringIO())
    event = AuditEvent.objects.order_by("-id").first()
    assert event is not None and event.actor is not None
    assert (event.actor.username, event.outcome) == (imported_feed.username, EventOutcome.DENIED)
    assert "Ruby" not in str(event.detail)
