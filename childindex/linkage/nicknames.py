"""Given names that stand for the same person: nicknames and spelling variants.

Plain data and one function, no Django. The synthetic population uses the table to put a
nickname in a feed row ("Alfie" for Alfred); search and record linkage use ``name_variants`` to
treat "Bill Smith" and "William Smith" as the same given name.

``NICKNAMES`` maps a formal name to the short or familiar forms people use for it.
``SPELLINGS`` groups spellings of one name (Mohammed, Muhammad, Mohammad). Both are in the
spelling most often registered in England and Wales.
"""

from __future__ import annotations

import unicodedata

NICKNAMES: dict[str, tuple[str, ...]] = {
    # English and general British
    "Abigail": ("Abby", "Abbie", "Gail"),
    "Albert": ("Albie", "Bert", "Al"),
    "Alexander": ("Alex", "Alec", "Xander", "Sandy", "Lex"),
    "Alexandra": ("Alex", "Alexa", "Lexi", "Sandra", "Sasha"),
    "Alfred": ("Alfie", "Alf", "Fred", "Freddie"),
    "Amelia": ("Millie", "Mia", "Amy", "Mel"),
    "Andrew": ("Andy", "Drew"),
    "Annabelle": ("Annie", "Belle", "Bella"),
    "Anthony": ("Tony", "Ant"),
    "Archibald": ("Archie",),
    "Arthur": ("Art", "Artie"),
    "Beatrice": ("Bea", "Trixie"),
    "Benjamin": ("Ben", "Benji", "Benny"),
    "Bradley": ("Brad",),
    "Callum": ("Cal",),
    "Cameron": ("Cam",),
    "Caroline": ("Carrie", "Caz"),
    "Catherine": ("Cath", "Cathy", "Kate", "Katie", "Cat", "Kitty"),
    "Charles": ("Charlie", "Chas", "Chaz"),
    "Charlotte": ("Charlie", "Lottie", "Lotty"),
    "Christina": ("Chris", "Chrissy", "Tina"),
    "Christopher": ("Chris", "Kit", "Topher"),
    "Daniel": ("Dan", "Danny"),
    "David": ("Dave", "Davy", "Dai"),
    "Deborah": ("Debbie", "Deb"),
    "Dominic": ("Dom",),
    "Edith": ("Edie",),
    "Edward": ("Ed", "Eddie", "Ted", "Teddy", "Ned"),
    "Eleanor": ("Ellie", "Nell", "Nellie", "Nora", "Elle"),
    "Elijah": ("Eli",),
    "Elizabeth": ("Liz", "Lizzie", "Beth", "Betty", "Eliza", "Libby", "Bess", "Ellie"),
    "Emily": ("Em", "Emmy", "Millie"),
    "Evelyn": ("Evie", "Eve"),
    "Ezekiel": ("Zeke",),
    "Florence": ("Flo", "Florrie", "Flossie"),
    "Frances": ("Fran", "Frankie"),
    "Francesca": ("Fran", "Frankie", "Chessie"),
    "Francis": ("Frank", "Frankie"),
    "Frederick": ("Fred", "Freddie", "Freddy"),
    "Gabriel": ("Gabe",),
    "Gabriella": ("Gabby", "Gabi", "Ella"),
    "George": ("Georgie",),
    "Georgina": ("George", "Georgie", "Gina"),
    "Harold": ("Harry", "Hal"),
    "Harriet": ("Hattie", "Hatty"),
    "Harrison": ("Harry",),
    "Henry": ("Harry", "Hal", "Hank"),
    "Imogen": ("Immy",),
    "Isaac": ("Zac", "Ike"),
    "Isabel": ("Izzy", "Issy", "Bella", "Belle"),
    "Isabella": ("Bella", "Izzy", "Issy", "Belle"),
    "Isabelle": ("Izzy", "Issy", "Bella", "Belle"),
    "Jacob": ("Jake", "Jay"),
    "Jacqueline": ("Jackie",),
    "James": ("Jim", "Jimmy", "Jamie", "Jem"),
    "Jasmine": ("Jas", "Jaz", "Jazz"),
    "Jennifer": ("Jen", "Jenny"),
    "Jessica": ("Jess", "Jessie"),
    "John": ("Jack", "Johnny", "Jon"),
    "Jonathan": ("Jon", "Jonny", "Jonty"),
    "Joseph": ("Joe", "Joey"),
    "Josephine": ("Jo", "Josie", "Jojo"),
    "Joshua": ("Josh",),
    "Katherine": ("Kate", "Katie", "Kath", "Kathy", "Kat", "Kitty"),
    "Kimberley": ("Kim",),
    "Lawrence": ("Laurie", "Larry"),
    "Laurence": ("Laurie", "Larry"),
    "Leonard": ("Len", "Lenny", "Leo"),
    "Louisa": ("Lou", "Lulu"),
    "Louise": ("Lou", "Lulu"),
    "Lucas": ("Luke",),
    "Madeleine": ("Maddie", "Maddy"),
    "Margaret": ("Maggie", "Meg", "Peggy", "Greta", "Margo"),
    "Martha": ("Mattie", "Marty"),
    "Mary": ("Molly", "Polly", "Mae"),
    "Matilda": ("Tilly", "Tilda", "Mattie"),
    "Matthew": ("Matt", "Matty"),
    "Maximilian": ("Max",),
    "Maxwell": ("Max",),
    "Michael": ("Mike", "Mick", "Mickey", "Mikey"),
    "Natalie": ("Nat", "Tally"),
    "Nathan": ("Nate", "Nat"),
    "Nathaniel": ("Nate", "Nat", "Nathan"),
    "Nicholas": ("Nick", "Nicky", "Nico"),
    "Nicola": ("Nicky", "Nikki"),
    "Oliver": ("Ollie", "Olly"),
    "Olivia": ("Liv", "Livvy", "Ollie"),
    "Patricia": ("Pat", "Patty", "Trish", "Tricia"),
    "Patrick": ("Pat", "Paddy"),
    "Penelope": ("Penny", "Pen"),
    "Peter": ("Pete",),
    "Philip": ("Phil", "Pip"),
    "Rebecca": ("Becky", "Becca", "Bex"),
    "Reginald": ("Reg", "Reggie"),
    "Richard": ("Rich", "Richie", "Rick", "Ricky", "Dick"),
    "Robert": ("Rob", "Robbie", "Bob", "Bobby", "Bert"),
    "Ronald": ("Ron", "Ronnie"),
    "Rose": ("Rosie",),
    "Rosemary": ("Rosie", "Ros"),
    "Samantha": ("Sam", "Sammy"),
    "Samuel": ("Sam", "Sammy"),
    "Scarlett": ("Lettie",),
    "Sebastian": ("Seb", "Bastian"),
    "Sophia": ("Soph", "Sophie"),
    "Sophie": ("Soph",),
    "Stanley": ("Stan",),
    "Stephen": ("Steve", "Stevie"),
    "Steven": ("Steve", "Stevie"),
    "Susan": ("Sue", "Suzy", "Susie"),
    "Theodore": ("Theo", "Teddy", "Ted"),
    "Thomas": ("Tom", "Tommy"),
    "Timothy": ("Tim", "Timmy"),
    "Tobias": ("Toby",),
    "Valentina": ("Val", "Tina"),
    "Victoria": ("Vicky", "Tori", "Vic"),
    "William": ("Will", "Bill", "Billy", "Liam", "Willie"),
    "Winifred": ("Winnie", "Freda"),
    "Zachary": ("Zach", "Zack"),
    # Welsh, Scottish, Irish
    "Alasdair": ("Ally", "Alec"),
    "Angharad": ("Anni",),
    "Catriona": ("Cat", "Trina"),
    "Dafydd": ("Dai", "Dewi", "Dafi"),
    "Elspeth": ("Elsie", "Eppie"),
    "Gruffydd": ("Gruff", "Griff"),
    "Llywelyn": ("Llew",),
    "Pádraig": ("Paddy", "Páidí"),
    "Rhodri": ("Rhod",),
    # Polish
    "Agnieszka": ("Aga",),
    "Aleksandra": ("Ola",),
    "Jakub": ("Kuba",),
    "Joanna": ("Asia",),
    "Katarzyna": ("Kasia",),
    "Krzysztof": ("Krzyś",),
    "Magdalena": ("Magda",),
    "Małgorzata": ("Gosia", "Małgosia"),
    "Maria": ("Marysia",),
    "Tomasz": ("Tomek",),
    "Wojciech": ("Wojtek",),
    "Zuzanna": ("Zuzia",),
    # Romanian
    "Alexandru": ("Alex", "Sandu"),
    "Mihaela": ("Miha",),
    # Nigerian and Ghanaian
    "Abimbola": ("Bimbo",),
    "Adaeze": ("Ada",),
    "Adebayo": ("Bayo",),
    "Ayodele": ("Ayo",),
    "Babajide": ("Jide",),
    "Chiamaka": ("Amaka",),
    "Chinedu": ("Nedu",),
    "Chukwuemeka": ("Emeka",),
    "Damilola": ("Dami", "Lola"),
    "Funmilayo": ("Funmi",),
    "Ifeoma": ("Ife",),
    "Obinna": ("Obi",),
    "Olumide": ("Mide",),
    "Oluwaseun": ("Seun",),
    "Temitope": ("Tope", "Temi"),
    # Arabic, Somali, South Asian
    "Abdirahman": ("Abdi",),
    "Abdullah": ("Abdul", "Abdi"),
    "Abdullahi": ("Abdi",),
    "Khadija": ("Dija",),
    "Mohamed": ("Mo",),
    "Mohammad": ("Mo",),
    "Mohammed": ("Mo", "Moe"),
    "Muhammad": ("Mo",),
}

