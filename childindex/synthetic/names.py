"""Name data for the synthetic population: UK given names and surnames of diverse origins.

Plain data, no Django. Lists are roughly in order of popularity (the generator weights earlier
names more). Every name here is common; the combinations the generator makes are invented.
Nicknames and given-name spellings live in ``childindex.linkage.nicknames`` (linkage reuses them).
"""

from __future__ import annotations

from dataclasses import dataclass

BRITISH_GIRLS = (
    "Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophia", "Grace", "Mia", "Poppy", "Ella",
    "Lily", "Evie", "Isabella", "Sophie", "Ivy", "Freya", "Harper", "Willow", "Charlotte",
    "Jessica", "Rosie", "Daisy", "Alice", "Florence", "Isabelle", "Millie", "Phoebe", "Sienna",
    "Matilda", "Evelyn", "Ruby", "Elsie", "Chloe", "Maya", "Erin", "Lucy", "Holly", "Scarlett",
    "Emma", "Hannah", "Megan", "Lauren", "Katie", "Amy", "Ellie", "Abigail", "Bethany",
    "Eleanor", "Georgia", "Elizabeth", "Maisie", "Molly", "Zara", "Layla", "Eva", "Esme", "Thea",
    "Aria", "Luna", "Violet", "Penelope", "Imogen", "Harriet", "Martha", "Beatrice", "Edith",
    "Ada", "Elodie", "Mila", "Hallie", "Robyn", "Jasmine", "Leah", "Rebecca", "Victoria",
    "Caitlin", "Paige", "Jade", "Amber", "Summer", "Tilly", "Darcie", "Lola", "Eliza", "Frankie",
    "Heidi", "Lottie", "Rose", "Clara", "Catherine", "Katherine", "Abbie", "Samantha", "Natalie",
    "Rachel", "Charlie", "Alexandra", "Josephine", "Eloise", "Felicity", "Annabelle", "Nancy",
    "Mabel", "Iris", "Hazel", "Aurora", "Bonnie", "Lyla", "Gracie", "Zoë", "Amelie", "Ayla",
    "Margot", "Orla", "Niamh", "Francesca", "Georgina", "Madeleine", "Naomi", "Tabitha",
)
BRITISH_BOYS = (
    "Oliver", "George", "Harry", "Noah", "Jack", "Leo", "Arthur", "Oscar", "Charlie", "Jacob",
    "Thomas", "Henry", "William", "Alfie", "Joshua", "Freddie", "Archie", "Theodore", "Isaac",
    "Alexander", "James", "Lucas", "Edward", "Finley", "Logan", "Ethan", "Max", "Mason", "Samuel",
    "Daniel", "Joseph", "Benjamin", "Sebastian", "Teddy", "Tommy", "Arlo", "Reggie", "Albie",
    "Jude", "Ronnie", "Frederick", "Elijah", "Rory", "Hugo", "Louie", "Reuben", "Dylan", "Jenson",
    "Toby", "Harrison", "Zachary", "Louis", "Tyler", "Riley", "Jayden", "Kai", "Callum", "Ryan",
    "Liam", "Aaron", "Nathan", "Adam", "Luke", "Matthew", "Connor", "Kieran", "Jamie", "Jake",
    "Lewis", "Owen", "Bradley", "Jordan", "Cameron", "Michael", "Christopher", "Ross", "Dominic",
    "Harvey", "Bobby", "Stanley", "Albert", "Alfred", "Frankie", "Jasper", "Ezra", "Felix",
    "Rowan", "Ellis", "Caleb", "Nathaniel", "Gabriel", "Elliot", "Rafferty", "Hunter", "Jesse",
    "Jackson", "Austin", "Blake", "Kian", "Tobias", "Francis", "Patrick", "Roman", "Ralph",
    "Otis", "Harley", "Jay", "Dexter", "Sonny", "Ted", "Vincent", "Benedict", "Miles", "Jonah",
    "Ashton", "Brandon", "Declan", "Morgan", "Peter", "Richard", "Robert", "Stephen",
)
ADULT_WOMEN = (
    "Sarah", "Claire", "Emma", "Nicola", "Lisa", "Michelle", "Rachel", "Laura", "Kelly", "Gemma",
    "Joanne", "Helen", "Karen", "Louise", "Victoria", "Donna", "Natalie", "Stacey", "Kerry",
    "Hayley", "Amanda", "Julie", "Tracey", "Susan", "Rebecca", "Jennifer", "Samantha", "Charlotte",
    "Lucy", "Catherine", "Katie", "Jessica", "Amy", "Sophie", "Hannah", "Zoe", "Leanne", "Danielle",
    "Kirsty", "Jade", "Jenna", "Lindsey", "Rebekah", "Angela", "Deborah", "Elizabeth", "Caroline",
    "Alison", "Anna", "Jane", "Ruth", "Fiona", "Wendy", "Sharon", "Dawn", "Vicky", "Nadia",
    "Shelley", "Melissa", "Kimberley", "Abigail", "Carly", "Jodie", "Chelsea", "Toni", "Ellie",
)
OLDER_WOMEN = (
    "Margaret", "Patricia", "Linda", "Susan", "Carol", "Christine", "Janet", "Elaine", "Jacqueline",
    "Lesley", "Pauline", "Sandra", "Barbara", "Maureen", "Gillian", "Valerie", "Beverley", "Denise",
)
ADULT_MEN = (
    "David", "Paul", "Mark", "Andrew", "Steven", "Peter", "Gary", "Ian", "Kevin", "Darren", "Lee",
    "Craig", "Wayne", "Stuart", "Neil", "Richard", "Christopher", "Jason", "Carl", "Dean",
    "Anthony", "Simon", "Martin", "John", "Robert", "Michael", "Stephen", "Philip", "James",
    "Daniel", "Matthew", "Thomas", "Adam", "Ryan", "Scott", "Jamie", "Ben", "Luke", "Liam",
    "Ashley", "Shaun", "Nathan", "Jonathan", "Tom", "Sam", "Alex", "Joe", "Chris", "Danny", "Gavin",
    "Aaron", "Jordan", "Karl", "Jon", "Ricky", "Mitchell", "Kieran", "Nicholas", "Timothy",
    "Oliver",
)
OLDER_MEN = (
    "Graham", "Keith", "Colin", "Barry", "Trevor", "Alan", "Roger", "Malcolm", "Terence", "Kenneth",
    "Brian", "Derek", "Clive", "Geoffrey", "Raymond", "Nigel", "Dennis", "Gordon",
)
ENGLISH_SURNAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson",
    "Clarke", "Harris", "Edwards", "Turner", "Martin", "Cooper", "Hill", "Ward", "Hughes", "Moore",
    "Clark", "King", "Harrison", "Lewis", "Baker", "Lee", "Allen", "Morris", "Scott", "Watson",
    "Davis", "Parker", "James", "Bennett", "Young", "Phillips", "Richardson", "Mitchell", "Bailey",
    "Carter", "Cook", "Shaw", "Bell", "Collins", "Miller", "Cox", "Marshall", "Simpson", "Price",
    "Anderson", "Adams", "Wilkinson", "Foster", "Ellis", "Chapman", "Mason", "Gray", "Richards",
    "Webb", "Hunt", "Palmer", "Holmes", "Mills", "Rogers", "Barnes", "Knight", "Matthews",
    "Barker", "Stevens", "Fisher", "Butler", "Dixon", "Russell", "Harvey", "Pearson", "Graham",
    "Fletcher", "Gibson", "Lloyd", "Howard", "Stone", "Hayes", "Hudson", "Bird", "Holland",
    "Lawrence", "Riley", "Atkinson", "Booth", "Dawson", "Gardner", "Hart", "Lane", "Marsh",
    "Burton", "Cole", "Lowe", "Newman", "Payne", "Pearce", "Rose", "Spencer", "Watts", "Wells",
    "Armstrong", "Berry", "Chambers", "Elliott", "Ford", "Gregory", "Hawkins", "Jordan", "Kemp",
    "Lamb", "Little", "Moss", "Nicholson", "Oliver", "Page", "Perry", "Porter", "Reynolds",
    "Saunders", "Sutton", "Tucker", "Warren", "West", "Whitehead", "Wheeler", "Woods", "Fox",
    "Day", "Dean", "Goodwin", "Hancock", "Harding", "Hobbs", "Hopkins", "Horton", "Ingram",
    "Jarvis", "Kirby", "Leach", "Mann", "Nash", "Osborne", "Parsons", "Randall", "Slater",
    "Stubbs", "Thornton", "Tyler", "Vickers", "Wade", "Whitaker", "Yates", "Smyth", "Read",
    "Ashworth", "Bradshaw", "Cartwright", "Fairbrother", "Higginbotham", "Lockwood", "Pickering",
)


