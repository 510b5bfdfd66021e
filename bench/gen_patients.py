#!/usr/bin/env python3
"""Synthetic patients for the registry benchmark: a CSV for `carefront import patients`, and one query
file per search kind sampled from the rows written.

    bench/gen_patients.py --rows 1000000 --out patients.csv --queries DIR [--samples 2000] [--seed 1]

Streams: each row is written as it is made, and the query samples are reservoirs of fixed size, so
memory stays flat whatever --rows is. Deterministic for a given seed (and the current date, which bounds
the dates of birth).

Rows:
- given and family names from a mix of UK, Irish, Welsh, Scottish, South Asian, Polish, Romanian,
  Lithuanian, Portuguese, Turkish, Vietnamese, Chinese, West African, Somali and Arabic names, with their
  accents and apostrophes (Zoë, Siân, Nguyễn, Wiśniewska, O'Brien, Smith-Jones), family names weighted
  roughly like the UK's (Smith about 1 %, the ~250 listed names about a fifth of people), plus a long
  tail of about 100,000 made-up English place-name surnames (Ashworth, Brackford) sharing the rest;
  some second given names and preferred names;
- NHS numbers in the 999 test range (never issued), valid Modulus 11, unique: the six free digits run
  through a fixed permutation of 0..999999, numbers whose check digit would be 10 are skipped, and so is
  999 400 000-999 419 999, which the demo's 2,000 patients use. About 88 % of rows have one (there are
  only about 890,000 such numbers; when they run out the remaining rows have none);
- unique local numbers (BEN0000001...);
- dates of birth uniform over the last 100 years, in ISO or DD/MM/YYYY form; 1 % deceased with a date
  of death;
- addresses with a well-formed postcode for the town; UK mobile numbers (07[1-5,7-9] + 8 random digits:
  synthetic, never dialled) for 80 %, some landlines; emails at example.com/.org/.net for 30 %.

Query files (one query per line, UTF-8, not URL-encoded), sampled uniformly from the rows:
- nhs.txt      an NHS number, as `999 123 4567` or `9991234567`;
- dob_name.txt a date of birth with the family name (`smith 1980-02-01`, `01/02/1980 Smith`,
               `Zoë O'Brien 1980-02-01`);
- prefix.txt   the first 3 letters of the folded family name (`smi`, `obr`, `wis`);
- typo.txt     the folded family name (4+ letters) with one adjacent transposition or one substitution.
"""

import argparse
import bisect
import csv
import datetime
import itertools
import os
import random
import sys
import unicodedata

# ----------------------------------------------------------------------------------------------- names

