"""The privacy notice, alive (SPEC §8.6): rendered from configuration and the data model.

Each table of storage/models.py is mapped here to a data category of notice §5 (or marked as
internal); the fields listed under each category are read from the model's columns, so the
published notice cannot drift from what the database stores. A test fails when a table is added
without a place in this map.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.domain.enums import Source
from bot.domain.permissions import PERMISSION_TABLE, Role
from bot.domain.retention import INVOICE_RULE
from storage.models import Base

# Columns that are mechanics, not information about anyone.
INTERNAL_COLUMNS = frozenset(
    {"id", "customer_id", "name_search", "entity_id", "request_id", "contact_person_id",
     "service_user_id", "consent_id", "transfer_consent_id", "code_hash", "code_attempts",
     "code_expires_at"}
)  # fmt: skip

# table -> category key (notice §5 a–i); None: internal records that hold no customer data.
TABLE_CATEGORIES: dict[str, str | None] = {
    "customer": "a",
    "contact_person": "b",
    "service_user": "c",
    "contract": "d",
    "data_subject_request": "d",
    "request_event": "d",
    "billing_profile": "e",
    "invoice": "e",
    "correspondence": "f",
    "consent": "i",
    "disclosure": "d",
    "usage_event": "h",
    "field_change": "h",
    "audit_event": None,
    "audit_head": None,
    "counter": None,
    "staff_member": None,
    "notification": None,
}
CATEGORY_ORDER = "abcdefghi"

_TEXT = {
    "fi": {
        "title": "Tietosuojaseloste — {register}",
        "generated": "Tämä seloste on tuotettu rekisterin asetuksista ja tietomallista.",
        "s1": "1. Rekisterinpitäjä",
        "s2": "2. Yhteyshenkilö rekisteriä koskevissa asioissa",
        "s3": "3. Rekisterin nimi",
        "s4": "4. Henkilötietojen käsittelyn tarkoitus",
        "purposes": "Asiakassuhteen ja palveluiden hallinta, hoitaminen, ylläpito ja kehittäminen; "
        "palveluiden toimittaminen; palveluita koskeva markkinointi; tilastolliset tarkoitukset. "
        "Asiakkaalla on oikeus kieltää itseensä kohdistuva suoramarkkinointi; kielto kirjataan "
        "heti ja sitä noudatetaan kaikessa markkinoinnissa.",
        "s5": "5. Rekisterin tietosisältö",
        "s6": "6. Säännönmukaiset tietolähteet",
        "s7": "7. Tietojen säännönmukaiset luovutukset",
        "disclosures": "Tietoja luovutetaan yhteistyökumppaneille vain rekisteröidyn voimassa "
        "olevalla suostumuksella; ilman suostumusta vain lain edellyttämissä tilanteissa, "
        "lainkohta kirjattuna. Jokainen luovutus kirjataan.",
        "s8": "8. Tietojen siirto EU:n tai ETA:n ulkopuolelle",
        "transfers": "Tietoja ei siirretä EU- tai ETA-alueen ulkopuolelle ilman rekisteröidyn "
        "voimassa olevaa suostumusta; järjestelmä estää tällaisen luovutuksen ilman sitä.",
        "s9": "9. Rekisterin suojauksen periaatteet",
        "security": "Tietoihin pääsee vain henkilöstö, jonka työtehtävät sitä edellyttävät: "
        "roolit {roles}. Jokainen henkilötietojen luku ja muutos kirjataan "
        "muuttumattomaksi ketjutettuun lokiin. Salasanat tallennetaan vain argon2id-"
        "tiivisteinä.",
        "s10": "10. Säilytysajat",
        "retention": "Palvelun käyttölokit säilytetään {days} päivää. Kun asiakkaan tiedot "
        "poistetaan, laskut säilytetään kirjanpitolain mukaisesti ({years} vuotta "
        "tilikauden päättymisvuoden lopusta) ja poistetaan sen jälkeen.",
        "missing": "(ei asetettu)",
        "a": "Asiakkaan perustiedot",
        "b": "Yhteyshenkilöiden ja käyttäjien nimet ja yhteystiedot",
        "c": "Tunnisteet ja käyttäjätunnukset; salasanat vain suojattuina tiivisteinä",
        "d": "Asiakkuus, sopimukset, pyynnöt, luovutukset ja asiakashistoria",
        "e": "Laskutustiedot",
        "f": "Viestinvaihto asiakkaan kanssa kanavasta riippumatta, nauhoitteiden sijainnit",
        "g": "Johdetut tiedot (esim. asiakkuuden tila)",
        "h": "Palvelun käyttölokit ja tietojen muutokset",
        "i": "Suostumukset ja suostumuksella kerätyt lisätiedot",
        "source.customer": "asiakas itse",
        "source.service_user": "palvelun käyttäjä",
        "source.customer_admin": "asiakkaan pääkäyttäjä",
        "source.staff": "rekisterinpitäjän henkilöstö",
        "source.population_register": "väestötietojärjestelmä",
        "source.business_register": "kaupparekisteri / YTJ",
        "source.import": "tiedostotuonti",
    },
    "en": {
        "title": "Privacy notice — {register}",
        "generated": "This notice is generated from the register's settings and data model.",
        "s1": "1. Controller",
        "s2": "2. Contact person for matters concerning the register",
        "s3": "3. Name of the register",
        "s4": "4. Purposes of processing",
        "purposes": "Managing, maintaining and developing the customer relationship and "
        "services; delivering the services; marketing of the services; statistics. The "
        "customer may forbid direct marketing; the opt-out is recorded at once and honoured "
        "in all marketing.",
        "s5": "5. Data content",
        "s6": "6. Regular sources of data",
        "s7": "7. Regular disclosures",
        "disclosures": "Data are disclosed to partners only with the data subject's active "
        "consent; without consent only where the law requires it, with the legal provision "
        "recorded. Every disclosure is logged.",
        "s8": "8. Transfers outside the EU/EEA",
        "transfers": "Data are not transferred outside the EU/EEA without the data subject's "
        "active consent; the system refuses such a disclosure without it.",
        "s9": "9. Security",
        "security": "Only staff whose work requires it have access: roles {roles}. Every read "
        "and change of personal data is written to a tamper-evident, hash-chained log. "
        "Passwords are stored only as argon2id hashes.",
        "s10": "10. Retention",
        "retention": "Service usage logs are kept for {days} days. When a customer is erased, "
        "invoices are kept as the Accounting Act requires ({years} years from the end of the "
        "year in which the financial year ended) and deleted after that.",
        "missing": "(not set)",
        "a": "Basic details of the customer",
        "b": "Names and contact details of contact persons and users",
        "c": "Identifiers and usernames; passwords only as protected hashes",
        "d": "Customer relationship, contracts, requests, disclosures and history",
        "e": "Billing data",
        "f": "Correspondence with the customer on any channel; locations of call recordings",
        "g": "Derived data (e.g. the state of the relationship)",
        "h": "Service usage logs and data changes",
        "i": "Consents and additional data collected with consent",
        "source.customer": "the customer",
        "source.service_user": "the service user",
        "source.customer_admin": "the customer's administrator",
        "source.staff": "the controller's staff",
        "source.population_register": "the population information system",
        "source.business_register": "the trade register / business information system",
        "source.import": "file import",
    },
}


@dataclass(frozen=True)
class NoticeSection:
    heading: str
    body: list[str]


def category_fields() -> dict[str, list[str]]:
    """Category key → the model columns that hold it, read from the SQLAlchemy metadata."""
    fields: dict[str, list[str]] = {key: [] for key in CATEGORY_ORDER}
    for table in Base.metadata.sorted_tables:
        category = TABLE_CATEGORIES[table.name]
        if category is None:
            continue
        columns = [
            column.name.replace("_", " ")
            + (" (argon2id)" if column.name == "password_hash" else "")
            for column in table.columns
            if column.name not in INTERNAL_COLUMNS
        ]
        fields[category].append(f"{table.name.replace('_', ' ')} ({', '.join(columns)})")
    fields["g"].append("customer (status)")
    return fields


def render_notice(settings: Settings, language: str = "fi") -> list[NoticeSection]:
    """The notice as sections of plain text, in Finnish or English."""
    text = _TEXT["en" if language == "en" else "fi"]
    missing = text["missing"]
    controller = [settings.controller_name]
    if settings.controller_business_id:
        controller[0] += f", {settings.controller_business_id}"
    controller.append(settings.controller_address or missing)
    fields = category_fields()
    categories = [
        f"({key}) {text[key]}: " + "; ".join(fields[key]) for key in CATEGORY_ORDER if fields[key]
    ]
    roles = ", ".join(
        r.value for r in Role if any(r in holders for holders in PERMISSION_TABLE.values())
    )
    return [
        NoticeSection(text["s1"], controller),
        NoticeSection(text["s2"], [settings.controller_contact or missing]),
        NoticeSection(text["s3"], [settings.register_name]),
        NoticeSection(text["s4"], [text["purposes"]]),
        NoticeSection(text["s5"], categories),
        NoticeSection(text["s6"], [", ".join(text[f"source.{s.value}"] for s in Source)]),
        NoticeSection(text["s7"], [text["disclosures"]]),
        NoticeSection(text["s8"], [text["transfers"]]),
        NoticeSection(text["s9"], [text["security"].format(roles=roles)]),
        NoticeSection(
            text["s10"],
            [
                text["retention"].format(
                    days=settings.usage_retention_days, years=INVOICE_RULE.years
                )
            ],
        ),
    ]


def notice_title(settings: Settings, language: str = "fi") -> str:
    """The notice's heading."""
    return _TEXT["en" if language == "en" else "fi"]["title"].format(
        register=settings.register_name
    )


def notice_as_text(settings: Settings, language: str = "fi") -> str:
    """The whole notice as plain text (for `regbot notice`)."""
    text = _TEXT["en" if language == "en" else "fi"]
    lines = [notice_title(settings, language), text["generated"], ""]
    for section in render_notice(settings, language):
        lines.append(section.heading)
        lines += [f"  {line}" for line in section.body]
        lines.append("")
    return "\n".join(lines)