@dataclass(frozen=True, slots=True)
class Origin:
    """A family background: where the family's names come from and how often it occurs."""

    key: str
    weight: float
    girls: tuple[str, ...]
    boys: tuple[str, ...]
    surnames: tuple[str, ...]
    british_given_share: float
    countries: tuple[str, ...]
    spanish_surnames: bool = False


ORIGINS: tuple[Origin, ...] = (
    Origin("english", 60.0, BRITISH_GIRLS, BRITISH_BOYS, ENGLISH_SURNAMES, 1.0,
           ("Spain", "Australia", "France", "Portugal", "Canada")),
    Origin(
        "welsh", 4.0,
        ("Cerys", "Ffion", "Seren", "Megan", "Catrin", "Elin", "Nia", "Sioned", "Lowri", "Mali",
         "Eira", "Gwen", "Bethan", "Carys", "Rhiannon", "Siân", "Alys", "Efa", "Angharad",
         "Gwenllian"),
        ("Dafydd", "Rhys", "Osian", "Gethin", "Ioan", "Cai", "Dylan", "Emrys", "Owain", "Gruffydd",
         "Iwan", "Llywelyn", "Tomos", "Huw", "Aled", "Gareth", "Evan", "Morgan", "Rhodri",
         "Deiniol"),
        ("Jones", "Williams", "Davies", "Evans", "Thomas", "Roberts", "Hughes", "Lewis", "Morgan",
         "Griffiths", "Price", "Rees", "Powell", "Pritchard", "Howells", "Parry", "Jenkins",
         "Bowen", "Llewellyn", "Vaughan", "Pugh", "Prosser", "Meredith", "Gwynne", "ap Rhys"),
        0.5, ("Australia", "Spain", "Canada"),
    ),
    Origin(
        "scottish", 4.0,
        ("Isla", "Eilidh", "Kirsty", "Morag", "Ailsa", "Mhairi", "Fiona", "Iona", "Catriona",
         "Skye", "Rhona", "Shona", "Ishbel", "Lorna", "Elspeth", "Kirsteen"),
        ("Hamish", "Angus", "Fraser", "Euan", "Callum", "Ruaridh", "Alasdair", "Ewan", "Finlay",
         "Lachlan", "Struan", "Murdo", "Calum", "Gregor", "Duncan", "Iain", "Craig", "Douglas"),
        ("MacDonald", "McDonald", "Campbell", "Stewart", "Robertson", "Murray", "MacLeod",
         "McLeod", "Fraser", "Cameron", "Henderson", "Ross", "Paterson", "Morrison", "Sinclair",
         "Mackenzie", "McKenzie", "Ferguson", "Grant", "Reid", "Kerr", "Munro", "Boyd", "Crawford",
         "Buchanan", "Gillespie", "McIntyre", "Drummond", "MacGregor", "Wallace", "Thomson"),
        0.55, ("Canada", "New Zealand", "Australia"),
    ),
    Origin(
        "irish", 4.0,
        ("Aoife", "Niamh", "Siobhán", "Saoirse", "Ciara", "Caoimhe", "Róisín", "Clodagh", "Orla",
         "Sinéad", "Aisling", "Gráinne", "Éabha", "Síofra", "Maeve", "Deirdre", "Bridget", "Nuala"),
        ("Cian", "Oisín", "Seán", "Ciarán", "Darragh", "Tadhg", "Pádraig", "Conor", "Eoin",
         "Cathal", "Fionn", "Rónán", "Diarmuid", "Declan", "Niall", "Donal", "Colm", "Cillian"),
        ("Murphy", "Kelly", "O'Sullivan", "Walsh", "O'Brien", "Byrne", "Ryan", "O'Connor",
         "O'Neill", "Doyle", "McCarthy", "Gallagher", "Doherty", "Kennedy", "Lynch", "Quinn",
         "Brennan", "Fitzgerald", "Nolan", "Flanagan", "McLaughlin", "Donnelly", "Kavanagh",
         "Mulligan", "Keane", "Dunne", "Power", "Foley", "Maguire", "Ó Briain"),
        0.5, ("Ireland", "Australia", "United States"),
    ),
    Origin(
        "pakistani_bangladeshi", 6.0,
        ("Aisha", "Ayesha", "Fatima", "Maryam", "Zainab", "Khadija", "Hafsa", "Amina", "Safiya",
         "Inaya", "Aaliyah", "Hana", "Sumaiya", "Nusrat", "Tasnim", "Rukhsana", "Samina", "Iqra",
         "Mahnoor", "Anaya", "Zara", "Eshal", "Hira", "Sadia", "Yasmin", "Halima", "Ruqayyah"),
        ("Mohammed", "Muhammad", "Mohammad", "Ibrahim", "Yusuf", "Ali", "Omar", "Hamza", "Ayaan",
         "Zayn", "Hassan", "Abdullah", "Bilal", "Imran", "Rayyan", "Zakariya", "Adam", "Ismail",
         "Haris", "Usman", "Rehan", "Arham", "Shahid", "Tariq", "Faisal", "Rizwan", "Ahmed"),
        ("Khan", "Ahmed", "Ali", "Hussain", "Hussein", "Begum", "Akhtar", "Iqbal", "Rahman",
         "Mahmood", "Butt", "Chaudhry", "Choudhury", "Miah", "Uddin", "Islam", "Malik", "Shah",
         "Bibi", "Rashid", "Qureshi", "Siddiqui", "Hassan", "Aslam", "Javed", "Raza", "Mirza",
         "Sheikh", "Haque", "Ahmad"),
        0.15, ("Pakistan", "Bangladesh", "United Arab Emirates"),
    ),
    Origin(
        "indian", 4.0,
        ("Priya", "Anika", "Diya", "Aanya", "Ishani", "Kavya", "Simran", "Harleen", "Jasleen",
         "Navneet", "Pooja", "Riya", "Shreya", "Meera", "Tanvi", "Anjali", "Amrit", "Gurpreet",
         "Nisha", "Saanvi"),
        ("Arjun", "Aarav", "Rohan", "Vihaan", "Dev", "Krish", "Aryan", "Harjit", "Gurdeep",
         "Jaspreet", "Manpreet", "Ravi", "Sanjay", "Vikram", "Nikhil", "Rahul", "Karan", "Sahil",
         "Ishaan", "Kabir"),
        ("Patel", "Singh", "Kaur", "Sharma", "Shah", "Gill", "Sandhu", "Sidhu", "Dhillon",
         "Mistry", "Parmar", "Chauhan", "Gupta", "Kumar", "Joshi", "Mehta", "Desai", "Bains",
         "Grewal", "Thakkar", "Chopra", "Rai", "Bhatt", "Lal", "Verma"),
        0.2, ("India", "Canada", "United States"),
    ),
    Origin(
        "polish", 3.0,
        ("Zofia", "Zuzanna", "Julia", "Maja", "Hanna", "Lena", "Alicja", "Maria", "Oliwia",
         "Natalia", "Wiktoria", "Agnieszka", "Katarzyna", "Małgorzata", "Magdalena", "Joanna",
         "Aleksandra", "Gabriela"),
        ("Jakub", "Jan", "Szymon", "Filip", "Kacper", "Antoni", "Wojciech", "Mikołaj", "Bartosz",
         "Łukasz", "Piotr", "Krzysztof", "Tomasz", "Paweł", "Michał", "Mateusz", "Dawid", "Marcin"),
        ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
         "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur",
         "Kwiatkowski", "Krawczyk", "Piotrowski", "Grabowski", "Nowakowski", "Pawłowski",
         "Michalski", "Nowicki", "Adamczyk", "Wróbel"),
        0.3, ("Poland", "Germany"),
    ),
    Origin(
        "romanian", 2.0,
        ("Maria", "Ioana", "Andreea", "Elena", "Alexandra", "Ana", "Bianca", "Daria", "Sofia",
         "Gabriela", "Denisa", "Alesia", "Larisa", "Mihaela"),
        ("Andrei", "Alexandru", "Ștefan", "Mihai", "Ionuț", "David", "Luca", "Gabriel", "Darius",
         "Răzvan", "Florin", "Cristian", "Constantin", "Vlad", "Bogdan"),
        ("Popescu", "Ionescu", "Popa", "Pop", "Radu", "Dumitru", "Stoica", "Stan", "Gheorghe",
         "Matei", "Constantin", "Marin", "Munteanu", "Rusu", "Lungu", "Moldovan", "Dinu", "Ene",
         "Tudor", "Ciobanu"),
        0.3, ("Romania", "Italy", "Spain"),
    ),
    Origin(
        "nigerian", 2.0,
        ("Chioma", "Adaeze", "Ngozi", "Chiamaka", "Oluwaseun", "Folake", "Temitope", "Funmilayo",
         "Ifeoma", "Amara", "Adaora", "Kemi", "Yetunde", "Ebele", "Nneka", "Abimbola", "Tolani",
         "Damilola"),
        ("Chinedu", "Oluwaseun", "Emeka", "Tobenna", "Ayodele", "Olumide", "Chukwuemeka", "Obinna",
         "Femi", "Tunde", "Ikenna", "Adebayo", "Kelechi", "Uchenna", "Damilola", "Babajide",
         "Kayode", "Nnamdi"),
        ("Okafor", "Adeyemi", "Okonkwo", "Oyelaran", "Adebayo", "Eze", "Nwosu", "Okeke",
         "Ogunleye", "Balogun", "Chukwu", "Obi", "Adeleke", "Olawale", "Afolabi", "Ibrahim",
         "Bello", "Akinola", "Nwachukwu", "Oladipo", "Ogunbiyi", "Okoro", "Uzor", "Ajayi"),
        0.4, ("Nigeria", "Ghana", "United States"),
    ),
    Origin(
        "ghanaian", 1.0,
        ("Ama", "Akosua", "Abena", "Efua", "Adwoa", "Yaa", "Afua", "Esi", "Akua", "Nana", "Adjoa",
         "Serwaa"),
        ("Kwame", "Kofi", "Kwaku", "Kwabena", "Yaw", "Kojo", "Kwesi", "Fiifi", "Nii", "Kobina",
         "Ekow", "Kweku"),
        ("Mensah", "Owusu", "Boateng", "Asante", "Osei", "Agyeman", "Appiah", "Ofori", "Addo",
         "Amoah", "Darko", "Quaye", "Ansah", "Badu", "Adjei", "Acheampong"),
        0.5, ("Ghana", "Netherlands"),
    ),
    Origin(
        "somali", 1.0,
        ("Hodan", "Ayan", "Sahra", "Hibo", "Amran", "Nasra", "Ifrah", "Hamdi", "Sagal", "Ubah",
         "Deqa", "Fadumo", "Ladan", "Idil", "Khadija", "Amina"),
        ("Abdirahman", "Abdullahi", "Mohamed", "Abdi", "Mahad", "Liban", "Hassan", "Khalid",
         "Guled", "Yasin", "Bashir", "Mustafe", "Farah", "Ayanle", "Ibrahim"),
        ("Farah", "Hassan", "Mohamed", "Ali", "Abdi", "Osman", "Warsame", "Jama", "Aden", "Hirsi",
         "Nur", "Yusuf", "Ahmed", "Ismail", "Omar", "Duale", "Abdullahi", "Egal"),
        0.1, ("Somalia", "Kenya", "Netherlands", "Sweden"),
    ),
    Origin(
        "arabic", 1.5,
        ("Layla", "Noor", "Mariam", "Huda", "Rania", "Salma", "Yasmin", "Jana", "Lina", "Reem",
         "Dina", "Sara", "Malak", "Nour", "Aya"),
        ("Omar", "Ahmad", "Khaled", "Karim", "Tariq", "Youssef", "Hamza", "Mustafa", "Ziad", "Sami",
         "Adam", "Ali", "Amir", "Rami", "Bilal"),
        ("Al-Sayed", "Haddad", "Khalil", "Mansour", "Nasser", "Saleh", "Hamdan", "Aziz",
         "Darwish", "Abboud", "Al-Hashimi", "Qasim", "El-Masri", "Hijazi", "Suleiman", "Younis",
         "Barakat", "Al-Amin"),
        0.15, ("Egypt", "Jordan", "United Arab Emirates", "Iraq"),
    ),
    Origin(
        "turkish", 1.0,
        ("Elif", "Zeynep", "Defne", "Ela", "Azra", "Ecrin", "Yağmur", "Merve", "Esra", "Büşra",
         "Ayşe", "Emine", "Derya", "İrem"),
        ("Yusuf", "Emir", "Eymen", "Ömer", "Mustafa", "Mehmet", "Ahmet", "Kerem", "Berat", "Arda",
         "Deniz", "Can", "Hakan", "Emre", "Burak"),
        ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Yıldırım", "Öztürk", "Aydın",
         "Özdemir", "Arslan", "Doğan", "Kılıç", "Aslan", "Çetin", "Koç", "Kurt", "Polat"),
        0.2, ("Turkey", "Cyprus", "Germany"),
    ),
    Origin(
        "chinese", 1.0,
        ("Mei", "Xinyi", "Yuxin", "Jiayi", "Wing", "Hoi Yan", "Ka Yan", "Zixuan", "Shu", "Ling",
         "Yan", "Hui"),
        ("Wei", "Hao", "Jun", "Yichen", "Zihan", "Ka Ho", "Chun", "Ming", "Jian", "Tianyu",
         "Haoran", "Zhiwei"),
        ("Wang", "Li", "Zhang", "Liu", "Chen", "Chan", "Wong", "Lee", "Cheung", "Lam", "Ng", "Yang",
         "Huang", "Wu", "Zhou", "Xu", "Lin", "Ho", "Tang", "Leung", "Yeung", "Lau", "Chow",
         "Cheng"),
        0.6, ("Hong Kong", "China", "Malaysia", "Singapore"),
    ),
    Origin(
        "caribbean", 2.0,
        ("Shanice", "Keisha", "Tanisha", "Aaliyah", "Shantelle", "Jada", "Tia", "Imani", "Kiara",
         "Chantelle", "Makeda", "Nia"),
        ("Tyrone", "Jermaine", "Marcus", "Andre", "Dwayne", "Kyle", "Devon", "Leon", "Malachi",
         "Isaiah", "Rashad", "Delroy", "Kareem", "Tyrell"),
        ("Campbell", "Brown", "Williams", "Thompson", "Clarke", "Johnson", "Robinson", "Francis",
         "Gordon", "Bailey", "Grant", "Henry", "Morgan", "Reid", "Richards", "Samuels", "Stewart",
         "Walker", "Beckford", "Forbes", "McKenzie", "Baptiste", "Lewis", "Powell"),
        0.6, ("Jamaica", "Trinidad and Tobago", "Barbados", "United States"),
    ),
    Origin(
        "southern_european", 1.5,
        ("Lucía", "Sofía", "Martina", "Valentina", "Carmen", "Inês", "Beatriz", "Mariana", "Giulia",
         "Chiara", "Francesca", "Alessia", "Leonor", "Paula"),
        ("Mateo", "Hugo", "Pablo", "Diego", "Alejandro", "Santiago", "João", "Tiago", "Rodrigo",
         "Francesco", "Lorenzo", "Matteo", "Giovanni", "Gonçalo"),
        ("García", "Martínez", "López", "Fernández", "González", "Rodríguez", "Sánchez", "Pérez",
         "Gómez", "Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rossi", "Russo",
         "Ferrari", "Esposito", "Bianchi", "Romano", "Ricci", "Moreno", "Jiménez", "Ruiz"),
        0.3, ("Spain", "Portugal", "Italy"), spanish_surnames=True,
    ),
)