# Common family names with rough UK weights (per 100,000 people); the rest share the long tail below.
FAMILY_COMMON = [
    ("Smith", 1150), ("Jones", 750), ("Williams", 550), ("Taylor", 450), ("Brown", 440), ("Davies", 400),
    ("Evans", 300), ("Wilson", 290), ("Thomas", 280), ("Johnson", 270), ("Roberts", 260), ("Robinson", 220),
    ("Thompson", 220), ("Wright", 210), ("Walker", 210), ("White", 200), ("Edwards", 200), ("Hughes", 200),
    ("Green", 190), ("Hall", 190), ("Lewis", 180), ("Harris", 180), ("Clarke", 170), ("Patel", 260),
    ("Jackson", 160), ("Wood", 160), ("Turner", 150), ("Martin", 150), ("Cooper", 150), ("Hill", 150),
    ("Ward", 140), ("Morris", 140), ("Moore", 140), ("Clark", 140), ("Lee", 140), ("King", 130),
    ("Baker", 130), ("Harrison", 130), ("Morgan", 130), ("Allen", 120), ("James", 120), ("Scott", 120),
    ("Phillips", 120), ("Watson", 110), ("Davis", 110), ("Parker", 110), ("Price", 110), ("Bennett", 110),
    ("Young", 100), ("Griffiths", 100), ("Mitchell", 100), ("Kelly", 100), ("Cook", 100), ("Carter", 100),
    ("Richardson", 90), ("Bailey", 90), ("Collins", 90), ("Bell", 90), ("Shaw", 90), ("Murphy", 90),
    ("Miller", 90), ("Cox", 90), ("Richards", 90), ("Khan", 150), ("Marshall", 80), ("Anderson", 80),
    ("Simpson", 80), ("Ellis", 80), ("Adams", 80), ("Singh", 140), ("Begum", 120), ("Wilkinson", 80),
    ("Foster", 70), ("Chapman", 70), ("Powell", 70), ("Webb", 70), ("Rogers", 70), ("Gray", 70),
    ("Mason", 70), ("Ali", 130), ("Hunt", 70), ("Hussain", 110), ("Campbell", 70), ("Matthews", 70),
    ("Owen", 70), ("Palmer", 60), ("Holmes", 60), ("Mills", 60), ("Barnes", 60), ("Knight", 60),
    ("Lloyd", 60), ("Butler", 60), ("Russell", 60), ("Barker", 60), ("Fisher", 60), ("Stevens", 60),
    ("Jenkins", 60), ("Murray", 60), ("Dixon", 60), ("Harvey", 60), ("Graham", 50), ("Pearson", 50),
    ("Ahmed", 100), ("Fletcher", 50), ("Walsh", 50), ("Kaur", 90), ("Gibson", 50), ("Howard", 50),
    ("Andrews", 50), ("Stewart", 50), ("Elliott", 50), ("Reynolds", 50), ("Saunders", 50), ("Payne", 50),
    ("Fox", 50), ("Ford", 50), ("Pearce", 50), ("Day", 40), ("Brooks", 40), ("West", 40),
    ("Lawrence", 40), ("Cole", 40), ("Atkinson", 40), ("Bradley", 40), ("Spencer", 40), ("Gill", 40),
    ("Dawson", 40), ("Ball", 40), ("Burton", 40), ("O'Brien", 40), ("O'Connor", 35), ("O'Neill", 35),
    ("O'Sullivan", 25), ("McDonald", 35), ("MacDonald", 30), ("McCarthy", 25), ("MacLeod", 20),
    ("Ó Súilleabháin", 3), ("Ní Bhriain", 2), ("ap Rhys", 3), ("Llewelyn", 10), ("Pryce", 10),
    ("Smith-Jones", 8), ("Taylor-Brown", 6), ("Harding-Rolls", 3), ("Fitzgerald", 20), ("Doherty", 20),
    ("Nguyễn", 30), ("Trần", 12), ("Lê", 10), ("Phạm", 8), ("Hoàng", 6), ("Đặng", 4),
    ("Chen", 25), ("Wang", 25), ("Li", 20), ("Zhang", 20), ("Liu", 15), ("Wong", 20), ("Lam", 10),
    ("Kowalski", 15), ("Kowalska", 15), ("Nowak", 25), ("Wiśniewski", 12), ("Wiśniewska", 12),
    ("Wójcik", 10), ("Kamińska", 8), ("Lewandowski", 8), ("Zieliński", 8), ("Szymańska", 6),
    ("Dąbrowski", 6), ("Kozłowska", 5), ("Jankowski", 5), ("Mazur", 6), ("Krawczyk", 5),
    ("Popescu", 12), ("Ionescu", 8), ("Ștefănescu", 3), ("Dumitru", 6), ("Constantin", 5),
    ("Kazlauskas", 5), ("Jankauskienė", 3), ("Petrauskas", 4),
    ("Silva", 20), ("Santos", 15), ("Ferreira", 12), ("Gonçalves", 8), ("Pereira", 10), ("Rodrigues", 10),
    ("Müller", 8), ("Schäfer", 3), ("Öztürk", 6), ("Yılmaz", 8), ("Çelik", 5), ("Kaya", 5),
    ("Okafor", 8), ("Adeyemi", 8), ("Mensah", 8), ("Osei", 7), ("Okonkwo", 6), ("Adebayo", 7),
    ("Abdi", 8), ("Mohamed", 30), ("Hassan", 15), ("Warsame", 4), ("Farah", 6), ("Ibrahim", 10),
    ("Rahman", 25), ("Miah", 20), ("Uddin", 15), ("Islam", 12), ("Chowdhury", 10), ("Akhtar", 12),
    ("Iqbal", 12), ("Mahmood", 10), ("Shah", 20), ("Sharma", 15), ("Kumar", 15), ("Gupta", 8),
    ("Desai", 6), ("Mistry", 6), ("Sandhu", 6), ("Dhillon", 5), ("García", 8), ("Núñez", 3),
    ("Muñoz", 3), ("Fernández", 5), ("Rossi", 5), ("Bianchi", 3), ("Papadopoulos", 3),
]
# Long tail: English place-name surnames (Ashworth, Blackwood, Kingsley...), each rare.
TAIL_HEADS = [
    "Ash", "Black", "Brad", "Brook", "Cald", "Craw", "Hart", "Holl", "Kings", "Lang", "Whit", "Went",
    "Hather", "Bram", "Chat", "Dart", "Elm", "Fair", "Garn", "Hal", "Har", "Hazel", "Hol", "Kirk",
    "Lam", "Marl", "Mid", "Nor", "Oak", "Pen", "Rad", "Red", "Rock", "Rus", "Sand", "Shel", "Stan",
    "Stock", "Sut", "Thorn", "Wal", "West", "Wick", "Win", "Wool", "Yar", "Birk", "Bol", "Cam", "Dun",
    "Ember", "Fen", "Glen", "Heath", "Ing", "Knap", "Lid", "Mar", "New", "Ot", "Pick", "Quen", "Ros",
    "Sel", "Tod", "Ux", "Ver", "Wex", "Ald", "Bur", "Col", "Dal", "Eg", "Fran", "Gos", "Hux",
]
TAIL_TAILS = [
    "ley", "ford", "worth", "ton", "field", "wood", "by", "ham", "well", "combe", "stone", "bury",
    "more", "dale", "hurst", "wick", "thorpe", "cott", "bridge", "shaw", "stead", "land", "brook", "den",
]
# ...and many more from English-sounding syllables (Brackford, Shelwood, Trimley): about 100,000 names.
ONSETS = ["B", "Br", "C", "Ch", "Cr", "D", "Dr", "F", "Fl", "G", "Gr", "H", "K", "L", "M", "N", "P", "Pr",
          "R", "S", "Sh", "St", "T", "Th", "Tr", "W", "Wh", "Y"]
