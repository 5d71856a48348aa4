"""Messages for correspondence, usage logs, business register and App Home (#3)."""

from __future__ import annotations

FI: dict[str, str] = {
    "help.comms": "asiakasviestinnän kirjaus ja listaus",
    # channels and directions
    "channel.email": "sähköposti",
    "channel.phone": "puhelin",
    "channel.meeting": "tapaaminen",
    "channel.chat": "chat",
    "channel.letter": "kirje",
    "channel.slack": "Slack",
    "channel.web": "verkko",
    "channel.other": "muu",
    "direction.in": "saapuva",
    "direction.out": "lähtevä",
    # /comms log
    "comms.bad_channel": "”{value}” ei ole kanava. Kanavat: {choices}.",
    "comms.bad_direction": "”{value}” ei ole suunta; anna dir=in (asiakkaalta) tai dir=out "
    "(asiakkaalle).",
    "comms.bad_time": "”{value}” ei ole aika muodossa VVVV-KK-PP tai VVVV-KK-PPTHH:MM.",
    "comms.time_too_old": "{value} on ennen vuotta 1990; tarkista aika.",
    "comms.time_nonexistent": "Aikaa {value} ei ole aikavyöhykkeellä {zone} "
    "(kelloja siirrettiin eteenpäin).",
    "comms.time_future": "{value} on tulevaisuudessa; kirjaa vain jo tapahtunutta viestintää.",
    "comms.summary_missing": "Kirjoita viestinnän tiivistelmä valintojen perään.",
    "comms.summary_empty": "Tiivistelmä puuttuu.",
    "comms.summary_too_long": "Tiivistelmä on liian pitkä ({length} merkkiä, enintään {limit}).",
    "comms.control_chars": "Tiivistelmässä on ohjausmerkkejä.",
    "comms.recording_too_long": "Tallenteen osoite on liian pitkä (enintään {limit} merkkiä).",
    "comms.recording_not_uri": "”{value}” ei ole tallenteen osoite; anna esimerkiksi "
    "https://…, sip:…, s3://… tai file:///….",
    "comms.bad_permalink": "Slack-viestin linkki ei kelpaa.",
    "comms.unknown_option": "{name}= ei ole tunnettu valinta; valinnat: {allowed}. "
    "Valinnat tulevat ennen tiivistelmää.",
    "comms.bad_count": "”{value}” ei ole kelvollinen määrä (kokonaisluku 1–50).",
    "comms.bad_page": "”{value}” ei ole kelvollinen sivunumero.",
    "comms.logged": "Kirjattu #{id} asiakkaalle {number}: {channel}, {direction}, {at}.",
    # /comms list
    "comms.list_title": "Asiakkaan {number} {name} viestintä ({total} kirjausta)",
    "comms.clipped": "Pyysit {asked}; yhdellä sivulla näytetään enintään {limit}.",
    "comms.none": "Asiakkaalle {number} ei ole kirjattu viestintää.",
    "comms.page_empty": "Sivulla {page} ei ole kirjauksia.",
    "comms.more": "Kirjaukset {first}–{last} / {total}. Seuraava sivu: `{command}`",
    "comms.logged_by": "kirjasi {by}",
    "comms.no_text": "(ei tekstiä)",
    "comms.recording": ":studio_microphone: tallenne: {uri}",
    "comms.permalink": ":link: {link}",
    "comms.slack_message": "Slack-viesti",
    # message shortcut
    "comms.modal_title": "Kirjaa rekisteriin",
    "comms.field_customer": "Asiakas",
    "comms.field_channel": "Kanava",
    "comms.field_direction": "Suunta",
    "comms.field_summary": "Tiivistelmä",
    "comms.customer_placeholder": "Hae nimellä, numerolla tai Y-tunnuksella",
    "comms.modal_hint": "Tallennus liittää kirjaukseen linkin tähän Slack-viestiin.",
    "comms.pick_customer": "Valitse asiakas.",
    "comms.no_permalink": "Slack ei antanut linkkiä viestiin, joten kirjaus tallennettiin "
    "ilman sitä.",
    # customer card
    "card.usage": "Palvelun käyttö",
    "card.usage_none": "Käyttötapahtumia ei ole kirjattu.",
    "card.usage_last_login": "Viimeisin kirjautuminen {at} osoitteesta {ip} ({username})",
    "card.usage_no_login": "Ei kirjautumisia.",
    "card.usage_failed": "Epäonnistuneita kirjautumisia 30 päivässä: {n}",
    "card.usage_last_error": "Viimeisin tekninen virhe {at}: {detail}",
    "card.usage_no_error": "Ei teknisiä virheitä.",
    # App Home
    "home.shortcut_hint": "Slack-viestin saa kirjattua asiakkaalle viestin valikosta: "
    "Kirjaa asiakasrekisteriin.",
    "home.recent_title": "Viimeksi katsotut asiakkaat",
    "home.recent_hint": "Avaa kortti: /customer show NUMERO",
    "home.recent_none": "Et ole vielä avannut asiakaskortteja.",
    # usage events
    "usage.not_json": "Rivi ei ole JSON-muotoinen.",
    "usage.not_object": "Tapahtuma ei ole JSON-objekti.",
    "usage.unknown_fields": "Tuntemattomat kentät: {fields}.",
    "usage.missing": "{field} puuttuu.",
    "usage.unknown_username": "Tuntematon käyttäjätunnus.",
    "usage.bad_kind": "{field} on yksi näistä: {kinds}.",
    "usage.bad_detail": "{field} ei ole tekstiä.",
    "usage.bad_time": "{field} ei ole ISO 8601 -aika.",
    "usage.naive_time": "{field}-ajasta puuttuu aikavyöhyke (esim. +03:00 tai Z).",
    "usage.future_time": "{field} on tulevaisuudessa.",
    "usage.bad_ip": "{field} ei ole IP-osoite.",
    "import.usage_not_utf8": "Tiedosto ei ole UTF-8-tekstiä.",
    # business register
    "register.v1_format": "Tiedosto on PRH:n vanhassa v1-muodossa (results); hae tiedot "
    "v3-rajapinnasta (companies).",
    "register.bad_format": "Tiedosto ei ole PRH:n avoimen datan vastaus (companies-lista).",
    "register.not_company": "Yritys ei ole JSON-objekti.",
    "register.no_business_id": "Yritykseltä puuttuu businessId.",
    "register.bad_business_id": "Y-tunnus ei ole kelvollinen.",
    "register.duplicate": "Sama Y-tunnus kuin yrityksellä #{first}.",
    "register.not_utf8": "Tiedosto ei ole UTF-8-tekstiä.",
    "register.not_json": "Tiedosto ei ole kelvollista JSONia (rivi {line}).",
}

