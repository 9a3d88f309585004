"""Invented places and contact details for the synthetic population. Plain Python, no Django.

Nothing here is real: local authority names and ONS-style codes are made up (code ...99),
postcode areas are two-letter areas the Royal Mail does not use (format-valid, never
deliverable), telephone numbers come from Ofcom's ranges reserved for drama, and e-mail
domains end in ``.example`` or ``.invalid`` (reserved by RFC 2606).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from childindex.linkage.nicknames import fold

DEFAULT_LA_CODE = "E10000099"
ONS_CODE = re.compile(r"^[ENSW][0-9]{8}$")

# code -> (name, postcode area). The names are invented and belong to no real authority.
KNOWN_LAS: dict[str, tuple[str, str]] = {
    "E10000099": ("Wealdshire", "WE"),
    "E06000099": ("Marshford", "MO"),
    "E08000099": ("Eastbridge", "EA"),
    "E09000099": ("Riverholm", "RI"),
    "W06000099": ("Cwm Tawel", "CE"),
    "S12000099": ("Glenarden", "GA"),
    "N09000099": ("Loughmore", "LO"),
}
SPARE_LA_NAMES = (
    "Brackenshire",
    "Fenwold",
    "Hollowmere",
    "Kestrel Vale",
    "Northmarsh",
    "Saltmere",
    "Upper Wendle",
    "Westholme",
    "Ambermoor",
    "Dunmere",
    "Elmsworth",
    "Foxleigh",
    "Greywater",
    "Harrowdene",
    "Ivymoor",
    "Larkhollow",
    "Oakhaven",
    "Pennymead",
    "Quarrydale",
    "Rookwood Vale",
    "Stonemere",
    "Thistlecombe",
    "Willowmarsh",
    "Yarrowfield",
)
KNOWN_NAMES = frozenset(name for name, _area in KNOWN_LAS.values())
NATIONS = {"E": "england", "W": "wales", "S": "scotland", "N": "northern_ireland"}

# Postcode areas in use (so never generated); every other two-letter area is free.
_REAL_AREAS = frozenset(
    {
        "AB",
        "AL",
        "BA",
        "BB",
        "BD",
        "BH",
        "BL",
        "BN",
        "BR",
        "BS",
        "BT",
        "CA",
        "CB",
        "CF",
        "CH",
        "CM",
        "CO",
        "CR",
        "CT",
        "CV",
        "CW",
        "DA",
        "DD",
        "DE",
        "DG",
        "DH",
        "DL",
        "DN",
        "DT",
        "DY",
        "EC",
        "EH",
        "EN",
        "EX",
        "FK",
        "FY",
        "GL",
        "GU",
        "GY",
        "HA",
        "HD",
        "HG",
        "HP",
        "HR",
        "HS",
        "HU",
        "HX",
        "IG",
        "IM",
        "IP",
        "IV",
        "JE",
        "KA",
        "KT",
        "KW",
        "KY",
        "LA",
        "LD",
        "LE",
        "LL",
        "LN",
        "LS",
        "LU",
        "ME",
        "MK",
        "ML",
        "NE",
        "NG",
        "NN",
        "NP",
        "NR",
        "NW",
        "OL",
        "OX",
        "PA",
        "PE",
        "PH",
        "PL",
        "PO",
        "PR",
        "RG",
        "RH",
        "RM",
        "SA",
        "SE",
        "SG",
        "SK",
        "SL",
        "SM",
        "SN",
        "SO",
        "SP",
        "SR",
        "SS",
        "ST",
        "SW",
        "SY",
        "TA",
        "TD",
        "TF",
        "TN",
        "TQ",
        "TR",
        "TS",
        "TW",
        "UB",
        "WA",
        "WC",
        "WD",
        "WF",
        "WN",
        "WR",
        "WS",
        "WV",
        "YO",
        "ZE",
    }
)
_FREE_AREAS = tuple(
    a + b
    for a in "ABCDEFGHIJKLMNOPRSTUWYZ"
    for b in "ABCDEFGHKLMNOPQRSTUVWXY"
    if a + b not in _REAL_AREAS
)
# The inward code's letters (the Royal Mail never uses C, I, K, M, O or V there).
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

STREET_PREFIXES = (
    "Acorn",
    "Alder",
    "Ash",
    "Aspen",
    "Badger",
    "Beech",
    "Birch",
    "Blackthorn",
    "Bluebell",
    "Bramble",
    "Briar",
    "Brook",
    "Buttercup",
    "Cedar",
    "Chapel",
    "Cherry",
    "Chestnut",
    "Church",
    "Clover",
    "Copper",
    "Coppice",
    "Cowslip",
    "Crescent",
    "Daisy",
    "Dove",
    "Elder",
    "Elm",
    "Fern",
    "Field",
    "Finch",
    "Foxglove",
    "Furze",
    "Gorse",
    "Granary",
    "Hawthorn",
    "Hazel",
    "Heather",
    "Heron",
    "Highfield",
    "Holly",
    "Honeysuckle",
    "Hop",
    "Juniper",
    "Kestrel",
    "Kiln",
    "Lapwing",
    "Larch",
    "Lark",
    "Laurel",
    "Lavender",
    "Lilac",
    "Lime",
    "Linden",
    "Magpie",
    "Maple",
    "Meadow",
    "Mill",
    "Mulberry",
    "Nightingale",
    "Oak",
    "Orchard",
    "Osprey",
    "Otter",
    "Paddock",
    "Pear",
    "Pine",
    "Plover",
    "Poplar",
    "Primrose",
    "Quarry",
    "Rectory",
    "Robin",
    "Rookery",
    "Rowan",
    "Saffron",
    "School",
    "Sedge",
    "Sorrel",
    "Spinney",
    "Spring",
    "Station",
    "Swallow",
    "Sycamore",
    "Tannery",
    "Teasel",
    "Thistle",
    "Thrush",
    "Vicarage",
    "Walnut",
    "Warren",
    "Water",
    "Weaver",
    "Well",
    "Wheatsheaf",
    "Willow",
    "Windmill",
    "Wren",
    "Yew",
    "Kingfisher",
    "Bishops",
    "Cooper",
    "Fletcher",
    "Goldcrest",
    "Harebell",
    "Ivy",
    "Marigold",
    "Nutmeg",
    "Partridge",
    "Pheasant",
    "Rosemary",
    "Skylark",
    "Tansy",
    "Wagtail",
    "Woodpecker",
)
STREET_SUFFIXES = (
    "Road",
    "Lane",
    "Close",
    "Way",
    "Avenue",
    "Drive",
    "Gardens",
    "Grove",
    "Place",
    "Street",
    "Crescent",
    "Court",
    "Rise",
    "View",
    "Mews",
    "Walk",
    "Row",
    "Terrace",
    "Green",
    "Meadows",
    "Park",
    "Square",
    "Hill",
    "End",
)
_STREETS = len(STREET_PREFIXES) * len(STREET_SUFFIXES)
BUILDING_NAMES = (
    "Court",
    "House",
    "Lodge",
    "Heights",
    "Point",
    "Mansions",
    "Buildings",
    "Wharf",
)
TOWN_PARTS = (
    (
        "Ash",
        "Brack",
        "Cold",
        "Elm",
        "Fern",
        "Hazel",
        "Kings",
        "Mill",
        "Oak",
        "Rook",
        "Stan",
        "Thorn",
        "Wick",
        "Wold",
        "Bram",
        "Hart",
        "Lark",
        "Marl",
        "Pen",
        "Sand",
        "Bur",
        "Chal",
        "Dun",
        "Egg",
        "Fal",
        "Gren",
        "Holm",
        "Ket",
        "Lang",
        "Nether",
        "Over",
        "Pidd",
        "Quen",
        "Ros",
        "Shep",
        "Tid",
        "Up",
        "Wen",
    ),
    (
        "bury",
        "combe",
        "field",
        "ford",
        "ham",
        "hurst",
        "leigh",
        "mere",
        "stead",
        "ton",
        "well",
        "wick",
        "worth",
        "by",
        "dale",
        "den",
        "cott",
        "ley",
        "marsh",
        "brook",
        "holt",
        "stow",
    ),
)

# Ofcom's numbers for drama: they are never allocated to anyone.
DRAMA_LANDLINE = "01632 960{:03d}"
DRAMA_MOBILE = "07700 900{:03d}"
DRAMA_OTHER_LANDLINES = (
    "0113 496 0{:03d}",
    "0114 496 0{:03d}",
    "0115 496 0{:03d}",
    "0116 496 0{:03d}",
    "0117 496 0{:03d}",
    "0118 496 0{:03d}",
    "0121 496 0{:03d}",
    "0131 496 0{:03d}",
    "0141 496 0{:03d}",
    "0151 496 0{:03d}",
    "0161 496 0{:03d}",
    "020 7946 0{:03d}",
    "0191 498 0{:03d}",
    "029 2018 0{:03d}",
    "028 9649 6{:03d}",
)
PERSONAL_EMAIL_DOMAINS = ("mail.example", "inbox.example", "post.example", "home.invalid")


@dataclass(frozen=True, slots=True)
class LaPlace:
    """Who an invented authority is and where: its name, nation and postcode area."""

    code: str
    name: str
    nation: str
    area: str

    @property
    def slug(self) -> str:
        return slug(self.name, "-")


def la_places(codes: tuple[str, ...]) -> tuple[LaPlace, ...]:
    """Names and postcode areas for the requested codes: the invented name the code is known
    by, otherwise the next spare invented name; each authority its own unused postcode area."""
    taken_areas = {KNOWN_LAS[c][1] for c in codes if c in KNOWN_LAS}
    taken_names = {KNOWN_LAS[c][0] for c in codes if c in KNOWN_LAS}
    spare_areas = (a for a in _FREE_AREAS if a not in taken_areas)
    spare_names = (
        n
        for n in dict.fromkeys((*SPARE_LA_NAMES, *_invented_names()))
        if n not in taken_names and n not in KNOWN_NAMES
    )
    places = []
    for code in codes:
        if code in KNOWN_LAS:
            name, area = KNOWN_LAS[code]
        else:
            name = next(spare_names)
            area = next(spare_areas)
        places.append(LaPlace(code=code, name=name, nation=NATIONS[code[0]], area=area))
    return tuple(places)


# National scale: the first LAs are the invented ones known by name, then more in each nation,
# in about the shares of the real partitions (England 70%, Scotland 15%, Wales 10%, NI 5%).
MAX_LAS = 150
_NATIONAL_ORDER = ("E10000099", "W06000099", "S12000099", "N09000099", "E06000099", "E08000099")
_NATION_SHARES = (("E", 0.70, "E06"), ("S", 0.15, "S12"), ("W", 0.10, "W06"), ("N", 0.05, "N09"))
_NAME_STEMS = (
    "Ash", "Bramble", "Cold", "Dun", "Elder", "Fair", "Glen", "Hazel", "Iron", "Juniper",
    "Kings", "Long", "Mill", "Nether", "Oak", "Pen", "Red", "Sedge", "Thorn", "Wick",
)  # fmt: skip
_NAME_ENDINGS = ("ford", "mere", "wold", "dale", "bury", "combe", "ham", "leigh")


def national_la_codes(n: int) -> tuple[str, ...]:
    """``n`` (1 to 150) invented LA codes across the four nations: the named ones first, then
    each nation's next code in turn, keeping every nation near its share."""
    if not 1 <= n <= MAX_LAS:
        raise ValueError(f"--las must be from 1 to {MAX_LAS} (got {n})")
    codes = list(_NATIONAL_ORDER[:n])
    counts = {letter: sum(c[0] == letter for c in codes) for letter, _s, _p in _NATION_SHARES}
    serial = {letter: 100 for letter, _s, _p in _NATION_SHARES}
    while len(codes) < n:
        total = len(codes) + 1
        letter, _share, prefix = max(
            _NATION_SHARES, key=lambda entry: entry[1] * total - counts[entry[0]]
        )
        codes.append(f"{prefix}{serial[letter]:06d}")
        serial[letter] += 1
        counts[letter] += 1
    return tuple(codes)


