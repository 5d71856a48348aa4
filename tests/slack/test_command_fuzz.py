"""Generated command texts for every subcommand of every command, through signed HTTP into the
real app (SPEC §4.3, §9): every reply is one clear ephemeral sentence, never a stack trace or
`dispatch_failed`, and a refused command leaves every table except the audit chain unchanged."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.fake_slack.wire import picked_channel, picked_user
from bot.i18n import Translator
from tests.conftest import ADMIN, RunningApp
from tests.support.register_state import changed_tables, count_case, send, snapshot

AGENT = "UFUZZAGENT1"
NOBODY = "UFUZZNOBODY"

# Texts people paste, attackers try and keyboards produce.
NASTY = [
    "'; DROP TABLE customer; --",
    '" OR 1=1 --',
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@UADMIN0001>",
    "@channel",
    "@here x@y.fi https://evil.example/a?b=1&c=<2>",
    picked_user("UADMIN0001"),
    picked_user("UFUZZAGENT1"),
    picked_channel("C0DEMO", "general"),
    "<http://evil.example|click here>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "@someone",
    "*bold* _it_ ~s~ `code`",
    "{name} {0} %s %(x)s",
    "\u202etxet\u202c",
    "zero\u200bwidth",
    "Ääkkös Öy Åland",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🙂👍🏽",
    "名前",
    "\x00",
    "\x1b[31mred",
    "line\nbreak",
    "tab\there",
    '"unbalanced',
    "“curly”",
    "„low”",
    "«guillemets»",
    "O'Brien",
    "back\\slash",
    "x" * 5000,
    "é" * 4001,
    "9" * 40,
    "-1",
    "0",
    "1e309",
    "NaN",
    "2023-02-30",
    "2024-13-01",
    "0000-00-00",
    "9999-12-31",
    "1899-01-01",
    "2025-03-30T03:30",
    "2099-01-01T12:00",
    "=",
    "==",
    "a=b=c",
    "name=",
    "DSR-",
    "#",
    "DSR-999999999",
    "10001",
    "99999",
    "2855354-7",
    "2855354-8",
    "28553547",
    "-",
]

KEYS = [
    "name",
    "kind",
    "business_id",
    "vat_id",
    "email",
    "phone",
    "street",
    "postal_code",
    "city",
    "country",
    "language",
    "status",
    "title",
    "username",
    "password",
    "recipient",
    "basis",
    "law",
    "data",
    "dir",
    "at",
    "recording",
    "page",
    "request",
    "received",
    "via",
    "requester",
    "method",
    "customer_number",
    "x",
]

VOCAB: dict[str, dict[str, list[str]]] = {
    "/customer": {
        "find": ["acme", "Fuzz", "a", "@", "%", "_"],
        "show": [],
        "new": [],
        "set": [],
        "history": [],
        "contact": ["add"],
        "user": ["add"],
        "optout": [],
        "consent": ["partner_disclosure", "non_eea_transfer", "marketing", "give", "withdraw"],
        "disclose": ["consent", "law", "US", "SE"],
        "export": [],
        "erase": ["confirm"],
    },
    "/comms": {
        "log": ["email", "phone", "slack", "fax", "in", "out", "sideways", "Hello there"],
        "list": ["1", "5", "100000000", "abc"],
    },
    "/dsr": {
        "new": ["access", "erasure", "objection", "marketing", "rectification", "teleport"],
        "list": ["open", "overdue", "mine", "all", "closed"],
        "show": ["1", "DSR-1", "dsr1", "#1"],
        "assign": ["DSR-1", picked_user("UFUZZAGENT1"), picked_user("UNOBODY"), "@agent"],
        "verify": ["DSR-1", "send", "123456", "12345", "1234567"],
        "extend": ["DSR-1", "because"],
        "close": ["DSR-1", "fulfilled", "refused", "withdrawn", "exploded"],
        "link": ["DSR-1"],
        "told": ["DSR-1"],
    },
    "/register": {
        "roles": [],
        "grant": [picked_user("UFUZZAGENT1"), "agent", "viewer", "root", picked_user("UADMIN0001")],
        "revoke": [picked_user("UFUZZAGENT1"), picked_user("UNOBODY")],
        "audit": [],
        "stats": [],
        "notice": ["fi", "en", "sv"],
    },
}

_random_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=30
)
_value = st.one_of(st.sampled_from(NASTY), _random_text, st.sampled_from(["", "fi", "agent"]))


def _word(command: str, sub: str) -> st.SearchStrategy[str]:
    vocab = VOCAB[command][sub] + ["10001", "10002", "DSR-1", "2855354-7"]
    return st.one_of(
        st.sampled_from(vocab),
        st.sampled_from(NASTY),
        _random_text,
        st.builds(lambda k, v: f"{k}={v}", st.sampled_from(KEYS), _value),
        st.builds(lambda k, v: f'{k}="{v}"', st.sampled_from(KEYS), _value),
    )


def command_texts(command: str) -> st.SearchStrategy[str]:
    """A subcommand of the command followed by a soup of words, options and nasty values."""
    subs = st.sampled_from([*VOCAB[command], "help", "", "nosuch", "SHOW", "💥"])
    return subs.flatmap(
        lambda sub: st.lists(
            _word(command, sub.lower())
            if sub.lower() in VOCAB[command]
            else st.sampled_from(NASTY),
            max_size=6,
        ).map(lambda words: " ".join([sub, *words]))
    )


class _Errors(logging.Handler):
    """Collects log records that carry a traceback: an unexpected failure somewhere."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def seeded(module_app: RunningApp) -> RunningApp:
    """A customer with every kind of data, an agent, and an open request DSR-1."""
    services = module_app.services
    services.staff.grant(ADMIN, AGENT, "agent")
    services.customers.create(
        ADMIN,
        {
            "name": "Fuzz Target Oy",
            "business_id": "2855354-7",
            "email": "target@fuzz.example",
            "phone": "040 1234567",
        },
    )
    services.customers.create(ADMIN, {"name": "Second Fuzz Oy"})
    services.requests.create(ADMIN, "10001", "access")
    return module_app


