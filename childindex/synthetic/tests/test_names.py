"""The name lists are package data (``names.json``), read once when ``names`` is imported."""

from __future__ import annotations

import json
from importlib import resources

from childindex.synthetic import names


def test_the_names_come_from_the_package_data_file():
    text = resources.files("childindex.synthetic").joinpath("names.json").read_text("utf-8")
    data = json.loads(text)
    assert tuple(data["lists"]["british_girls"]) == names.BRITISH_GIRLS
    assert [o.key for o in names.ORIGINS] == [o["key"] for o in data["origins"]]
    english = names.ORIGINS_BY_KEY["english"]
    assert english.girls is names.BRITISH_GIRLS  # a shared list is named, not copied
    assert english.surnames is names.ENGLISH_SURNAMES


def test_every_origin_has_names_of_each_kind_and_a_positive_weight():
    for origin in names.ORIGINS:
        assert origin.weight > 0 and 0 <= origin.british_given_share <= 1
        for pool in (origin.girls, origin.boys, origin.surnames, origin.countries):
            assert pool and all(isinstance(n, str) and n.strip() == n and n for n in pool)
    assert names.surname_spellings("Smith") == ("Smyth", "Smithe")
