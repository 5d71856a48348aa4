"""Messages about the people of customers as data subjects (SPEC §2.11, §5.8): references,
rectification, removal, restriction, requests about one person."""

from __future__ import annotations

FI: dict[str, str] = {
    "error.subject_invalid": (
        "“{ref}” ei ole asiakkaan eikä henkilön tunnus: anna REF, REF/cN tai REF/uN."
    ),
    "error.subject_not_contact": "Anna yhteyshenkilö muodossa REF/cN (saatiin “{ref}”).",
    "error.subject_not_user": "Anna palvelun käyttäjä muodossa REF/uN (saatiin “{ref}”).",
    "error.subject_not_user_here": (
        "Tähän käy asiakas (REF) tai yhteyshenkilö (REF/cN), ei palvelun käyttäjä (“{ref}”)."
    ),
    "error.contact_not_found": "Asiakkaalla {number} ei ole yhteyshenkilöä c{n}.",
    "error.user_not_found": "Asiakkaalla {number} ei ole palvelun käyttäjää u{n}.",
    "error.contact_removed": (
        "{label} lähti asiakkaan palveluksesta {at}, ja tiedot anonymisoitiin."
    ),
    "error.person_erased": "Henkilön {label} tiedot poistettiin {at}.",
    "error.restricted": (
        "{label} on käsittelyrajoituksen alainen {at} alkaen{request}: tietoja säilytetään ja "
        "niitä voi lukea, mutta niitä ei saa {what}."
    ),
    "restricted.change": "muuttaa",
    "restricted.disclose": "luovuttaa",
    "restricted.transfer": "siirtää EU/ETA-alueen ulkopuolelle",
    "restricted.marketing": "käyttää markkinointiin",
    "restricted.request": " (pyyntö {label})",
    "person.updated": "{label} päivitetty: {fields}.",
    "person.unchanged": "{label}: ei muutoksia.",
    "person.set_nothing": "Anna ainakin yksi kenttä muodossa avain=arvo.",
    "user.disabled_now": "Palvelun käyttäjä {label} poistettu käytöstä.",
    "user.enabled_now": "Palvelun käyttäjä {label} otettu taas käyttöön.",
    "user.already_disabled": "Palvelun käyttäjä {label} oli jo poissa käytöstä.",
    "user.already_enabled": "Palvelun käyttäjä {label} oli jo käytössä.",
    "contact.removed_now": (
        "Yhteyshenkilö {label} poistettu: hän lähti asiakkaan palveluksesta, ja hänen "
        "tietonsa anonymisoitiin."
    ),
    "restrict.done": (
        "{label} on nyt käsittelyrajoituksen alainen: tietoja säilytetään ja niitä voi lukea, "
        "mutta niitä ei muuteta, luovuteta, siirretä eikä käytetä markkinointiin."
    ),
    "restrict.already": "{label} oli jo käsittelyrajoituksen alainen ({at} alkaen).",
    "unrestrict.done": "Käsittelyrajoitus poistettu: {label}.",
    "unrestrict.not": "{label} ei ollut käsittelyrajoituksen alainen.",
    "card.restricted": (
        ":lock: Käsittelyrajoitus {at} alkaen{request}: tiedot säilytetään, mutta niitä ei "
        "muuteta, luovuteta, siirretä eikä käytetä markkinointiin."
    ),
    "card.person_restricted": "rajoitettu",
    "card.person_optout": "ei markkinointia",
    "card.person_customer": "Henkilöasiakas: rekisteröity on {label} itse.",
    "dsr.whole_company": (
        "Pyyntö koskee koko yritysasiakasta {number}. Jos pyynnön esittää yksi henkilö, nimeä "
        "hänet: REF/cN tai REF/uN."
    ),
    "dsr.subject": "koskee henkilöä {label}",
    "dsr.subject_mismatch": (
        "Pyyntö {label} koskee kohdetta {subject}, ei kohdetta {given}: anna oikea kohde."
    ),
    "dsr.unverified_needed": (
        "Pyynnön {label} pyytäjän henkilöllisyyttä ei ole varmennettu: varmenna se (/dsr "
        'verify) tai anna unverified="syy", joka kirjataan.'
    ),
    "dsr.executed_unverified": "suoritettu varmentamatta: {reason}",
}

EN: dict[str, str] = {
    "error.subject_invalid": (
        "“{ref}” is no customer or person reference: give REF, REF/cN or REF/uN."
    ),
    "error.subject_not_contact": "Give a contact person as REF/cN (got “{ref}”).",
    "error.subject_not_user": "Give a service user as REF/uN (got “{ref}”).",
    "error.subject_not_user_here": (
        "This takes a customer (REF) or a contact person (REF/cN), not a service user (“{ref}”)."
    ),
    "error.contact_not_found": "Customer {number} has no contact person c{n}.",
    "error.user_not_found": "Customer {number} has no service user u{n}.",
    "error.contact_removed": "{label} left the customer on {at} and was anonymised.",
    "error.person_erased": "{label} was erased on {at}.",
    "error.restricted": (
        "{label} is restricted since {at}{request}: its data is kept and may be read, but may "
        "not be {what}."
    ),
    "restricted.change": "changed",
    "restricted.disclose": "disclosed",
    "restricted.transfer": "transferred outside the EU/EEA",
    "restricted.marketing": "used for marketing",
    "restricted.request": " (request {label})",
    "person.updated": "{label} updated: {fields}.",
    "person.unchanged": "{label}: nothing changed.",
    "person.set_nothing": "Give at least one field as key=value.",
    "user.disabled_now": "Service user {label} is disabled.",
    "user.enabled_now": "Service user {label} is enabled again.",
    "user.already_disabled": "Service user {label} was already disabled.",
    "user.already_enabled": "Service user {label} was already enabled.",
    "contact.removed_now": (
        "Contact {label} removed: the person left the customer, and their data was anonymised."
    ),
    "restrict.done": (
        "{label} is now restricted: its data is kept and may be read, but is not changed, "
        "disclosed, transferred or used for marketing."
    ),
    "restrict.already": "{label} was already restricted (since {at}).",
    "unrestrict.done": "Restriction lifted: {label}.",
    "unrestrict.not": "{label} was not restricted.",
    "card.restricted": (
        ":lock: Restricted since {at}{request}: the data is kept, but not changed, disclosed, "
        "transferred or used for marketing."
    ),
    "card.person_restricted": "restricted",
    "card.person_optout": "no marketing",
    "card.person_customer": "A person customer: the data subject is {label} itself.",
    "dsr.whole_company": (
        "The request concerns the whole company customer {number}. If one person makes it, "
        "name that person: REF/cN or REF/uN."
    ),
    "dsr.subject": "about {label}",
    "dsr.subject_mismatch": (
        "Request {label} is about {subject}, not {given}: give the request's subject."
    ),
    "dsr.unverified_needed": (
        "The requester of {label} has not been verified: verify them (/dsr verify) or give "
        'unverified="reason", which is recorded.'
    ),
    "dsr.executed_unverified": "carried out unverified: {reason}",
}
