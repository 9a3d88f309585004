"""GOV.UK page conventions every rendered page must keep: one <h1>, a <title> that starts with
it, every form field labelled, and nothing the CSP forbids (inline styles, scripts without the
nonce)."""

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
        self._in: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
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
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data):
        if "h1" in self._in:
            self.h1[-1] += data
        if "title" in self._in:
            self.title += data


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
    assert page.inline_styles == 0, "inline style attributes break the CSP"
    assert page.scripts_without_nonce == 0, "inline scripts need the CSP nonce"
