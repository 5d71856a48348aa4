"""Every command, button, form and shortcut, what answers it and the action it needs: one table.

A command's subcommands come with their usage lines (help and every error's "Usage:" line are
read from here) and the named action (`bot.domain.permissions.ACTIONS`) whose permission the
use case behind it checks; buttons and forms likewise. `handlers.register_handlers` attaches
them; the authorisation-matrix test reads the same table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from handlers import admin, comms, customers, requests, rights, shortcuts
from handlers.blocks.common import help_message
from handlers.blocks.comms import LOG_MODAL_CALLBACK
from handlers.blocks.requests import (
    ASSIGN_ME,
    CLOSE_MODAL,
    EXTEND,
    EXTEND_MODAL,
    FULFIL,
    OPEN,
    TOLD,
)
from handlers.blocks.rights import ERASE_CANCEL, ERASE_CONFIRM
from handlers.listening import (
    Call,
    FormErrors,
    FormHandler,
    FormTitle,
    Handler,
    HandlerDeps,
    Respond,
    outcome,
    reply,
)
from handlers.parsing import ParseError, head_and_rest


@dataclass(frozen=True)
class Route:
    """`/command name …`: its usage line, the action it needs, the function that answers."""

    command: str
    name: str
    usage: str
    action: str
    handler: Handler


@dataclass(frozen=True)
class Button:
    """A button (block action) and the action its press needs."""

    action_id: str
    action: str | None
    handler: Handler


@dataclass(frozen=True)
class Form:
    """A modal's submission (view callback) and the action saving it needs."""

    callback_id: str
    action: str
    handler: FormHandler
    refused: FormErrors
    title: FormTitle


COMMANDS = ("/customer", "/comms", "/dsr", "/register")

ROUTES: tuple[Route, ...] = (
    Route("/customer", "find", "/customer find TEXT", "customer.find", customers.find),
    Route("/customer", "show", "/customer show REF", "customer.show", customers.show),
    Route("/customer", "new", "/customer new [key=value ...]", "customer.create", customers.new),
    Route("/customer", "set", "/customer set REF key=value ...", "customer.update", customers.set_),
    Route("/customer", "history", "/customer history REF", "customer.history", customers.history),
    Route(
        "/customer",
        "contact",
        "/customer contact add REF name=... [title=...] [email=...] [phone=...]",
        "contact.add",
        customers.contact,
    ),
    Route(
        "/customer",
        "user",
        "/customer user add REF username=... [name=...] [email=...]",
        "service_user.add",
        customers.user,
    ),
    Route("/customer", "optout", "/customer optout REF", "customer.optout", customers.optout),
    Route(
        "/customer",
        "consent",
        "/customer consent REF PURPOSE give|withdraw [evidence...]",
        "consent.give",
        rights.consent,
    ),
    Route(
        "/customer",
        "disclose",
        "/customer disclose REF recipient=... basis=consent|law [law=...] [country=XX] [data=...]",
        "disclosure.record",
        rights.disclose,
    ),
    Route(
        "/customer",
        "export",
        "/customer export REF [request=DSR-N]",
        "customer.export",
        rights.export,
    ),
    Route(
        "/customer",
        "erase",
        "/customer erase REF [confirm] [request=DSR-N]",
        "customer.erase",
        rights.erase,
    ),
    Route(
        "/comms",
        "log",
        "/comms log REF CHANNEL [dir=in|out] [at=YYYY-MM-DD[THH:MM]] [recording=URI] SUMMARY...",
        "comms.log",
        comms.log,
    ),
    Route("/comms", "list", "/comms list REF [N] [page=P]", "comms.list", comms.list_),
    Route(
        "/dsr",
        "new",
        '/dsr new REF|- TYPE [received=YYYY-MM-DD] [via=CHANNEL] [requester="..."] [NOTE...]',
        "request.create",
        requests.new,
    ),
    Route("/dsr", "list", "/dsr list [open|overdue|mine|all]", "request.list", requests.list_),
    Route("/dsr", "show", "/dsr show ID", "request.show", requests.show),
    Route("/dsr", "assign", "/dsr assign ID @user", "request.assign", requests.assign),
    Route(
        "/dsr",
        "verify",
        '/dsr verify ID send | ID CODE | ID method="..."',
        "request.verify",
        requests.verify,
    ),
    Route("/dsr", "extend", "/dsr extend ID REASON...", "request.extend", requests.extend),
    Route(
        "/dsr",
        "close",
        "/dsr close ID fulfilled|refused|withdrawn REASON...",
        "request.close",
        requests.close,
    ),
    Route("/dsr", "link", "/dsr link ID REF", "request.link", requests.link),
    Route("/dsr", "told", "/dsr told ID", "request.told", requests.told),
    Route("/register", "roles", "/register roles", "role.list", admin.roles),
    Route("/register", "grant", "/register grant @user ROLE", "role.grant", admin.grant),
    Route("/register", "revoke", "/register revoke @user", "role.revoke", admin.revoke),
    Route("/register", "audit", "/register audit REF", "audit.read", admin.audit),
    Route("/register", "stats", "/register stats", "register.stats", admin.stats),
    Route("/register", "notice", "/register notice [fi|en]", "register.notice", rights.notice),
)