VOWELS = ["a", "e", "i", "o", "u", "ea", "oo", "ai"]
CODAS = ["b", "ck", "d", "g", "l", "ll", "m", "n", "nd", "p", "r", "rn", "s", "t", "th", "rk", "st"]
FAMILY_TAIL = sorted({h + t for h in TAIL_HEADS for t in TAIL_TAILS}
                     | {o + v + c + t for o in ONSETS for v in VOWELS for c in CODAS for t in TAIL_TAILS})

GIVEN_FEMALE = [
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Rosie", "Sophia", "Grace",
    "Freya", "Emily", "Ella", "Poppy", "Evie", "Charlotte", "Florence", "Sophie", "Alice", "Zoë",
    "Chloé", "Siân", "Rhiannon", "Cerys", "Ffion", "Seren", "Aoife", "Niamh", "Siobhán", "Róisín",
    "Eilidh", "Mairi", "Margaret", "Mary", "Patricia", "Susan", "Elizabeth", "Sarah", "Jennifer",
    "Karen", "Helen", "Janet", "Joan", "Dorothy", "Jean", "Pauline", "Christine", "Gillian", "Lesley",
    "Fatima", "Aisha", "Maryam", "Zainab", "Amina", "Khadija", "Nusrat", "Shirin", "Priya", "Anjali",
    "Harpreet", "Gurpreet", "Simran", "Małgorzata", "Agnieszka", "Zofia", "Katarzyna", "Łucja",
    "Ioana", "Andreea", "Elena", "Inês", "Beatriz", "João", "Gülşen", "Ayşe", "Thảo", "Thị Lan",
    "Mei", "Xiaoling", "Chidinma", "Ngozi", "Adaeze", "Abena", "Hodan", "Ifrah", "Renée", "Anaïs",
    "Mary Ann", "Anne-Marie", "Lucy", "Hannah", "Jessica", "Ruby", "Matilda", "Daisy", "Phoebe",
    "Eleanor", "Harriet", "Imogen", "Megan", "Bethan", "Nia", "Catrin", "Ellie", "Holly", "Millie",
]
GIVEN_MALE = [
    "Oliver", "George", "Noah", "Arthur", "Leo", "Muhammad", "Harry", "Oscar", "Archie", "Henry",
    "Theodore", "Freddie", "Jack", "Charlie", "Thomas", "William", "James", "Alfie", "Jacob", "Joshua",
    "Dylan", "Rhys", "Gareth", "Dafydd", "Iwan", "Seán", "Ciarán", "Pádraig", "Eoin", "Conor",
    "Hamish", "Ewan", "Callum", "David", "John", "Michael", "Peter", "Robert", "Paul", "Stephen",
    "Andrew", "Christopher", "Mark", "Richard", "Anthony", "Kevin", "Brian", "Colin", "Keith", "Graham",
    "Mohammed", "Ahmed", "Ali", "Omar", "Yusuf", "Ibrahim", "Hamza", "Bilal", "Arjun", "Rohan",
    "Ravi", "Harjit", "Gurdeep", "Jaspreet", "Łukasz", "Wojciech", "Piotr", "Krzysztof", "Paweł",
    "Ștefan", "Andrei", "Mihai", "José", "João", "Tiago", "Mehmet", "Emre", "Çağan", "Minh", "Văn An",
    "Wei", "Jun", "Chinedu", "Oluwaseun", "Kwame", "Kofi", "Abdirahman", "Jean-Luc", "René", "Søren",
    "Žygimantas", "Jonas", "Ethan", "Lucas", "Samuel", "Daniel", "Benjamin", "Max", "Isaac", "Finley",
    "Toby", "Reuben", "Sebastian", "Edward", "Frederick", "Albert", "Ernest", "Harold", "Stanley",
]
NICKNAMES = {
    "Elizabeth": "Liz", "Margaret": "Peggy", "William": "Bill", "Robert": "Bob", "Christopher": "Chris",
    "Oluwaseun": "Seun", "Katarzyna": "Kasia", "Małgorzata": "Gosia", "Alexander": "Alex",
    "Anthony": "Tony", "Michael": "Mike", "Stephen": "Steve", "Andrew": "Andy", "Jennifer": "Jen",
    "Muhammad": "Mo", "Mohammed": "Mo", "Theodore": "Theo", "Frederick": "Fred", "Benjamin": "Ben",
}