SPELLINGS: tuple[tuple[str, ...], ...] = (
    ("Mohammed", "Muhammad", "Mohammad", "Mohamed", "Muhammed", "Mohamad"),
    ("Aisha", "Ayesha", "Aysha", "Aishah"),
    ("Zain", "Zayn"),
    ("Yusuf", "Yousef", "Youssef", "Yusef"),
    ("Ibrahim", "Ebrahim"),
    ("Omar", "Umar"),
    ("Fatima", "Fatimah"),
    ("Maryam", "Mariam"),
    ("Hussain", "Hussein", "Husain"),
    ("Abdirahman", "Abdurahman", "Abdulrahman"),
    ("Isabelle", "Isabel", "Isobel"),
    ("Zoë", "Zoe", "Zoey"),
    ("Chloe", "Chloé"),
    ("Leah", "Lea"),
    ("Eleanor", "Elinor", "Eleanore"),
    ("Caitlin", "Katelyn", "Kaitlyn"),
    ("Catherine", "Katherine", "Kathryn", "Katharine"),
    ("Rebecca", "Rebekah"),
    ("Stephen", "Steven"),
    ("Jayden", "Jaden", "Jaydon"),
    ("Aidan", "Aiden"),
    ("Elliot", "Elliott", "Eliot"),
    ("Philip", "Phillip"),
    ("Matthew", "Mathew"),
    ("Jonathan", "Johnathan"),
    ("Nicola", "Nichola"),
    ("Callum", "Calum"),
    ("Ewan", "Euan"),
    ("Finley", "Finlay"),
    ("Layla", "Leila", "Laila"),
    ("Sienna", "Siena"),
    ("Hannah", "Hanna"),
    ("Sarah", "Sara"),
    ("Niamh", "Neve"),
    ("Siobhán", "Siobhan", "Shivaun"),
    ("Seán", "Sean", "Shaun", "Shawn"),
    ("Ciarán", "Ciaran", "Kieran", "Kieron"),
    ("Róisín", "Roisin", "Rosheen"),
    ("Ștefan", "Stefan"),
    ("Andreea", "Andrea"),
    ("Mateo", "Matteo"),
    ("Lucía", "Lucia"),
    ("Sofía", "Sofia"),
    ("Ahmed", "Ahmad"),
    ("Yasmin", "Yasmine", "Jasmin"),
    ("Amelie", "Amélie"),
    ("Freya", "Freja"),
    ("Teddy", "Teddie"),
    ("Frankie", "Franky"),
    ("Freddie", "Freddy"),
    ("Alfie", "Alfy"),
    ("Ellie", "Elly"),
    ("Millie", "Milly"),
    ("Evie", "Evey"),
    ("Abbie", "Abby", "Abi"),
)