@pytest.fixture
def logged_errors() -> Iterator[_Errors]:
    handler = _Errors()
    logging.getLogger().addHandler(handler)
    try:
        yield handler
    finally:
        logging.getLogger().removeHandler(handler)


def examples_for(app: RunningApp, sqlite: int, postgresql: int) -> int:
    """The big run on SQLite, a smaller sample on PostgreSQL."""
    return sqlite if app.application.engine.dialect.name == "sqlite" else postgresql


def check_one(app: RunningApp, command: str, text: str, user: str) -> None:
    """Send one generated command and check the reply and the database."""
    unexpected = Translator("en")("error.unexpected")
    before = snapshot(app.application.engine)
    shown = send(app, command, text, user)
    after = snapshot(app.application.engine)
    where = f"{command} {text[:200]!r} as {user}"
    assert shown.status == 200, where
    if shown.modal is not None:
        assert shown.modal.get("type") == "modal", where
        return
    assert shown.reply is not None, where
    visible = shown.text
    assert visible.strip(), f"empty reply to {where}"
    assert shown.reply.get("response_type", "ephemeral") == "ephemeral", where
    for leak in ("Traceback", "dispatch_failed", 'File "', unexpected):
        assert leak not in visible, f"{leak!r} in the reply to {where}: {visible[:300]}"
    for ping in ("<!channel>", "<!here>", "<!everyone>", "<http://evil"):
        assert ping not in visible, f"unescaped {ping!r} in the reply to {where}"
    if shown.refused:
        assert changed_tables(before, after) == [], f"refused but wrote: {where}"
    count_case("fuzz command cases")


@pytest.mark.parametrize("command", list(VOCAB))
def test_every_generated_command_gets_a_clear_reply_and_a_refusal_writes_nothing(
    seeded: RunningApp, command: str, logged_errors: _Errors
) -> None:
    app = seeded

    @settings(
        max_examples=examples_for(app, sqlite=70, postgresql=15),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(text=command_texts(command), user=st.sampled_from([ADMIN, ADMIN, AGENT, NOBODY]))
    def run(text: str, user: str) -> None:
        check_one(app, command, text, user)

    run()
    assert [r.getMessage() for r in logged_errors.records if r.exc_info] == []


@pytest.mark.parametrize(
    ("command", "text"),
    [
        ("/customer", 'new name="\'; DROP TABLE customer; --" email=bad'),
        ("/customer", 'set 10001 name="Changed" email=not-an-email'),
        ("/customer", 'set 10001 phone=040 name="<!channel>"'),
        ("/customer", "contact add 10001 name=Ok email=@@"),
        ("/customer", "user add 10001 username=ok password=hunter2"),
        ("/customer", "disclose 10001 recipient=Partner basis=consent country=US"),
        ("/comms", "log 10001 email at=2023-02-30 Hello"),
        ("/comms", "log 10001 email recording=javascript:alert(1) Hello"),
        ("/dsr", "new 10001 access received=2999-01-01"),
        ("/dsr", "close DSR-1 exploded nope"),
        ("/register", f"grant {picked_user('UADMIN0001')} viewer"),
        ("/customer", "set 10001 email=<!channel>"),
        ("/customer", "set 10001 business_id=<http://evil.example|click>"),
        ("/dsr", "assign DSR-1 <!channel>"),
    ],
)
def test_known_bad_inputs_are_refused_and_change_nothing(
    seeded: RunningApp, command: str, text: str
) -> None:
    before = snapshot(seeded.application.engine)
    shown = send(seeded, command, text, ADMIN)
    assert shown.refused, shown.text
    assert changed_tables(before, snapshot(seeded.application.engine)) == []
    check_one(seeded, command, text, ADMIN)
