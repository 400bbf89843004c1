"""Made-up people and companies: small word lists, no Faker.

Every address ends in ``.example`` (RFC 2606), so no generated email can reach a real person.
"""

from __future__ import annotations

import functools
import re

import numpy as np

FIRST_NAMES: tuple[str, ...] = (
    "Aaliyah", "Aarav", "Adaeze", "Adrian", "Aiko", "Alejandro", "Alice", "Amara", "Amelia",
    "Ana", "Andrei", "Anika", "Arjun", "Astrid", "Ava", "Beatriz", "Benjamin", "Bilal", "Bruno",
    "Camila", "Carlos", "Chen", "Chloe", "Chidi", "Clara", "Daniel", "Dara", "David", "Diego",
    "Dmitri", "Elena", "Elif", "Emeka", "Emily", "Emma", "Erik", "Esther", "Ethan", "Fatima",
    "Felix", "Finn", "Freya", "Gabriel", "Grace", "Hana", "Hannah", "Hiro", "Ibrahim", "Ines",
    "Isabel", "Ivan", "Jack", "James", "Jana", "Javier", "Jin", "Jonas", "Julia", "Kai",
    "Kavya", "Kenji", "Kofi", "Lars", "Layla", "Leila", "Leo", "Liam", "Lina", "Lucas", "Lucia",
    "Maya", "Mateo", "Mei", "Mia", "Miguel", "Mohammed", "Nadia", "Naomi", "Nia", "Noah",
    "Nora", "Olga", "Oliver", "Omar", "Oscar", "Paula", "Priya", "Rafael", "Ravi", "Rosa",
    "Ruth", "Sakura", "Samuel", "Sara", "Sebastian", "Sofia", "Sven", "Tariq", "Thomas",
    "Tomas", "Valentina", "Victor", "Wei", "Yara", "Yusuf", "Zara", "Zoe",
)
LAST_NAMES: tuple[str, ...] = (
    "Abbott", "Adeyemi", "Agarwal", "Alvarez", "Andersen", "Bakker", "Banerjee", "Becker",
    "Bianchi", "Brown", "Castillo", "Chen", "Cohen", "Costa", "Dang", "Dubois", "Dunn",
    "Eriksson", "Fernandes", "Fischer", "Flores", "Garcia", "Gonzalez", "Gupta", "Haddad",
    "Hansen", "Hassan", "Hughes", "Ibrahim", "Ito", "Jansen", "Johansson", "Johnson", "Kaur",
    "Khan", "Kim", "Kowalski", "Kumar", "Larsen", "Lee", "Lindqvist", "Lopez", "Mahlangu",
    "Martin", "Martinez", "Meyer", "Moreau", "Murphy", "Nakamura", "Nguyen", "Novak",
    "Nowak", "Obi", "Okafor", "Olsen", "Ortiz", "Osei", "Park", "Patel", "Pereira", "Petrov",
    "Popescu", "Quinn", "Rahman", "Reyes", "Ricci", "Rossi", "Sato", "Schmidt", "Schneider",
    "Shah", "Silva", "Singh", "Smith", "Sokolov", "Suzuki", "Tanaka", "Taylor", "Thompson",
    "Torres", "Tran", "Van Dijk", "Vargas", "Wagner", "Walker", "Wang", "Weber", "Williams",
    "Wong", "Yamamoto", "Yilmaz", "Zhang",
)

