"""Given-name variants: nicknames and common spellings (Alfie/Alfred, Bill/William).

A minimal table so that search can treat a nickname as the same given name. (The generator's
fuller table replaces this module on merge; the one function keeps its name and signature.)
"""

from __future__ import annotations

from functools import cache

# Each group is one name and its usual short forms and spellings. Lower case, ASCII.
_GROUPS: tuple[tuple[str, ...], ...] = (
    ("alfred", "alfie", "alf", "fred", "freddie"),
    ("frederick", "freddie", "freddy", "fred"),
    ("william", "bill", "billy", "will", "willie", "liam"),
    ("robert", "bob", "bobby", "rob", "robbie", "bert"),
    ("richard", "rick", "ricky", "dick", "richie"),
    ("edward", "ed", "eddie", "ted", "teddy", "ned"),
    ("james", "jim", "jimmy", "jamie"),
    ("john", "jack", "johnny", "jon"),
    ("jonathan", "jon", "jonny", "johnny"),
    ("joseph", "joe", "joey"),
    ("thomas", "tom", "tommy"),
    ("charles", "charlie", "chas", "chuck"),
    ("henry", "harry", "hal", "hank"),
    ("harrison", "harry"),
    ("alexander", "alex", "alec", "xander", "sandy"),
    ("alexandra", "alex", "lexi", "sandra"),
    ("benjamin", "ben", "benny", "benji"),
    ("samuel", "sam", "sammy"),
    ("samantha", "sam", "sammy"),
    ("daniel", "dan", "danny"),
    ("michael", "mike", "mikey", "mick", "micky"),
    ("matthew", "matt", "matty"),
    ("nicholas", "nick", "nicky"),
    ("christopher", "chris", "kit"),
    ("anthony", "tony", "ant"),
    ("andrew", "andy", "drew"),
    ("joshua", "josh"),
    ("oliver", "ollie", "olly"),
    ("archibald", "archie"),
    ("theodore", "theo", "teddy"),
    ("zachary", "zach", "zack"),
    ("nathaniel", "nathan", "nate", "nat"),
    ("muhammad", "mohammed", "mohammad", "mohamed", "muhammed", "mohamad"),
    ("elizabeth", "liz", "lizzie", "beth", "betty", "eliza", "libby", "elsie"),
    ("margaret", "maggie", "meg", "peggy", "daisy"),
    ("katherine", "kate", "katie", "kathy", "kat", "catherine", "kathryn"),
    ("rebecca", "becky", "becca"),
    ("jennifer", "jenny", "jen"),
    ("victoria", "vicky", "tori"),
    ("abigail", "abbie", "abby"),
    ("isabella", "bella", "izzy", "isabel", "isobel"),
    ("amelia", "millie", "amy"),
    ("olivia", "liv", "livvy"),
    ("eleanor", "ellie", "nell", "nora"),
    ("charlotte", "lottie", "charlie"),
    ("florence", "flo", "florrie"),
    ("josephine", "josie", "jo"),
    ("susan", "sue", "susie"),
    ("deborah", "debbie", "deb"),
    ("patricia", "pat", "patty", "trish"),
    ("stephen", "steven", "steve"),
    ("philip", "phillip", "phil"),
    ("sean", "shaun", "shawn"),
    ("aisha", "ayesha"),
    ("zoe", "zoey"),
)


@cache
def _index() -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}
    for group in _GROUPS:
        for name in group:
            index.setdefault(name, set()).update(group)
    return {name: frozenset(names) for name, names in index.items()}


def name_variants(given: str) -> set[str]:
    """The given name and its known variants, lower case: ``"Bill"`` -> {bill, william, ...}."""
    key = (given or "").strip().lower()
    if not key:
        return set()
    return set(_index().get(key, frozenset())) | {key}
