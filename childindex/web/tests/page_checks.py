"""GOV.UK page conventions every rendered page must keep: one <h1>, a <title> that starts with
it, every form field labelled, every error in the summary a link to a field on the page, every
id an aria-describedby names present and no id used twice, no Django default error message,
and nothing the CSP forbids (inline styles, scripts without the nonce). The suite runs these
checks on every HTML page its test client receives (conftest.py)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

FIELD_TAGS = {"input", "select", "textarea"}
UNLABELLED_INPUT_TYPES = {"hidden", "submit", "button", "image", "reset"}


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.h1: list[str] = []
        self.title = ""
        self.label_for: set[str] = set()
        self.fields: list[dict[str, str | None]] = []
        self.inline_styles = 0
        self.scripts_without_nonce = 0
        self.ids: set[str] = set()
        self.duplicate_ids: set[str] = set()  # outside charts: each pygal SVG names its own
        self._svg = 0
        self.described_by: list[str] = []  # every id an aria-describedby names
        self.summary_items: list[list[str]] = []  # the hrefs in each error-summary <li>
        self._in: list[str] = []
        self._in_summary = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "svg":
            self._svg += 1
        if attributes.get("id"):
            if attributes["id"] in self.ids and not self._svg:
                self.duplicate_ids.add(attributes["id"])
            self.ids.add(attributes["id"])
        self.described_by.extend((attributes.get("aria-describedby") or "").split())
        classes = (attributes.get("class") or "").split()
        if (
            tag == "ul"
            and "govuk-error-summary__list" in classes
            or tag == "ul"
            and self._in_summary
        ):
            self._in_summary += 1
        if tag == "li" and self._in_summary:
            self.summary_items.append([])
        if tag == "a" and self._in_summary and self.summary_items:
            self.summary_items[-1].append(attributes.get("href") or "")
        if "style" in attributes:
            self.inline_styles += 1
        if tag == "script" and "src" not in attributes and "nonce" not in attributes:
            self.scripts_without_nonce += 1
        if tag == "label" and attributes.get("for"):
            self.label_for.add(attributes["for"])
        if tag in FIELD_TAGS and attributes.get("type") not in UNLABELLED_INPUT_TYPES:
            self.fields.append(attributes)
        if tag in ("h1", "title"):
            self._in.append(tag)
            if tag == "h1":
                self.h1.append("")

    def handle_endtag(self, tag):
        if tag == "svg" and self._svg:
            self._svg -= 1
        if tag == "ul" and self._in_summary:
            self._in_summary -= 1
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data):
        if "h1" in self._in:
            self.h1[-1] += data
        if "title" in self._in:
            self.title += data


# Django's own form and validator messages: a GOV.UK page says what went wrong and how to fix it
# in the service's words instead ("Enter the child's name", "Name must be 200 characters or
# fewer").
DJANGO_DEFAULT_MESSAGES = (
    "This field is required.",
    "Ensure this value has at most",
    "Ensure this value has at least",
    "Ensure this value is less than",
    "Ensure this value is greater than",
    "Select a valid choice.",
    "Enter a valid date.",
    "Enter a valid email address.",
    "Enter a valid value.",
    "Enter a whole number.",
    "Enter a number.",
    "Enter a list of values.",
    "The submitted file is empty.",
    "Null characters are not allowed.",
)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def assert_govuk_page(response) -> None:
    html = response.content.decode()
    page = _PageParser()
    page.feed(html)
    assert len(page.h1) == 1, f"expected one <h1>, found {len(page.h1)}"
    h1, title = _squash(page.h1[0]), _squash(page.title)
    assert title.removeprefix("Error: ").startswith(h1), f"title {title!r} must start with {h1!r}"
    for field in page.fields:
        assert field.get("id") in page.label_for, f"unlabelled field {field.get('name')!r}"
    for hrefs in page.summary_items:
        assert hrefs, "every message in the error summary links to the field it is about"
        for href in hrefs:
            assert href.startswith("#") and href[1:] in page.ids, (
                f"error summary link {href!r} goes to no element on the page"
            )
    missing = sorted(set(page.described_by) - page.ids)
    assert not missing, f"aria-describedby names no element on the page: {missing}"
    assert not page.duplicate_ids, f"ids used twice: {sorted(page.duplicate_ids)}"
    text = _squash(html)
    for default in DJANGO_DEFAULT_MESSAGES:
        assert default not in text, f"Django's default message {default!r} is shown"
    assert page.inline_styles == 0, "inline style attributes break the CSP"
    assert page.scripts_without_nonce == 0, "inline scripts need the CSP nonce"
