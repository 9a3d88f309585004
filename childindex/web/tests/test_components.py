"""The GOV.UK component partials (templates/components/) render GOV.UK Frontend's markup: the
hint and the error message have ids, the field or its fieldset names both in aria-describedby,
the form group and the field carry the error classes, and a group is a fieldset with a legend.
Each is rendered here with and without a hint and an error, as the pages use them."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.template.loader import render_to_string

from childindex.web.forms.base import GovukForm
from childindex.web.tests.page_checks import _PageParser


class Example(GovukForm):
    colour = forms.ChoiceField(
        label="Colour", choices=[("red", "Red"), ("blue", "Blue")], widget=forms.RadioSelect
    )
    name = forms.CharField(label="Name", max_length=20)
    size = forms.ChoiceField(label="Size", choices=[("", "Choose"), ("s", "Small")])
    first = forms.BooleanField(label="First", required=False)
    second = forms.BooleanField(label="Second", required=False)


def _form(with_errors: bool) -> Example:
    form = Example(data={"colour": "red", "name": "Ann", "size": "s"})
    form.is_valid()
    if with_errors:
        for field in ("colour", "name", "size", "second"):
            form.add_error(field, f"Fix the {field}")
    return form


def _render(template: str, **context) -> str:
    return render_to_string(f"components/{template}.html", context)


def _attribute(html: str, tag: str, name: str) -> str | None:
    match = re.search(rf"<{tag}\b[^>]*\b{name}=\"([^\"]*)\"", html)
    return match.group(1) if match else None


def _ids(html: str) -> set[str]:
    parser = _PageParser()
    parser.feed(html)
    return parser.ids


COMPONENTS = [
    ("radios", "fieldset", "id_colour", lambda f: {"field": f["colour"]}),
    ("input", "input", "id_name", lambda f: {"field": f["name"]}),
    ("select", "select", "id_size", lambda f: {"field": f["size"]}),
    ("checkboxes", "fieldset", "id_first", lambda f: {"fields": [f["first"], f["second"]]}),
]


@pytest.mark.parametrize(("template", "described", "id_", "context"), COMPONENTS)
def test_a_hint_and_an_error_are_named_by_the_field_or_its_fieldset(
    template, described, id_, context
):
    html = _render(template, hint="A hint", legend="Legend", **context(_form(True)))
    assert _attribute(html, described, "aria-describedby") == f"{id_}-hint {id_}-error"
    assert {f"{id_}-hint", f"{id_}-error"} <= _ids(html)
    assert "govuk-form-group--error" in html
    assert '<span class="govuk-visually-hidden">Error:</span> Fix the' in html
    assert html.count('class="govuk-error-message"') == 1


@pytest.mark.parametrize(("template", "described", "id_", "context"), COMPONENTS)
def test_without_a_hint_or_an_error_nothing_is_described(template, described, id_, context):
    html = _render(template, legend="Legend", **context(_form(False)))
    assert _attribute(html, described, "aria-describedby") is None
    assert "govuk-form-group--error" not in html
    assert "govuk-error-message" not in html


@pytest.mark.parametrize(("template", "described", "id_", "context"), COMPONENTS)
def test_an_error_without_a_hint_is_described_by_the_error_alone(template, described, id_, context):
    html = _render(template, legend="Legend", **context(_form(True)))
    assert _attribute(html, described, "aria-describedby") == f"{id_}-error"


def test_the_field_itself_carries_the_error_class():
    form = _form(True)
    assert "govuk-input--error" in _render("input", field=form["name"])
    assert "govuk-select--error" in _render("select", field=form["size"])


def test_groups_are_a_fieldset_with_a_legend():
    form = _form(False)
    for html in (
        _render("radios", field=form["colour"]),
        _render("checkboxes", fields=[form["first"], form["second"]], legend="Choose"),
    ):
        assert '<fieldset class="govuk-fieldset"' in html
        assert '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">' in html
    assert ">Colour</legend>" in _render("radios", field=form["colour"])  # the field's label


def test_an_input_keeps_its_value_but_a_one_time_code_is_never_shown_back():
    form = _form(False)
    assert 'value="Ann"' in _render("input", field=form["name"])
    assert "value=" not in _render("input", field=form["name"], show_value=False)
    assert 'maxlength="20"' in _render("input", field=form["name"])


def test_a_button_and_a_link_that_looks_like_one():
    assert _render("button", text="Save").strip() == (
        '<button type="submit" class="govuk-button" data-module="govuk-button">Save</button>'
    )
    link = _render("button", text="Suspend", href="/x/", classes="govuk-button--warning").strip()
    assert link.startswith('<a href="/x/" role="button" draggable="false"')
    assert 'class="govuk-button govuk-button--warning" data-module="govuk-button"' in link
