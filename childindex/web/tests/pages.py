"""GOV.UK page conventions for the journey's tests: the project's ``page_checks`` (one <h1>, a
<title> starting with it, every field labelled, nothing the CSP forbids), usable on a response
or on HTML a browser rendered, returning the h1 so a test can say which page it is on."""

from __future__ import annotations

import re
from types import SimpleNamespace

from childindex.web.tests import page_checks


def assert_govuk_page(response_or_html) -> str:
    """Assert the conventions; returns the page's h1 text."""
    html = (
        response_or_html.content.decode()
        if hasattr(response_or_html, "content")
        else str(response_or_html)
    )
    page_checks.assert_govuk_page(SimpleNamespace(content=html.encode()))
    parser = page_checks._PageParser()  # noqa: SLF001 - the same parser, for the h1's text
    parser.feed(html)
    return re.sub(r"\s+", " ", parser.h1[0]).strip()
