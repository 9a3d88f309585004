"""GOV.UK page conventions, asserted on every page a test renders.

One ``<h1>``; a ``<title>`` that starts with the h1's text (after "Error: " on a page with
errors); every input, select and textarea labelled (a ``<label for>``, ``aria-label`` or
``aria-labelledby``).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.h1s: list[str] = []
        self.title = ""
        self.labels: set[str] = set()
        self.fields: list[dict[str, str]] = []
        self._in: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = {k: v or "" for k, v in attrs}
        if tag in ("h1", "title"):
            self._in.append(tag)
            if tag == "h1":
                self.h1s.append("")
        if tag == "label" and attributes.get("for"):
            self.labels.add(attributes["for"])
        if tag in ("input", "select", "textarea"):
            if tag == "input" and attributes.get("type", "text") in UNLABELLED_TYPES:
                return
            self.fields.append({"tag": tag, **attributes})

    def handle_endtag(self, tag):
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data):
        if "h1" in self._in:
            self.h1s[-1] += data
        elif "title" in self._in:
            self.title += data


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def assert_govuk_page(response_or_html) -> str:
    """Assert the conventions; returns the page's h1 text."""
    html = (
        response_or_html.content.decode()
        if hasattr(response_or_html, "content")
        else str(response_or_html)
    )
    page = _Page()
    page.feed(html)
    assert len(page.h1s) == 1, f"expected one <h1>, found {len(page.h1s)}"
    heading = _squash(page.h1s[0])
    title = _squash(page.title)
    assert title.removeprefix("Error: ").startswith(heading), (
        f"<title> {title!r} does not start with the <h1> {heading!r}"
    )
    for field in page.fields:
        labelled = (
            field.get("id") in page.labels
            or field.get("aria-label")
            or field.get("aria-labelledby")
        )
        assert labelled, f"unlabelled form field: {field}"
    return heading
