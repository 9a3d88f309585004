# ruff: noqa: SIM905 - word lists are easier to read as one string
"""A quick synthetic population for the search benchmark when the generator is not available.

Made-up names (a Zipf-like spread of common given names and a long tail of composed surnames),
families of siblings sharing a surname and an address, twins, former names, moves, NHS numbers
from the 999 test range, and a few shielded records. Bulk-inserted, then the search keys are
rebuilt in one pass — as the generator's ``--load`` does.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from childindex.core.identifiers import new_index_number, synthetic_nhs_number
from childindex.directory.models import LocalAuthority
from childindex.records.models import (
    AddressStatus,
    Child,
    ChildAddress,
    ChildIdentifier,
    ChildName,
    NameKind,
)

GIRLS = (
    "Olivia Amelia Isla Ava Ivy Freya Lily Florence Mia Willow Rosie Sophia Isabella Grace Daisy "
    "Sienna Poppy Elsie Emily Ella Evelyn Phoebe Sofia Evie Charlotte Harper Millie Matilda Maya "
    "Sophie Alice Emilia Isabelle Ruby Luna Maeve Margot Mila Aria Chloe Lucy Violet Esme Ellie "
    "Bonnie Thea Layla Hallie Eliza Zara Jessica Nancy Eva Penelope Harriet Imogen Orla Aisha "
    "Fatima Maryam Zainab Hannah Amber Erin Molly Holly Scarlett Lottie Bella Abigail Katherine "
    "Elizabeth Rebecca Victoria Eleanor Josephine Zoe Anne-Marie Mary-Jane Niamh Siobhan Aoife"
).split()
BOYS = (
    "Muhammad Noah Oliver George Arthur Leo Harry Oscar Archie Henry Theodore Freddie Jack Charlie "
    "Theo Alfie Jacob Thomas Finley Arlo William Lucas Roman Tommy Isaac Teddy Alexander Luca "
    "Edward James Joshua Albert Max Reuben Mohammed Elijah Ezra Sebastian Adam Hugo Louie Jude "
    "Ronnie Harrison Mason Rory Ibrahim Joseph Frederick Samuel Daniel Benjamin Michael Matthew "
    "Nathaniel Zachary Ethan Dylan Logan Liam Aaron Jayden Kai Riley Toby Ollie Stanley Jenson "
    "Caleb Ali Omar Yusuf Hamza Bilal Kofi Kwame Tariq Dominic Patrick Sean Declan Robert Richard"
).split()
SURNAME_COMMON = (
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson "
    "Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson "
    "Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen "
    "James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook "
    "Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan Marshall Anderson "
    "Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Ali "
    "Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell "
    "Barker Fisher Stevens Jenkins Murray Dixon Harvey Graham Pearson Ahmed Fletcher Walsh Kaur "
    "Gibson Howard Andrews Stewart Elliott Reynolds Saunders Payne Fox Ford Pearce Day Brooks "
    "West Lawrence Cole Atkinson Bradley Spencer Gill Dawson Ball Burton O'Brien Watts Rose "
    "Booth Perry Ryan Grant Wells Armstrong Francis Rees Hayes Hart Hudson Newman Barrett Webster "
    "Hunter Gregory Carr Lowe Page Marsh Riley Dunn Woods Parsons Berry Stone Reid Holland Hawkins "
    "Harding Porter Robertson Newton Oliver Reed Kennedy Williamson Bird Gardner Shah Dean Lane "
    "Cooke Bates Henderson Parry Burgess Bishop Walton Burns Nicholson Shepherd Ross Cross Long "
    "Freeman Warren Nicholls Hamilton Byrne Sutton McDonald Yates Hodgson Robson Curtis Hopkins "
    "O'Connor Harper Coleman Watkins Moss McCarthy Chambers O'Neill Griffin Sharp Hardy Wheeler "
    "Potter Osborne Johnston Gordon Doyle Wallace George Jordan Hutchinson Rowe Burke May Pritchard"
).split()
_FRONT = (
    "Ash Bell Black Brad Brook Cald Cart Chal Dal Dun Elm Fair Fen Hal Har Hol Kirk Lang".split()
)
_FRONT += (
    "Lind Mar Mid New North Oak Pen Ray Red Ros Sand Sel Shel South Stan Thorn Wal Wes".split()
)
_BACK = "bury by croft dale field ford gate ham hurst ley low mere more ridge stead ton well wick"
_BACK += " worth wood"
SURNAME_TAIL = [f + b for f in _FRONT for b in _BACK.split()]
DISTRICTS = [f"TN{n}" for n in range(1, 41)] + [f"BN{n}" for n in range(1, 28)]
DISTRICTS += [f"RH{n}" for n in range(10, 20)] + [f"ME{n}" for n in range(1, 21)]
TOWNS = "Hastings Bexhill Rye Battle Lewes Eastbourne Crowborough Uckfield Hailsham Seaford".split()
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def _zipf(n: int, s: float) -> list[float]:
    return [1 / (rank**s) for rank in range(1, n + 1)]


class Names:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.surnames = SURNAME_COMMON + SURNAME_TAIL
        self.surname_weights = _zipf(len(SURNAME_COMMON), 0.8) + [0.004] * len(SURNAME_TAIL)
        self.girls_w = _zipf(len(GIRLS), 0.7)
        self.boys_w = _zipf(len(BOYS), 0.7)

    def surname(self) -> str:
        name = self.rng.choices(self.surnames, self.surname_weights)[0]
        if self.rng.random() < 0.03:  # a double-barrelled surname
            name += "-" + self.rng.choices(self.surnames, self.surname_weights)[0]
        return name

    def given(self, female: bool) -> str:
        pool, weights = (GIRLS, self.girls_w) if female else (BOYS, self.boys_w)
        first = self.rng.choices(pool, weights)[0]
        if self.rng.random() < 0.25:  # a middle name
            first += " " + self.rng.choices(pool, weights)[0]
        return first


def _postcode(rng: random.Random, district: str) -> str:
    return f"{district} {rng.randint(0, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"


def build_population(children: int, *, seed: int = 1, today: dt.date | None = None) -> int:
    """Insert about ``children`` children in families; returns how many were made."""
    from childindex.records.search_index import search_index_rebuild

    rng = random.Random(seed)
    today = today or dt.date.today()
    names = Names(rng)
    la, _ = LocalAuthority.objects.get_or_create(
        code="E10000011",
        defaults={
            "name": "East Sussex (synthetic)",
            "nation": "england",
            "index_team_phone": "01632 960 100",
            "index_team_email": "index-team@example.org",
        },
    )
    next_id = (Child.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    made = 0
    seen_index: set[str] = set()
    seen_nhs: set[str] = set()
    batch_children, batch_names, batch_addresses, batch_ids = [], [], [], []

    def flush():
        with transaction.atomic():
            Child.objects.bulk_create(batch_children)
            ChildName.objects.bulk_create(batch_names)
            ChildAddress.objects.bulk_create(batch_addresses)
            ChildIdentifier.objects.bulk_create(batch_ids)
        for batch in (batch_children, batch_names, batch_addresses, batch_ids):
            batch.clear()

    while made < children:
        family = names.surname()
        district = rng.choice(DISTRICTS)
        postcode = _postcode(rng, district)
        town = rng.choice(TOWNS)
        moved_from = _postcode(rng, rng.choice(DISTRICTS)) if rng.random() < 0.15 else None
        size = rng.choices([1, 2, 3, 4], [45, 35, 14, 6])[0]
        births: list[dt.date] = []
        for _ in range(size):
            born = today - dt.timedelta(days=rng.randint(1, 18 * 365))
            births.append(born)
            if rng.random() < 0.015:
                births.append(born)  # twins
        for born in births:
            if made >= children:
                break
            female = rng.random() < 0.49
            index_number = new_index_number(rng)
            while index_number in seen_index:
                index_number = new_index_number(rng)
            seen_index.add(index_number)
            shielded = rng.random() < 0.003
            child = Child(
                pk=next_id,
                index_number=index_number,
                date_of_birth=born,
                gender="female" if female else "male",
                responsible_la=la,
                shielded=shielded,
                shield_review_on=today + dt.timedelta(days=180) if shielded else None,
            )
            batch_children.append(child)
            given = names.given(female)
            batch_names.append(ChildName(child_id=next_id, given_names=given, family_name=family))
            if rng.random() < 0.05:
                batch_names.append(
                    ChildName(
                        child_id=next_id,
                        kind=NameKind.FORMER,
                        given_names=given,
                        family_name=names.surname(),
                    )
                )
            moved = moved_from and born < today - dt.timedelta(days=60)
            if moved:
                batch_addresses.append(
                    ChildAddress(
                        child_id=next_id,
                        status=AddressStatus.KNOWN,
                        line_1=f"{rng.randint(1, 200)} Old Road",
                        town=town,
                        postcode=moved_from,
                        local_authority=la,
                        lived_from=born,
                        lived_until=today - dt.timedelta(days=30),
                    )
                )
            batch_addresses.append(
                ChildAddress(
                    child_id=next_id,
                    status=AddressStatus.KNOWN,
                    line_1=f"{rng.randint(1, 200)} High Street",
                    town=town,
                    postcode=postcode,
                    local_authority=la,
                    lived_from=today - dt.timedelta(days=29) if moved else born,
                )
            )
            if rng.random() < 0.9:
                nhs = synthetic_nhs_number(rng)
                while nhs in seen_nhs:
                    nhs = synthetic_nhs_number(rng)
                seen_nhs.add(nhs)
                batch_ids.append(ChildIdentifier(child_id=next_id, type="nhs", value=nhs))
            next_id += 1
            made += 1
        if len(batch_children) >= 5000:
            flush()
    flush()
    search_index_rebuild()
    return made
