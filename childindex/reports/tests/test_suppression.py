import pytest

from childindex.reports.suppression import Count, share


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_a_count_under_five_is_shown_as_fewer_than_5(n):
    assert Count(n).shown == "fewer than 5"
    assert Count(n).suppressed


@pytest.mark.parametrize("n,shown", [(0, "0"), (5, "5"), (1234, "1,234")])
def test_zero_and_five_or_more_are_shown(n, shown):
    assert Count(n).shown == shown


def test_a_share_built_on_a_suppressed_count_is_suppressed():
    assert share(3, 100) == "fewer than 5"
    assert share(50, 4) == "–"
    assert share(50, 200) == "25.0%"