BUTTONS: tuple[Button, ...] = (
    Button(ASSIGN_ME, "request.assign", requests.assign_to_me),
    Button(OPEN, "request.show", requests.open_request),
    Button(TOLD, "request.told", requests.told_pressed),
    Button(FULFIL, "request.execute", requests.fulfil_pressed),
    Button(EXTEND, "request.execute", requests.extend_pressed),
    Button(ERASE_CONFIRM, "customer.erase", rights.erase_confirmed),
    # Cancelling reads and changes nothing.
    Button(ERASE_CANCEL, None, rights.erase_cancelled),
)

FORMS: tuple[Form, ...] = (
    Form(
        customers.NEW_CALLBACK,
        "customer.create",
        customers.new_submitted,
        customers.new_refused,
        customers.new_title,
    ),
    Form(
        customers.SET_CALLBACK,
        "customer.update",
        customers.set_submitted,
        customers.set_refused,
        customers.set_title,
    ),
    Form(
        CLOSE_MODAL,
        "request.close",
        requests.close_submitted,
        requests.reason_refused,
        requests.reason_title,
    ),
    Form(
        EXTEND_MODAL,
        "request.extend",
        requests.extend_submitted,
        requests.reason_refused,
        requests.reason_title,
    ),
    Form(
        LOG_MODAL_CALLBACK,
        "comms.log",
        shortcuts.log_submitted,
        shortcuts.log_refused,
        shortcuts.form_title,
    ),
)

#: The message shortcut, and the action opening its form needs.
SHORTCUT = (shortcuts.SHORTCUT_CALLBACK, "comms.log")


def usage_lines(command: str) -> list[str]:
    """The usage line of every subcommand of `command`, in the order help shows them."""
    return [route.usage for route in ROUTES if route.command == command]


def command_listener(deps: HandlerDeps, command_name: str) -> Callable[..., None]:
    """The listener of one slash command: `/command sub rest` routed to its subcommand, and one
    ephemeral reply. `help` (or no text) shows the usage — to staff only, as every command is
    (SPEC §3); an unknown subcommand, bad input or a refusal is one sentence plus the usage."""
    routes: Mapping[str, Route] = {r.name: r for r in ROUTES if r.command == command_name}

    def listener(ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        user = command["user_id"]
        sub, rest = head_and_rest(command.get("text") or "")
        route = routes.get(sub)

        def work() -> Any:
            if sub in ("", "help"):
                deps.services.staff.check_is_staff(user, f"{command_name.strip('/')}.help")
                return help_message(deps.t, command_name, usage_lines(command_name))
            if route is None:
                raise ParseError("parse.unknown_subcommand", sub=sub, command=command_name)
            return route.handler(Call(deps, user, rest, command, client))

        msg = outcome(deps.t, route.usage if route is not None else None, work)
        if msg is not None:
            reply(respond, msg)

    return listener