def _invented_names() -> Iterator[str]:
    for ending in _NAME_ENDINGS:
        for stem in _NAME_STEMS:
            yield stem + ending


def street_name(district_number: int, street: int) -> str:
    """The ``street``-th street of a district: distinct within the district for every
    ``street`` below ``len(STREET_PREFIXES) * len(STREET_SUFFIXES)``."""
    n = (street * 7919 + district_number * 104_729) % _STREETS
    suffix, prefix = divmod(n, len(STREET_PREFIXES))
    return f"{STREET_PREFIXES[prefix]} {STREET_SUFFIXES[suffix]}"


MAX_STREETS_PER_DISTRICT = 1333  # 3 postcode units a street, 4,000 units a district


def postcode(outward: str, street: int, block: int) -> str:
    """A format-valid postcode for one block (0-2) of a street: distinct for every street
    below MAX_STREETS_PER_DISTRICT."""
    unit = street * 3 + block
    sector, rest = unit % 10, unit // 10
    return f"{outward} {sector}{INWARD_LETTERS[rest // 20 % 20]}{INWARD_LETTERS[rest % 20]}"


def slug(text: str, sep: str = ".") -> str:
    """ASCII, lower case, words joined by ``sep``: "Siân O'Brien" -> "sian.obrien"."""
    words = re.sub(r"[^a-z0-9 -]", "", fold(text).lower()).replace("-", " ").split()
    return sep.join(words)