# Towns with their postcode districts (well-formed outward codes).
TOWNS = [
    ("London", ["E1", "E8", "E17", "N7", "N16", "NW1", "NW10", "SE1", "SE15", "SW1A", "SW9", "W1D", "W12", "EC1A", "WC2H"]),
    ("Bristol", ["BS1", "BS2", "BS3", "BS5", "BS6", "BS7", "BS8", "BS13", "BS16"]),
    ("Cardiff", ["CF10", "CF11", "CF14", "CF23", "CF24"]),
    ("Birmingham", ["B1", "B5", "B11", "B15", "B21", "B30"]),
    ("Manchester", ["M1", "M4", "M13", "M14", "M20"]),
    ("Leeds", ["LS1", "LS6", "LS8", "LS11"]),
    ("Glasgow", ["G1", "G3", "G12", "G41"]),
    ("Edinburgh", ["EH1", "EH3", "EH6", "EH11"]),
    ("Belfast", ["BT1", "BT7", "BT9"]),
    ("Newcastle upon Tyne", ["NE1", "NE4", "NE6"]),
    ("Liverpool", ["L1", "L8", "L15", "L17"]),
    ("Nottingham", ["NG1", "NG7", "NG9"]),
    ("Swansea", ["SA1", "SA2"]),
    ("Leicester", ["LE1", "LE2", "LE5"]),
]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
STREETS = [
    "High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane", "Park Avenue", "Queen Street",
    "Heol y Bont", "Ffordd y Parc", "Bryn Road", "Green Lane", "Manor Road", "The Crescent", "Kingsway",
    "St John's Road", "Albert Road", "Chapel Street", "School Lane", "Orchard Close", "Meadow View",
]
LANGUAGES = [("en", 900), ("pl", 15), ("ro", 10), ("ur", 10), ("cy", 15), ("bn", 8), ("so", 5), ("pa", 8),
             ("ar", 6), ("pt", 8), ("lt", 4), ("tr", 4), ("vi", 3), ("zh", 4)]
EMAIL_DOMAINS = ["example.com", "example.org", "example.net"]
DEMO_NHS_RANGE = (400_000, 420_000)  # six free digits the demo seeds from (999 400 001 upwards)


