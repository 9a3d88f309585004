"""One path from a service's ValidationError or PermissionDenied to the page: web.service_errors.
Its functions put each reason where the person can act on it, and every views module that
catches a service's error hands it to them (an AST walk, proved able to fail)."""

from __future__ import annotations

import ast
import inspect

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError

from childindex.web import service_errors
from childindex.web.service_errors import REFUSED, add_to_form, first_message
from childindex.web.tests.test_default_deny import web_views_modules

SERVICE_ERRORS = {"ValidationError", "PermissionDenied", "AccessRefused"}
THE_PATH = {  # the functions service_errors defines (not those it imports)
    name
    for name, function in inspect.getmembers(service_errors, inspect.isfunction)
    if function.__module__ == service_errors.__name__
}


class DatesForm(forms.Form):
    index_number = forms.CharField(required=False)
    day = forms.CharField(required=False)


def _form() -> DatesForm:
    form = DatesForm(data={})
    form.is_valid()
    return form


def test_a_reason_goes_against_the_field_it_names_mapped_or_of_the_same_name():
    form = _form()
    exc = ValidationError({"index_number": "No such record", "review_on": "Must be in the future"})
    add_to_form(form, exc, {"review_on": "day"})
    assert form.errors == {"index_number": ["No such record"], "day": ["Must be in the future"]}


def test_a_reason_that_names_no_field_of_the_form_goes_to_the_default_field_or_the_form():
    to_day, to_form = _form(), _form()
    add_to_form(to_day, ValidationError({"review_on": "Must be in the future"}), field="day")
    add_to_form(to_form, ValidationError("This record is not shielded."))
    assert to_day.errors == {"day": ["Must be in the future"]}
    assert to_form.non_field_errors() == ["This record is not shielded."]


def test_a_refusal_is_one_sentence_and_never_empty():
    form = _form()
    add_to_form(form, PermissionDenied("Only a child-protection practitioner can do that."))
    assert form.non_field_errors() == ["Only a child-protection practitioner can do that."]
    assert first_message(PermissionDenied()) == REFUSED


def _service_error_handlers(source: str) -> list[tuple[int, bool]]:
    """Each ``except`` clause that catches a service's error: its line, and whether it calls
    a function of service_errors."""
    handlers = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ExceptHandler) or node.type is None:
            continue
        caught = {
            n.id if isinstance(n, ast.Name) else n.attr
            for n in ast.walk(node.type)
            if isinstance(n, ast.Name | ast.Attribute)
        }
        if not caught & SERVICE_ERRORS:
            continue
        called = {
            n.func.id if isinstance(n.func, ast.Name) else getattr(n.func, "attr", "")
            for statement in node.body
            for n in ast.walk(statement)
            if isinstance(n, ast.Call)
        }
        handlers.append((node.lineno, bool(called & THE_PATH)))
    return handlers


def _handlers_off_the_path(name: str, source: str) -> list[str]:
    return [f"{name}:{line}" for line, on_path in _service_error_handlers(source) if not on_path]


def test_every_view_hands_a_services_error_to_service_errors():
    sources = {m.__name__: inspect.getsource(m) for m in web_views_modules()}
    assert sum(len(_service_error_handlers(text)) for text in sources.values()) >= 15
    problems = [p for name, text in sources.items() for p in _handlers_off_the_path(name, text)]
    assert problems == []


def test_the_walk_finds_a_view_that_shows_a_services_error_its_own_way():
    source = (
        "def view(request, form):\n"
        "    try:\n"
        "        pass\n"
        "    except ValidationError as exc:\n"
        "        form.add_error(None, exc.messages[0])\n"
        "    except (ValueError, policy.AccessRefused) as exc:\n"
        "        return render(request, 'x.html', {'reason': str(exc)})\n"
        "    except PermissionDenied as exc:\n"
        "        add_to_form(form, exc)\n"
        "    except LookupError:\n"
        "        pass\n"
    )
    assert _handlers_off_the_path("stand_in", source) == ["stand_in:4", "stand_in:6"]