def fold(name: str) -> str:
    """``name`` without accents and with the letters that do not decompose spelt out in ASCII
    (Zoë -> Zoe, Łukasz -> Lukasz, Yılmaz -> Yilmaz)."""
    if name.isascii():
        return name
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.translate(_NON_DECOMPOSING)


_NON_DECOMPOSING = str.maketrans(
    {"ł": "l", "Ł": "L", "ı": "i", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae"}
)


def _key(name: str) -> str:
    return fold(name).casefold()


def _build() -> tuple[dict[str, set[str]], dict[str, set[str]], dict[str, set[str]]]:
    nicknames: dict[str, set[str]] = {}
    formals: dict[str, set[str]] = {}
    spellings: dict[str, set[str]] = {}
    for formal, nicks in NICKNAMES.items():
        nicknames.setdefault(_key(formal), set()).update(nicks)
        for nick in nicks:
            formals.setdefault(_key(nick), set()).add(formal)
    for group in SPELLINGS:
        for name in group:
            spellings.setdefault(_key(name), set()).update(group)
    return nicknames, formals, spellings


_NICKNAMES_OF, _FORMALS_OF, _SPELLINGS_OF = _build()


def nicknames_of(formal: str) -> tuple[str, ...]:
    """The nicknames of one formal given name, sorted (empty when it has none)."""
    return tuple(sorted(_NICKNAMES_OF.get(_key(formal), ())))


def spellings_of(given: str) -> tuple[str, ...]:
    """Other spellings of one given name, sorted, without the name itself."""
    return tuple(sorted(s for s in _SPELLINGS_OF.get(_key(given), ()) if s != given))


def name_variants(given: str) -> set[str]:
    """Every given name that may stand for ``given``: itself, its other spellings, the formal
    names it is a nickname of, and their nicknames and spellings.

    One step each way, so "Bill" gives William, Will, Billy, Liam..., and "Mo" gives Mohammed,
    Muhammad... but a nickname shared by two formal names (Alex) does not chain any further.
    Matching is case- and accent-insensitive; the result holds the table's spellings, their
    accent-free forms and ``given`` as written (stripped). For several given names, call it once
    per name.
    """
    name = " ".join((given or "").split())
    if not name:
        return set()
    base = {name} | _SPELLINGS_OF.get(_key(name), set())
    formal = set().union(*(_FORMALS_OF.get(_key(b), set()) for b in base))
    formal |= set().union(*(_SPELLINGS_OF.get(_key(f), set()) for f in formal))
    group = base | formal
    for member in list(group):
        group |= _NICKNAMES_OF.get(_key(member), set())
    return group | {fold(member) for member in group}
