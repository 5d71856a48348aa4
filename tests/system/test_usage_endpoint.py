"""`POST /usage` on `regbot serve`: bearer token, all or nothing, and the card reflects it."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import urllib.error
import urllib.request
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import build_application
from bot.config import Settings
from bot.runtime.web import RegbotWsgi
from storage.models import UsageEvent
from tests.conftest import ADMIN, RunningApp

TOKEN = "usage-token-for-tests"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared test settings with the usage endpoint switched on."""
    return settings.model_copy(update={"usage_token": TOKEN})


@pytest.fixture
def app(app: RunningApp) -> RunningApp:
    """The running app with a customer that has two service users."""
    app.services.customers.create(ADMIN, {"name": "Palvelu Oy"})
    app.services.customers.add_service_user(ADMIN, "10001", {"username": "maija.m"})
    app.services.customers.add_service_user(ADMIN, "10001", {"username": "pekka"})
    return app


def post(
    app: RunningApp,
    body: bytes | str | object,
    token: str | None = TOKEN,
    *,
    method: str = "POST",
    scheme: str = "Bearer",
) -> tuple[int, Any]:
    data = (
        body
        if isinstance(body, bytes)
        else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
    )
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"{scheme} {token}"
    request = urllib.request.Request(  # noqa: S310 - loopback test server
        f"{app.url}/usage", data=data if method == "POST" else None, headers=headers, method=method
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read() or b"null")


def ago(**delta: float) -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(**delta)).isoformat()


def stored(app: RunningApp) -> int:
    with app.services.context.sessions() as session:
        return int(session.execute(select(func.count()).select_from(UsageEvent)).scalar_one())


def test_events_arrive_one_by_one_and_in_batches_and_the_card_shows_them(app: RunningApp) -> None:
    status, body = post(
        app, {"at": ago(days=3), "username": "maija.m", "kind": "login", "ip": "192.0.2.1"}
    )
    assert (status, body) == (201, {"ok": True, "stored": 1, "logins_updated": 1})
    batch = {
        "events": [
            {"at": ago(days=2), "username": "pekka", "kind": "login_failed", "ip": "192.0.2.9"},
            {"at": ago(days=2), "username": "pekka", "kind": "login_failed", "ip": "192.0.2.9"},
            {"at": ago(days=1), "username": "pekka", "kind": "login", "ip": "2001:db8::7"},
            {
                "at": ago(hours=3),
                "username": "maija.m",
                "kind": "technical_error",
                "detail": "Raportin <b>PDF</b> jäi kesken",
            },
        ]
    }
    status, body = post(app, batch)
    assert status == 201 and body["stored"] == 4
    card = app.reply_text("/customer", "show 10001")
    assert "Service usage" in card
    assert "from 2001:db8::7 (pekka)" in card
    assert "Failed logins in the last 30 days: 2" in card
    assert "Raportin &lt;b&gt;PDF&lt;/b&gt; jäi kesken" in card


@pytest.mark.parametrize(
    ("token", "scheme"),
    [("wrong-token", "Bearer"), (None, "Bearer"), (TOKEN, "Basic"), ("", "Bearer")],
)
def test_a_wrong_or_missing_token_gets_401_and_stores_nothing(
    app: RunningApp, token: str | None, scheme: str
) -> None:
    event = {"at": ago(hours=1), "username": "maija.m", "kind": "login"}
    status, body = post(app, event, token, scheme=scheme)
    assert status == 401
    assert body["ok"] is False
    assert stored(app) == 0


def test_bad_events_get_400_with_every_error_and_store_nothing(app: RunningApp) -> None:
    batch = {
        "events": [
            {"at": ago(hours=2), "username": "maija.m", "kind": "login"},
            {"at": ago(hours=2), "username": "ghost", "kind": "login"},
            {"at": "2026-01-01T10:00:00", "username": "maija.m", "kind": "login"},
            {"at": ago(hours=1), "username": "maija.m", "kind": "login", "ip": "not-an-ip"},
        ]
    }
    status, body = post(app, batch)
    assert status == 400
    assert body["ok"] is False and body["stored"] == 0 and body["bad"] == 3
    assert [(e["index"], e["field"]) for e in body["errors"]] == [
        (1, "username"),
        (2, "at"),
        (3, "ip"),
    ]
    assert body["errors"][0]["error"] == "Unknown username."
    assert stored(app) == 0


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b"\xff\xfe", 400),
        ("[1, 2]", 400),
        ({"events": "many"}, 400),
        ({"events": []}, 400),
        ({"events": [{"kind": "login"}] * 1001}, 413),
        (b'{"events": [' + b'"x",' * 300_000 + b'"x"]}', 413),
    ],
)
def test_malformed_or_oversize_bodies_are_refused(
    app: RunningApp, body: bytes | str | object, status: int
) -> None:
    got, answer = post(app, body)
    assert got == status
    assert answer["ok"] is False
    assert stored(app) == 0


def test_only_post_is_allowed(app: RunningApp) -> None:
    assert post(app, b"", method="GET")[0] == 405


def test_the_body_is_never_logged(app: RunningApp) -> None:
    records: list[logging.LogRecord] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Capture(level=logging.DEBUG)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        post(app, {"at": ago(hours=1), "username": "maija.m", "kind": "login", "ip": "192.0.2.55"})
        post(app, {"at": ago(hours=1), "username": "ghost-user", "kind": "login"})
        post(app, {"at": ago(hours=1), "username": "maija.m"}, "wrong")
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
    messages = "\n".join(r.getMessage() for r in records)
    assert "192.0.2.55" not in messages and "ghost-user" not in messages


def test_without_a_configured_token_the_endpoint_does_not_exist(
    settings: Settings, app: RunningApp
) -> None:
    application = build_application(
        settings.model_copy(update={"usage_token": None}), engine=app.application.engine
    )
    answers: list[str] = []
    body = json.dumps({"at": ago(hours=1), "username": "maija.m", "kind": "login"}).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/usage",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_AUTHORIZATION": f"Bearer {TOKEN}",
        "wsgi.input": io.BytesIO(body),
    }
    RegbotWsgi(application)(environ, lambda status, headers: answers.append(status))  # type: ignore[arg-type]
    assert answers == ["404 Not Found"]
    assert stored(app) == 0
