"""`/customer`: find, show, new, set, history, contact add, user add, optout (+ their modals)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.services.errors import DomainError, InvalidInput
from handlers import rights
from handlers.blocks import (
    CUSTOMER_MODAL_FIELDS,
    SUBCOMMAND_USAGE,
    Message,
    card_message,
    customer_modal,
    esc,
    find_message,
    history_message,
    modal_notice,
    modal_values,
    text_message,
)
from handlers.common import HandlerDeps, Respond, answer_command
from handlers.parsing import ParseError, parse_arguments, words

logger = logging.getLogger("regbot.handlers.customers")

NEW_CALLBACK = "customer_new"
SET_CALLBACK = "customer_set"
_MODAL_BLOCKS = {name for name, _, _ in CUSTOMER_MODAL_FIELDS} | {"kind", "language"}


def register(app: App, deps: HandlerDeps) -> None:
    """Attach the /customer command and its modals to the Bolt app."""
    services, t, tz = deps.services, deps.t, deps.settings.tz

    def one_ref(rest: str, sub: str) -> str:
        args = parse_arguments(rest)
        if len(args.positional) != 1 or args.options:
            raise ParseError("parse.expected_ref", usage=SUBCOMMAND_USAGE[f"/customer {sub}"])
        return args.positional[0]

    def find(user: str, rest: str, _body: dict[str, Any], _client: WebClient) -> Message:
        query = " ".join(words(rest))
        if not query:
            raise ParseError("parse.find_empty")
        return find_message(t, query, services.customers.find(user, query))

    def show(user: str, rest: str, _body: dict[str, Any], _client: WebClient) -> Message:
        return card_message(t, services.customers.show(user, one_ref(rest, "show")), tz)

    def history(user: str, rest: str, _body: dict[str, Any], _client: WebClient) -> Message:
        return history_message(t, services.customers.history(user, one_ref(rest, "history")), tz)

    def new(user: str, rest: str, body: dict[str, Any], client: WebClient) -> Message | None:
        args = parse_arguments(rest)
        if not rest:
            services.customers.check_can_edit(user)
            _open_modal(
                client,
                body,
                customer_modal(t, callback_id=NEW_CALLBACK, title=t("modal.new_title")),
            )
            return None
        if args.positional:
            raise ParseError("parse.unexpected_words", words=" ".join(args.positional))
        created = services.customers.create(user, args.options)
        return text_message(t("customer.created", number=created.number, name=esc(created.name)))

    def set_(user: str, rest: str, body: dict[str, Any], client: WebClient) -> Message | None:
        args = parse_arguments(rest)
        if len(args.positional) != 1:
            raise ParseError("parse.expected_ref", usage=SUBCOMMAND_USAGE["/customer set"])
        if not args.options:
            number, values = services.customers.current_values(user, args.positional[0])
            view = customer_modal(
                t,
                callback_id=SET_CALLBACK,
                title=t("modal.set_title", number=number),
                values=values,
                private_metadata=str(number),
            )
            _open_modal(client, body, view)
            return None
        updated = services.customers.update(user, args.positional[0], args.options)
        if not updated.changed:
            return text_message(t("customer.unchanged", number=updated.number))
        return text_message(
            t("customer.updated", number=updated.number, fields=", ".join(updated.changed))
        )

    def contact(user: str, rest: str, _body: dict[str, Any], _client: WebClient) -> Message:
        args = parse_arguments(rest)
        if len(args.positional) != 2 or args.positional[0].lower() != "add":
            raise ParseError("parse.expected_ref", usage=SUBCOMMAND_USAGE["/customer contact"])
        number, name = services.customers.add_contact(user, args.positional[1], args.options)
        return text_message(t("contact.added", number=number, name=esc(name)))

    def user_add(user: str, rest: str, _body: dict[str, Any], _client: WebClient) -> Message:
        args = parse_arguments(rest)
        if len(args.positional) != 2 or args.positional[0].lower() != "add":
            raise ParseError("parse.expected_ref", usage=SUBCOMMAND_USAGE["/customer user"])
        if "password" in args.options:
            raise ParseError("parse.no_password_in_slack")
        number, username = services.customers.add_service_user(
            user, args.positional[1], args.options
        )
        return text_message(t("user.added", number=number, username=esc(username)))

    def optout(user: str, rest: str, _body: dict[str, Any], _client: WebClient) -> Message:
        number, changed = services.customers.opt_out(user, one_ref(rest, "optout"))
        return text_message(t("optout.done" if changed else "optout.already", number=number))

    subcommands: dict[str, Callable[[str, str, dict[str, Any], WebClient], Message | None]] = {
        "find": find,
        "show": show,
        "new": new,
        "set": set_,
        "history": history,
        "contact": contact,
        "user": user_add,
        "optout": optout,
        "consent": lambda user, rest, _body, _client: rights.consent(deps, user, rest),
        "disclose": lambda user, rest, _body, _client: rights.disclose(deps, user, rest),
        "export": lambda user, rest, _body, client: rights.export(deps, user, rest, client),
        "erase": lambda user, rest, _body, _client: rights.erase(deps, user, rest),
    }

    @app.command("/customer")
    def handle_customer(
        ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        bound = {
            name: functools.partial(_call, handler, body=command, client=client)
            for name, handler in subcommands.items()
        }
        answer_command(deps, "/customer", command, respond, bound)

    @app.view(NEW_CALLBACK)
    def handle_new_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = modal_values(view["state"])
        try:
            created = services.customers.create(body["user"]["id"], values)
        except InvalidInput as err:
            ack(response_action="errors", errors=_field_errors(deps, err))
            return
        except DomainError as err:
            ack(
                response_action="update",
                view=modal_notice(t, t("modal.new_title"), t(err.key, **err.params)),
            )
            return
        ack(
            response_action="update",
            view=modal_notice(
                t,
                t("modal.new_title"),
                t("customer.created", number=created.number, name=esc(created.name)),
            ),
        )

    @app.view(SET_CALLBACK)
    def handle_set_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = modal_values(view["state"])
        ref = view.get("private_metadata") or ""
        title = t("modal.set_title", number=ref)
        try:
            updated = services.customers.update(body["user"]["id"], ref, values)
        except InvalidInput as err:
            ack(response_action="errors", errors=_field_errors(deps, err))
            return
        except DomainError as err:
            ack(response_action="update", view=modal_notice(t, title, t(err.key, **err.params)))
            return
        text = (
            t("customer.updated", number=updated.number, fields=", ".join(updated.changed))
            if updated.changed
            else t("customer.unchanged", number=updated.number)
        )
        ack(response_action="update", view=modal_notice(t, title, text))


def _open_modal(client: WebClient, body: dict[str, Any], view: dict[str, Any]) -> None:
    try:
        client.views_open(trigger_id=body["trigger_id"], view=view)
    except SlackApiError as exc:
        logger.warning("could not open a modal: %s", exc.response.get("error", "unknown"))
        raise DomainError("error.modal_failed") from None
    except (SlackClientError, OSError) as exc:
        # A timeout or dropped connection: one line for the operator, a sentence for the user.
        logger.warning("could not open a modal: %s", type(exc).__name__)
        raise DomainError("error.modal_failed") from None


def _field_errors(deps: HandlerDeps, err: InvalidInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name, error in err.field_errors.items():
        block = name if name in _MODAL_BLOCKS else "name"
        text = deps.t(error.key, field=name, **error.params)
        errors[block] = (errors[block] + " " + text) if block in errors else text
    return errors


def _call(
    handler: Callable[[str, str, dict[str, Any], WebClient], Message | None],
    user: str,
    rest: str,
    *,
    body: dict[str, Any],
    client: WebClient,
) -> Message | None:
    return handler(user, rest, body, client)
