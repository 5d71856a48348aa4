"""Messages for export, erasure, consent, disclosures and the notice (#5)."""

from __future__ import annotations

FI: dict[str, str] = {
    "consent.give": "Asiakkaan {number} suostumus ({purpose}) kirjattu.",
    "consent.give_nothing": "Asiakkaalla {number} on jo voimassa oleva suostumus ({purpose}).",
    "consent.withdraw": "Asiakkaan {number} suostumus ({purpose}) peruttu; sen varaan ei voi "
    "enää luovuttaa tietoja.",
    "consent.withdraw_nothing": "Asiakkaalla {number} ei ole voimassa olevaa suostumusta "
    "({purpose}).",
    "consent.bad_purpose": "”{value}” ei ole suostumuksen tarkoitus. Tarkoitukset: {choices}.",
    "disclose.recorded": "Luovutus kirjattu: asiakas {number} → {recipient} (peruste {basis}, "
    "maa {country}).",
    "disclose.recipient_needed": 'Kerro vastaanottaja: recipient="…".',
    "disclose.bad_basis": "”{value}” ei ole luovutusperuste. Vaihtoehdot: {choices}.",
    "disclose.law_needed": 'Lakiin perustuvaan luovutukseen tarvitaan lainkohta: law="…".',
    "disclose.no_consent": "Luovutus estetty: asiakkaalla {number} ei ole voimassa olevaa "
    "suostumusta luovutukseen (partner_disclosure). Mitään ei kirjattu.",
    "disclose.no_transfer_consent": "Siirto estetty: {country} on EU/ETA-alueen ulkopuolella, "
    "eikä asiakkaalla {number} ole voimassa olevaa siirtosuostumusta (non_eea_transfer). "
    "Mitään ei kirjattu.",
    "export.done": "Asiakkaan {number} tiedot viety tiedostoon `{path}` (vain omistajan "
    "luettavissa).",
    "export.summary_file": "Luettava yhteenveto: `{path}`",
    "export.uploaded": "Tiedostot lähetettiin myös yksityisviestiisi.",
    "export.recorded": "Vienti kirjattiin pyyntöön {label}.",
    "export.done_short": "Asiakkaan {number} tiedot viety.",
    "export.upload_comment": "Asiakkaan {number} tietojen vienti",
    "export.wrong_request_type": "{label} ei ole pääsy- tai siirtopyyntö.",
    "export.other_customer": "{label} koskee toista asiakasta.",
    "erase.wrong_request_type": "{label} ei ole poistopyyntö.",
    "erase.confirm": "Poistetaanko asiakkaan *{number}* {name} henkilötiedot? Tätä ei voi perua.",
    "erase.will_touch": "Poistetaan: {counts}. Laskut ({invoices}) säilytetään kirjanpitolain "
    "mukaan.",
    "erase.button": "Poista asiakas {number}",
    "erase.dialog_title": "Vahvista poisto",
    "erase.dialog_text": "Asiakkaan {number} henkilötiedot poistetaan pysyvästi.",
    "erase.dialog_yes": "Poista",
    "erase.confirm_short": "Vahvista asiakkaan {number} poisto",
    "erase.done": "Asiakkaan {number} henkilötiedot on poistettu.",
    "erase.removed": "Poistettu",
    "erase.retained": "Säilytetty, ja miksi",
    "erase.recorded": "Poisto kirjattiin pyyntöön {label}.",
    "erase.cancelled": "Asiakkaan {number} poisto peruttiin; mitään ei muutettu.",
    "card.consents": "Suostumukset",
    "card.consent_active": "voimassa {at} alkaen",
    "card.consent_withdrawn": "peruttu {at}",
}

EN: dict[str, str] = {
    "consent.give": "Recorded customer {number}'s consent ({purpose}).",
    "consent.give_nothing": "Customer {number} already has an active consent ({purpose}).",
    "consent.withdraw": "Customer {number}'s consent ({purpose}) is withdrawn; nothing can be "
    "disclosed on it any more.",
    "consent.withdraw_nothing": "Customer {number} has no active consent ({purpose}).",
    "consent.bad_purpose": "“{value}” is not a consent purpose. Purposes: {choices}.",
    "disclose.recorded": "Disclosure recorded: customer {number} → {recipient} (basis {basis}, "
    "country {country}).",
    "disclose.recipient_needed": 'Say who receives the data: recipient="…".',
    "disclose.bad_basis": "“{value}” is not a basis. Choose: {choices}.",
    "disclose.law_needed": 'A disclosure required by law needs the legal provision: law="…".',
    "disclose.no_consent": "Disclosure refused: customer {number} has no active consent to "
    "disclosure (partner_disclosure). Nothing was recorded.",
    "disclose.no_transfer_consent": "Transfer refused: {country} is outside the EU/EEA and "
    "customer {number} has no active transfer consent (non_eea_transfer). Nothing was recorded.",
    "export.done": "Customer {number}'s data was exported to `{path}` (readable only by its "
    "owner).",
    "export.summary_file": "Readable summary: `{path}`",
    "export.uploaded": "The files were also sent to your direct messages.",
    "export.recorded": "The export was recorded on {label}.",
    "export.done_short": "Customer {number}'s data exported.",
    "export.upload_comment": "Data export of customer {number}",
    "export.wrong_request_type": "{label} is not an access or portability request.",
    "export.other_customer": "{label} is about another customer.",
    "erase.wrong_request_type": "{label} is not an erasure request.",
    "erase.confirm": "Erase the personal data of customer *{number}* {name}? This cannot be "
    "undone.",
    "erase.will_touch": "To be erased: {counts}. Invoices ({invoices}) are kept as the "
    "Accounting Act requires.",
    "erase.button": "Erase customer {number}",
    "erase.dialog_title": "Confirm erasure",
    "erase.dialog_text": "Customer {number}'s personal data will be erased for good.",
    "erase.dialog_yes": "Erase",
    "erase.confirm_short": "Confirm erasing customer {number}",
    "erase.done": "Customer {number}'s personal data has been erased.",
    "erase.removed": "Items removed",
    "erase.retained": "Items retained, and why",
    "erase.recorded": "The erasure was recorded on {label}.",
    "erase.cancelled": "Erasing customer {number} was cancelled; nothing changed.",
    "card.consents": "Consents",
    "card.consent_active": "active since {at}",
    "card.consent_withdrawn": "withdrawn {at}",
}
