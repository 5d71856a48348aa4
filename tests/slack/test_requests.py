"""`/dsr` end to end over signed HTTP: recording, deadlines, transitions, verification."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from bot.domain.permissions import Role
from bot.fake_slack.wire import picked_user
from storage.models import DataSubjectRequest, RequestEvent
from tests.conftest import ADMIN, RunningApp
from tests.support.clock import SettableClock

AGENT = "UAGENT0001"
VIEWER = "UVIEWER001"


def grant(app: RunningApp, user: str, role: Role) -> None:
    assert role.value in app.reply_text("/register", f"grant {picked_user(user)} {role.value}")


def customer(app: RunningApp, fields: str = 'name="Pyytäjä Oy" email=pyytaja@example.fi') -> int:
    reply = app.reply_text("/customer", f"new {fields}")
    return int(reply.split("*")[1])


def new_request(app: RunningApp, text: str, user: str = ADMIN) -> str:
    reply = app.reply_text("/dsr", f"new {text}", user)
    assert "Recorded request" in reply, reply
    return reply


def test_a_request_gets_a_number_and_a_due_date_shown_in_every_reply(
    app: RunningApp, clock: SettableClock
) -> None:
    clock.set(dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC))
    number = customer(app)
    reply = new_request(app, f"{number} access received=2026-11-24 via=email")
    assert "*DSR-1*" in reply
    assert "due 2026-12-28 (33 days left)" in reply
    for text in ("show DSR-1", "list", f"assign DSR-1 {picked_user('UADMIN0001')}"):
        shown = app.reply_text("/dsr", text)
        assert "DSR-1" in shown and "2026-12-28" in shown, (text, shown)


def test_a_receipt_date_in_the_future_is_refused_and_nothing_is_stored(app: RunningApp) -> None:
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    reply = app.reply_text("/dsr", f"new - access received={tomorrow.isoformat()}")
    assert "in the future" in reply
    reply = app.reply_text("/dsr", "new - access received=2026-02-30")
    assert "YYYY-MM-DD" in reply
    reply = app.reply_text("/dsr", "new - teleport")
    assert "not a request type" in reply
    with app.services.context.sessions() as session:
        assert session.execute(select(func.count(DataSubjectRequest.id))).scalar_one() == 0


def test_a_request_recorded_with_a_dash_is_linked_later(app: RunningApp) -> None:
    number = customer(app)
    reply = new_request(app, '- erasure requester="Matti M." asked by phone')
    assert "no customer linked" in reply
    assert "linked to the customer" in app.reply_text("/dsr", f"link DSR-1 {number}")
    assert f"customer {number}" in app.reply_text("/dsr", "show 1")


def test_an_objection_to_marketing_applies_the_opt_out_and_completes_at_once(
    app: RunningApp,
) -> None:
    number = customer(app)
    reply = new_request(app, f"{number} objection marketing please stop")
    assert "Direct marketing was stopped" in reply
    assert "completed" in app.reply_text("/dsr", "show DSR-1")
    assert "Direct marketing forbidden" in app.reply_text("/customer", f"show {number}")
    assert "No requests" in app.reply_text("/dsr", "list open")


def test_illegal_transitions_are_refused_with_a_clear_message(app: RunningApp) -> None:
    number = customer(app)
    new_request(app, f"{number} access")
    reply = app.reply_text("/dsr", "close DSR-1 fulfilled done")
    assert "cannot go from received to completed" in reply
    assert "closed" in app.reply_text("/dsr", "close DSR-1 withdrawn requester withdrew")
    assert "already closed" in app.reply_text("/dsr", "extend DSR-1 more time")


def test_identity_is_verified_with_a_one_time_code_shown_once(app: RunningApp) -> None:
    number = customer(app)
    new_request(app, f"{number} access")
    reply = app.reply_text("/dsr", "verify DSR-1 send")
    code = re.search(r"\*(\d{6})\*", reply)
    assert code is not None
    assert "pyytaja@example.fi" in reply
    with app.services.context.sessions() as session:
        stored = session.execute(select(DataSubjectRequest)).scalar_one()
        assert stored.code_hash is not None and code.group(1) not in stored.code_hash
        details = session.execute(select(RequestEvent.detail)).scalars().all()
    assert all(code.group(1) not in (d or "") for d in details)
    assert code.group(1) not in app.reply_text("/dsr", "show DSR-1")
    wrong = "000000" if code.group(1) != "000000" else "111111"
    assert "4 attempts left" in app.reply_text("/dsr", f"verify DSR-1 {wrong}")
    assert "identity verified" in app.reply_text("/dsr", f"verify DSR-1 {code.group(1)}")
    assert "in progress" in app.reply_text("/dsr", "show DSR-1")


def test_five_wrong_codes_lock_the_code(app: RunningApp) -> None:
    number = customer(app)
    new_request(app, f"{number} portability")
    reply = app.reply_text("/dsr", "verify DSR-1 send")
    code = re.search(r"\*(\d{6})\*", reply)
    assert code is not None
    wrong = "000000" if code.group(1) != "000000" else "111111"
    for _ in range(4):
        app.reply_text("/dsr", f"verify DSR-1 {wrong}")
    assert "locked" in app.reply_text("/dsr", f"verify DSR-1 {wrong}")
    assert "no valid code" in app.reply_text("/dsr", f"verify DSR-1 {code.group(1)}")


def test_verification_by_another_method_and_closing_as_fulfilled(app: RunningApp) -> None:
    number = customer(app)
    new_request(app, f"{number} rectification")
    assert "identity verified" in app.reply_text(
        "/dsr", 'verify DSR-1 method="strong electronic identification"'
    )
    assert "closed" in app.reply_text("/dsr", "close DSR-1 fulfilled address corrected")
    shown = app.reply_text("/dsr", "show DSR-1")
    assert "completed" in shown and "address corrected" in shown
    assert "received → verifying" not in shown
    assert "(in_progress → completed)" in shown


def test_extension_moves_the_due_date_to_three_months_once_with_a_reason(app: RunningApp) -> None:
    number = customer(app)
    today = dt.date.today()
    new_request(app, f"{number} access received={today.isoformat()}")
    assert "Give a reason" in app.reply_text("/dsr", "extend DSR-1")
    reply = app.reply_text("/dsr", "extend DSR-1 the request covers ten years of records")
    assert "extended; new due date" in reply
    from bot.domain.deadlines import extended_due_date

    assert extended_due_date(today).isoformat() in reply
    assert "only once" in app.reply_text("/dsr", "extend DSR-1 again")
    assert "NOT yet told" in app.reply_text("/dsr", "show DSR-1")
    assert "told of the extension" in app.reply_text("/dsr", "told DSR-1")
    assert "requester told" in app.reply_text("/dsr", "show DSR-1")


def test_roles_are_checked_agents_work_requests_privacy_executes(app: RunningApp) -> None:
    grant(app, AGENT, Role.AGENT)
    grant(app, VIEWER, Role.VIEWER)
    number = customer(app)
    new_request(app, f"{number} access", AGENT)
    assert "missing permission: work_requests" in app.reply_text("/dsr", "list", VIEWER)
    assert "missing permission: execute_requests" in app.reply_text(
        "/dsr", "extend DSR-1 reasons", AGENT
    )
    assert "role does not allow" in app.reply_text(
        "/dsr", f"assign DSR-1 {picked_user(VIEWER)}", AGENT
    )
    assert "assigned" in app.reply_text("/dsr", f"assign DSR-1 {picked_user(AGENT)}", AGENT)
    assert "DSR-1" in app.reply_text("/dsr", "list mine", AGENT)


def test_the_deadline_table_holds_through_dsr_new(app: RunningApp) -> None:
    from tests.unit.test_deadlines import DEADLINES

    today = dt.date.today()
    past = [(r, d) for r, d, _ in DEADLINES if dt.date.fromisoformat(r) <= today]
    assert len(past) >= 20
    for index, (received, due) in enumerate(past, start=1):
        reply = app.reply_text("/dsr", f"new - access received={received}")
        assert f"*DSR-{index}*, due {due}" in reply, (received, reply)
