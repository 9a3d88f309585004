"""Given names that stand for the same person (used by the feeds' errors, search and linkage)."""

from __future__ import annotations

import pytest

from childindex.linkage.nicknames import (
    NICKNAMES,
    fold,
    name_variants,
    nicknames_of,
    spellings_of,
)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Alfred", {"Alfie", "Alf"}),
        ("William", {"Will", "Bill", "Billy"}),
        ("Elizabeth", {"Liz", "Beth", "Lizzie", "Betty"}),
        ("Mohammed", {"Mo", "Muhammad", "Mohammad"}),
        ("Alexander", {"Alex", "Xander"}),
        ("Aisha", {"Ayesha"}),
    ],
)
def test_a_formal_name_has_its_nicknames_and_spellings(given, expected):
    assert expected <= name_variants(given)


def test_a_nickname_leads_back_to_the_formal_name_and_its_other_nicknames():
    assert {"William", "Will", "Billy"} <= name_variants("Bill")
    assert {"Mohammed", "Muhammad"} <= name_variants("Mo")


def test_matching_ignores_case_accents_and_spaces_and_keeps_the_name_as_written():
    assert "Alfie" in name_variants("  alfred ")
    assert "alfred" in name_variants("alfred")
    assert {"Zoe", "Zoë", "Zoey"} <= name_variants("ZOE")
    assert name_variants("") == set()


def test_a_shared_nickname_does_not_chain_to_unrelated_names():
    # Alex stands for Alexander or Alexandra, but Alexander is not Sandra.
    assert "Sandra" not in name_variants("Alexander")
    assert "Oliver" not in name_variants("Olivia")


def test_a_name_without_variants_is_only_itself():
    assert name_variants("Hamish") == {"Hamish"}


def test_fold_spells_letters_out_in_ascii():
    assert fold("Łukasz Wiśniewski") == "Lukasz Wisniewski"
    assert fold("Yılmaz") == "Yilmaz"
    assert fold("Siobhán") == "Siobhan"


def test_nicknames_and_spellings_are_sorted_and_exclude_the_name():
    assert nicknames_of("Alfred") == ("Alf", "Alfie", "Fred", "Freddie")
    assert "Mohammed" not in spellings_of("Mohammed")
    assert all(formal not in nicks for formal, nicks in NICKNAMES.items())
