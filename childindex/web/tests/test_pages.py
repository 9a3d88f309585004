"""The page helper itself must be able to fail."""

import pytest

from childindex.web.tests.pages import assert_govuk_page


def page(title, body):
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>"


def test_a_conforming_page_passes():
    html = page(
        "Find a child – service", '<h1>Find a child</h1><label for="a">A</label><input id="a">'
    )
    assert assert_govuk_page(html) == "Find a child"


@pytest.mark.parametrize(
    "html",
    [
        page("X", "<p>no heading</p>"),
        page("A", "<h1>A</h1><h1>B</h1>"),
        page("Something else", "<h1>A page</h1>"),
        page("A page", '<h1>A page</h1><input id="x" type="text">'),
        page("A page", "<h1>A page</h1><select name='s'></select>"),
    ],
)
def test_a_page_breaking_a_convention_fails(html):
    with pytest.raises(AssertionError):
        assert_govuk_page(html)