EN: dict[str, str] = {
    "help.comms": "log and list correspondence with a customer",
    # channels and directions
    "channel.email": "e-mail",
    "channel.phone": "phone",
    "channel.meeting": "meeting",
    "channel.chat": "chat",
    "channel.letter": "letter",
    "channel.slack": "Slack",
    "channel.web": "web",
    "channel.other": "other",
    "direction.in": "incoming",
    "direction.out": "outgoing",
    # /comms log
    "comms.bad_channel": "“{value}” is not a channel. Channels: {choices}.",
    "comms.bad_direction": "“{value}” is not a direction; give dir=in (from the customer) or "
    "dir=out (to the customer).",
    "comms.bad_time": "“{value}” is not a time like YYYY-MM-DD or YYYY-MM-DDTHH:MM.",
    "comms.time_too_old": "{value} is before 1990; check the time.",
    "comms.time_nonexistent": "{value} does not exist in {zone} (the clocks moved forward).",
    "comms.time_future": "{value} is in the future; log only correspondence that has happened.",
    "comms.summary_missing": "Write a summary of the correspondence after the options.",
    "comms.summary_empty": "The summary is missing.",
    "comms.summary_too_long": "The summary is too long ({length} characters, at most {limit}).",
    "comms.control_chars": "The summary contains control characters.",
    "comms.recording_too_long": "The recording location is too long (at most {limit} characters).",
    "comms.recording_not_uri": "“{value}” is not a recording location; give for example "
    "https://…, sip:…, s3://… or file:///….",
    "comms.bad_permalink": "The Slack message link is not valid.",
    "comms.unknown_option": "{name}= is not an option; options: {allowed}. "
    "Options come before the summary.",
    "comms.bad_count": "“{value}” is not a valid count (a whole number 1–50).",
    "comms.bad_page": "“{value}” is not a valid page number.",
    "comms.logged": "Logged #{id} for customer {number}: {channel}, {direction}, {at}.",
    # /comms list
    "comms.list_title": "Correspondence with customer {number} {name} ({total} entries)",
    "comms.clipped": "You asked for {asked}; a page shows at most {limit}.",
    "comms.none": "No correspondence has been logged for customer {number}.",
    "comms.page_empty": "Page {page} has no entries.",
    "comms.more": "Entries {first}–{last} of {total}. Next page: `{command}`",
    "comms.logged_by": "logged by {by}",
    "comms.no_text": "(no text)",
    "comms.recording": ":studio_microphone: recording: {uri}",
    "comms.permalink": ":link: {link}",
    "comms.slack_message": "Slack message",
    # message shortcut
    "comms.modal_title": "Log to register",
    "comms.field_customer": "Customer",
    "comms.field_channel": "Channel",
    "comms.field_direction": "Direction",
    "comms.field_summary": "Summary",
    "comms.customer_placeholder": "Search by name, number or business ID",
    "comms.modal_hint": "Saving links the entry to this Slack message.",
    "comms.pick_customer": "Pick a customer.",
    "comms.no_permalink": "Slack did not give a link to the message, so the entry was stored "
    "without it.",
    # customer card
    "card.usage": "Service usage",
    "card.usage_none": "No usage events recorded.",
    "card.usage_last_login": "Last login {at} from {ip} ({username})",
    "card.usage_no_login": "No logins.",
    "card.usage_failed": "Failed logins in the last 30 days: {n}",
    "card.usage_last_error": "Last technical error {at}: {detail}",
    "card.usage_no_error": "No technical errors.",
    # App Home
    "home.shortcut_hint": "Log a Slack message to a customer from the message's menu: "
    "Log to customer register.",
    "home.recent_title": "Recently viewed customers",
    "home.recent_hint": "Open a card with /customer show NUMBER",
    "home.recent_none": "You have not opened any customer cards yet.",
    # usage events
    "usage.not_json": "The line is not JSON.",
    "usage.not_object": "The event is not a JSON object.",
    "usage.unknown_fields": "Unknown fields: {fields}.",
    "usage.missing": "{field} is missing.",
    "usage.unknown_username": "Unknown username.",
    "usage.bad_kind": "{field} must be one of: {kinds}.",
    "usage.bad_detail": "{field} is not text.",
    "usage.bad_time": "{field} is not an ISO 8601 time.",
    "usage.naive_time": "{field} has no time-zone offset (such as +03:00 or Z).",
    "usage.future_time": "{field} is in the future.",
    "usage.bad_ip": "{field} is not an IP address.",
    "import.usage_not_utf8": "The file is not UTF-8 text.",
    # business register
    "register.v1_format": "The file is in PRH's older v1 format (results); fetch the data "
    "from the v3 API (companies).",
    "register.bad_format": "The file is not a PRH open-data response (a companies list).",
    "register.not_company": "The company is not a JSON object.",
    "register.no_business_id": "The company has no businessId.",
    "register.bad_business_id": "The business ID is not valid.",
    "register.duplicate": "Same business ID as company #{first}.",
    "register.not_utf8": "The file is not UTF-8 text.",
    "register.not_json": "The file is not valid JSON (line {line}).",
}