def fold(s):
    """Mirror of domain::patients::names::fold: lower case, accents and apostrophes removed."""
    out = []
    for c in unicodedata.normalize("NFKD", s):
        if unicodedata.combining(c) or c in "'’ʻ‘`.":
            continue
        out.append(c.lower() if c.isalnum() else " ")
    return "".join(out)


def nhs_check_digit(nine):
    total = sum(d * w for d, w in zip(nine, range(10, 1, -1)))
    c = 11 - total % 11
    if c == 11:
        return 0
    if c == 10:
        return None
    return c


class Weighted:
    def __init__(self, pairs):
        self.items = [p[0] for p in pairs]
        self.cum = list(itertools.accumulate(p[1] for p in pairs))
        self.total = self.cum[-1]

    def pick(self, rng):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


class Reservoir:
    def __init__(self, size, rng):
        self.size, self.rng, self.seen, self.items = size, rng, 0, []

    def offer(self, make):
        """`make` builds the item only when it is kept (most rows are not)."""
        self.seen += 1
        if len(self.items) < self.size:
            self.items.append(make())
        else:
            j = self.rng.randrange(self.seen)
            if j < self.size:
                self.items[j] = make()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--out", required=True, help="CSV file to write ('-' for stdout)")
    ap.add_argument("--queries", help="folder for the query files (nhs.txt, dob_name.txt, prefix.txt, typo.txt)")
    ap.add_argument("--samples", type=int, default=2000, help="queries per kind")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    qrng = random.Random(args.seed + 1000)  # query sampling: separate, so the rows do not depend on it
    today = datetime.date.today()
    oldest = today.toordinal() - 36524  # 100 years
    # Family names: the common list (weights per 100,000), then the tail sharing what is left.
    common = [(n, w) for n, w in FAMILY_COMMON if w > 0]
    common_total = sum(w for _, w in common)
    tail_weight = max(100_000 - common_total, 0) / len(FAMILY_TAIL)
    family = Weighted(common + [(n, tail_weight) for n in FAMILY_TAIL])
    languages = Weighted(LANGUAGES)

    # NHS numbers: the six free digits run through a fixed permutation of 0..999999 (A is coprime with 10^6).
    perm_a, perm_b = 387_419, 123_457
    nhs_counter = 0

    def next_nhs():
        nonlocal nhs_counter
        while nhs_counter < 1_000_000:
            six = (nhs_counter * perm_a + perm_b) % 1_000_000
            nhs_counter += 1
            if DEMO_NHS_RANGE[0] <= six < DEMO_NHS_RANGE[1]:
                continue
            nine = [9, 9, 9] + [int(c) for c in f"{six:06d}"]
            c = nhs_check_digit(nine)
            if c is not None:
                return "".join(map(str, nine)) + str(c)
        return None  # the 999 range is used up

    samples = {k: Reservoir(args.samples, qrng) for k in ("nhs", "dob_name", "prefix", "typo")}
    letters = "abcdefghijklmnopqrstuvwxyz"

    out = sys.stdout if args.out == "-" else open(args.out, "w", newline="", encoding="utf-8", buffering=1 << 20)
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["nhs_number", "local_number", "title", "given_names", "family_name", "preferred_name",
                "date_of_birth", "gender", "date_of_death", "registration_status", "address_line_1",
                "address_line_2", "town", "postcode", "country", "mobile", "phone", "email", "preferred_language",
                "interpreter_language"])
    with_nhs = 0
    for i in range(args.rows):
        female = rng.random() < 0.51
        pool = GIVEN_FEMALE if female else GIVEN_MALE
        given = rng.choice(pool)
        if rng.random() < 0.25:
            second = rng.choice(pool)
            if second != given:
                given = f"{given} {second}"
        fam = family.pick(rng)
        r = rng.random()
        gender = "female" if female else "male"
        if r < 0.004:
            gender = "other"
        elif r < 0.01:
            gender = "unknown"
        preferred = ""
        first = given.split()[0]
        if first in NICKNAMES and rng.random() < 0.3:
            preferred = NICKNAMES[first]
        dob = datetime.date.fromordinal(rng.randint(oldest, today.toordinal()))
        age = (today - dob).days / 365.25
        if age < 16:
            title = ""
        elif female:
            title = rng.choice(["Ms", "Mrs", "Miss", "Dr", "", ""])
        else:
            title = rng.choice(["Mr", "Mr", "Dr", "", ""])
        death = ""
        status = "registered"
        if rng.random() < 0.01:
            death = datetime.date.fromordinal(rng.randint(dob.toordinal(), today.toordinal())).isoformat()
            status = "deceased"
        elif rng.random() < 0.03:
            status = "temporary"
        nhs = next_nhs() if rng.random() < 0.88 else None
        if nhs:
            with_nhs += 1
        town, districts = rng.choice(TOWNS)
        postcode = f"{rng.choice(districts)} {rng.randint(0, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
        line1 = f"{rng.randint(1, 250)} {rng.choice(STREETS)}"
        line2 = f"Flat {rng.randint(1, 40)}" if rng.random() < 0.15 else ""
        mobile = ""
        if rng.random() < 0.8:
            mobile = f"07{rng.choice('12345789')}{rng.randint(0, 99):02d} {rng.randint(0, 999999):06d}"
        phone = ""
        if rng.random() < 0.1:  # landline: 0 + area code + local number, 10 digits after the 0
            area = rng.choice(["117", "29", "121", "161", "113", "141", "131"])
            rest = 9 - len(area)  # the local number is 10 - len(area) digits, starting 2-9
            local = f"{rng.randint(2, 9)}{rng.randint(0, 10 ** rest - 1):0{rest}d}"
            phone = f"0{area} {local[:len(local) - 4]} {local[-4:]}"
        email = ""
        if rng.random() < 0.3:
            email = f"{fold(first).replace(' ', '')}.{fold(fam).replace(' ', '')}{rng.randint(1, 999)}@{rng.choice(EMAIL_DOMAINS)}"
        lang = languages.pick(rng)
        interpreter = lang if lang not in ("en", "cy") and rng.random() < 0.4 else ""
        dob_text = dob.isoformat() if rng.random() < 0.7 else dob.strftime("%d/%m/%Y")
        w.writerow([nhs or "", f"BEN{i + 1:07d}", title, given, fam, preferred, dob_text, gender, death, status,
                    line1, line2, town, postcode, "GB", mobile, phone, email, lang, interpreter])

        # Query samples (built only when kept).
        if nhs:
            samples["nhs"].offer(lambda nhs=nhs: f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}" if qrng.random() < 0.5 else nhs)

        def dob_name(dob=dob, fam=fam, given=given):
            name = fam if qrng.random() < 0.8 else f"{given.split()[0]} {fam}"
            name = name.lower() if qrng.random() < 0.5 else name
            if qrng.random() < 0.5:
                return f"{name} {dob.isoformat()}"
            return f"{dob.strftime('%d/%m/%Y')} {name}"
        samples["dob_name"].offer(dob_name)
        folded = fold(fam).split()
        head = folded[0] if folded else ""
        if len(head) >= 3:
            samples["prefix"].offer(lambda head=head: head[:3])
        if len(head) >= 4:
            def typo(word=head):
                chars = list(word)
                if qrng.random() < 0.5:  # swap two neighbours that differ
                    spots = [k for k in range(len(chars) - 1) if chars[k] != chars[k + 1]]
                    k = qrng.choice(spots or [0])
                    chars[k], chars[k + 1] = chars[k + 1], chars[k]
                else:  # substitute one letter (not the first: people rarely get that wrong)
                    k = qrng.randrange(1, len(chars))
                    chars[k] = qrng.choice([c for c in letters if c != chars[k]])
                return "".join(chars)
            samples["typo"].offer(typo)
    if out is not sys.stdout:
        out.close()

    if args.queries:
        os.makedirs(args.queries, exist_ok=True)
        for kind, res in samples.items():
            items = list(res.items)
            qrng.shuffle(items)
            with open(os.path.join(args.queries, f"{kind}.txt"), "w", encoding="utf-8") as f:
                f.writelines(q + "\n" for q in items)
    print(f"wrote {args.rows} rows ({with_nhs} with an NHS number) to {args.out}"
          + (f"; {args.samples} queries per kind in {args.queries}" if args.queries else ""), file=sys.stderr)


if __name__ == "__main__":
    main()