ORIGINS_BY_KEY = {origin.key: origin for origin in ORIGINS}

# Surname spellings a clerk may write for one another (used for the feeds' name variant errors).
SURNAME_SPELLINGS: tuple[tuple[str, ...], ...] = (
    ("Smith", "Smyth", "Smithe"),
    ("Thompson", "Thomson", "Tomson"),
    ("Clarke", "Clark"),
    ("Davies", "Davis"),
    ("MacDonald", "McDonald", "Macdonald"),
    ("MacLeod", "McLeod"),
    ("Mackenzie", "McKenzie", "MacKenzie"),
    ("Hussain", "Hussein", "Husain"),
    ("Ahmed", "Ahmad"),
    ("Choudhury", "Chowdhury", "Chaudhry"),
    ("Mohamed", "Mohammed"),
    ("Rahman", "Rehman"),
    ("Reid", "Reed", "Read"),
    ("Stewart", "Stuart"),
    ("Phillips", "Philips"),
    ("Matthews", "Mathews"),
    ("Elliott", "Elliot"),
    ("Gray", "Grey"),
    ("Al-Sayed", "Al Sayed", "Alsayed"),
    ("Al-Hashimi", "Al Hashimi", "Alhashimi"),
    ("El-Masri", "Elmasri"),
    ("Lewis", "Louis"),
    ("Jenkins", "Jenkin"),
    ("Powell", "Powel"),
    ("Chan", "Chen"),
    ("Wong", "Huang"),
    ("Hughes", "Hewes"),
)
_SURNAME_SPELLING_OF = {name: group for group in SURNAME_SPELLINGS for name in group}


def surname_spellings(family_name: str) -> tuple[str, ...]:
    """Other spellings of one surname, in table order (empty when none are known)."""
    group = _SURNAME_SPELLING_OF.get(family_name, ())
    return tuple(name for name in group if name != family_name)


def feminine_surname(family_name: str) -> str:
    """The form a Polish woman's surname takes (Kowalski -> Kowalska); others unchanged."""
    for masculine, feminine in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")):
        if family_name.endswith(masculine):
            return family_name[: -len(masculine)] + feminine
    return family_name