COMPANY_FIRST: tuple[str, ...] = (
    "Amber", "Apex", "Arbor", "Atlas", "Aurora", "Beacon", "Birch", "Blue", "Bright", "Cedar",
    "Cinder", "Clear", "Cobalt", "Copper", "Coral", "Crest", "Delta", "Ember", "Evergreen",
    "Falcon", "Fern", "Flint", "Forge", "Golden", "Granite", "Harbor", "Hawk", "Helix",
    "Horizon", "Indigo", "Iron", "Juniper", "Keystone", "Lark", "Linden", "Lumen", "Maple",
    "Meridian", "Nimbus", "North", "Nova", "Oak", "Onyx", "Orbit", "Pine", "Pioneer", "Prairie",
    "Quarry", "Quartz", "Raven", "Red", "Ridge", "River", "Sable", "Sage", "Signal", "Silver",
    "Solar", "Spruce", "Stone", "Summit", "Swift", "Tidal", "Timber", "True", "Vantage",
    "Vector", "Willow", "Zenith",
)
COMPANY_SECOND: tuple[str, ...] = (
    "Bay", "Bridge", "Brook", "Cloud", "Core", "Field", "Gate", "Grove", "Hill", "Lake",
    "Leaf", "Light", "Line", "Mark", "Mill", "Park", "Path", "Peak", "Point", "Port",
    "Rock", "Shore", "Sky", "Spark", "Spring", "Star", "Stream", "Vale", "View", "Wave",
    "Way", "Wind", "Wood", "Works", "Yard",
)
# Company suffix by industry (same order as profiles.INDUSTRIES).
COMPANY_SUFFIX: tuple[tuple[str, ...], ...] = (
    ("Software", "Labs", "Systems"),
    ("Capital", "Pay", "Finance"),
    ("Health", "Clinics", "Care"),
    ("Goods", "Retail", "Stores"),
    ("Manufacturing", "Industries", "Works"),
    ("Logistics", "Freight", "Shipping"),
    ("Learning", "Academy", "Education"),
    ("Media", "Studios", "Publishing"),
    ("Partners", "Consulting", "Advisors"),
    ("Properties", "Realty", "Estates"),
    ("Foundation", "Trust", "Alliance"),
    ("Travel", "Journeys", "Hospitality"),
)
SUBSIDIARY_REGIONS: tuple[str, ...] = ("EMEA", "APAC", "Canada", "UK", "LATAM", "DACH")

# Job titles by contact role (same order as schema.CONTACT_ROLES).
TITLES: tuple[tuple[str, ...], ...] = (
    ("Head of Operations", "RevOps Manager", "Director of Analytics", "Customer Success Lead"),
    ("IT Administrator", "Systems Administrator", "Platform Engineer", "IT Manager"),
    ("Analyst", "Account Manager", "Operations Specialist", "Data Analyst", "Team Lead",
     "Marketing Manager", "Sales Representative", "Support Specialist"),
    ("VP Operations", "Chief Operating Officer", "VP Customer Success", "Chief Revenue Officer"),
    ("Finance Manager", "Accounts Payable Specialist", "Controller"),
)


@functools.lru_cache(maxsize=4096)
def slug(text: str) -> str:
    """Lower-case letters and digits only: "Van Dijk" -> "vandijk"."""
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def company_names(
    rng: np.random.Generator, industry: np.ndarray, used: set[str]
) -> tuple[list[str], list[str]]:
    """A company name and an email domain per account; domains are unique across calls."""
    a = rng.integers(0, len(COMPANY_FIRST), len(industry))
    b = rng.integers(0, len(COMPANY_SECOND), len(industry))
    c = rng.integers(0, 3, len(industry))
    names: list[str] = []
    domains: list[str] = []
    for i in range(len(industry)):
        base = f"{COMPANY_FIRST[a[i]]}{COMPANY_SECOND[b[i]].lower()}"
        name = f"{base} {COMPANY_SUFFIX[industry[i]][c[i]]}"
        stem = slug(base)
        domain, n = f"{stem}.example", 1
        while domain in used:  # a second "Bluebay" becomes bluebay2.example, and so on
            n += 1
            domain = f"{stem}{n}.example"
        used.add(domain)
        if n > 1:
            name = f"{base} {COMPANY_SUFFIX[industry[i]][(c[i] + n) % 3]}"
        names.append(name)
        domains.append(domain)
    return names, domains


def people(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Indexes into FIRST_NAMES and LAST_NAMES for ``n`` people."""
    return rng.integers(0, len(FIRST_NAMES), n), rng.integers(0, len(LAST_NAMES), n)


def person_email(first: str, last: str, domain: str, taken: set[str]) -> str:
    """first.last@domain, numbered when a namesake at the same company already has it."""
    local = f"{slug(first)}.{slug(last)}"
    email, n = f"{local}@{domain}", 1
    while email in taken:
        n += 1
        email = f"{local}{n}@{domain}"
    taken.add(email)
    return email


def csm_emails(rng: np.random.Generator, n: int, domain: str) -> list[str]:
    """Emails of the vendor's CSMs."""
    first, last = people(rng, n)
    taken: set[str] = set()
    return [person_email(FIRST_NAMES[f], LAST_NAMES[g], domain, taken)
            for f, g in zip(first, last, strict=True)]
