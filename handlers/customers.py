"""`/customer`: find, show, new, set, history, contact add, user add, optout, and the customer
form (SPEC §4.1–4.2). Plain functions of a `Call`; `handlers.routes` routes to them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.services.errors import DomainError, InvalidInput
from handlers.blocks.common import Message, esc, text_message
from handlers.blocks.customers import (
    CUSTOMER_MODAL_FIELDS,
    card_message,
    customer_modal,
    find_message,
    history_message,
    modal_values,
)
from handlers.listening import Call, notice_view, open_modal
from handlers.parsing import ParseError, parse_arguments, words

NEW_CALLBACK = "customer_new"
SET_CALLBACK = "customer_set"
_MODAL_BLOCKS = {name for name, _, _ in CUSTOMER_MODAL_FIELDS} | {"kind", "language"}


def _one_ref(call: Call) -> str:
    args = parse_arguments(call.text)
    if len(args.positional) != 1 or args.options:
        raise ParseError("parse.expected_ref")
    return args.positional[0]


def find(call: Call) -> Message:
    """/customer find TEXT"""
    query = " ".join(words(call.text))
    if not query:
        raise ParseError("parse.find_empty")
    return find_message(call.t, query, call.services.customers.find(call.user, query))


def show(call: Call) -> Message:
    """/customer show REF"""
    return card_message(call.t, call.services.customers.show(call.user, _one_ref(call)), call.tz)


def history(call: Call) -> Message:
    """/customer history REF"""
    found = call.services.customers.history(call.user, _one_ref(call))
    return history_message(call.t, found, call.tz)


def new(call: Call) -> Message | None:
    """/customer new [key=value …]: with no fields, the form."""
    args = parse_arguments(call.text)
    if not call.text:
        call.services.customers.check_can_edit(call.user)
        t = call.t
        open_modal(call, customer_modal(t, callback_id=NEW_CALLBACK, title=t("modal.new_title")))
        return None
    if args.positional:
        raise ParseError("parse.unexpected_words", words=" ".join(args.positional))
    created = call.services.customers.create(call.user, args.options)
    return text_message(call.t("customer.created", number=created.number, name=esc(created.name)))


def set_(call: Call) -> Message | None:
    """/customer set REF key=value …: with no fields, the form filled with the current values."""
    args = parse_arguments(call.text)
    if len(args.positional) != 1:
        raise ParseError("parse.expected_ref")
    customers = call.services.customers
    if not args.options:
        number, values = customers.current_values(call.user, args.positional[0])
        view = customer_modal(
            call.t,
            callback_id=SET_CALLBACK,
            title=call.t("modal.set_title", number=number),
            values=values,
            private_metadata=str(number),
        )
        open_modal(call, view)
        return None
    updated = customers.update(call.user, args.positional[0], args.options)
    if not updated.changed:
        return text_message(call.t("customer.unchanged", number=updated.number))
    fields = ", ".join(updated.changed)
    return text_message(call.t("customer.updated", number=updated.number, fields=fields))


def contact(call: Call) -> Message:
    """/customer contact add REF key=value …"""
    args = parse_arguments(call.text)
    if len(args.positional) != 2 or args.positional[0].lower() != "add":
        raise ParseError("parse.expected_ref")
    label, name = call.services.customers.add_contact(call.user, args.positional[1], args.options)
    return text_message(call.t("contact.added", label=label, name=esc(name)))


def user(call: Call) -> Message:
    """/customer user add REF username=… [name=…] [email=…] (never a password: see SPEC §2.3)"""
    args = parse_arguments(call.text)
    if len(args.positional) != 2 or args.positional[0].lower() != "add":
        raise ParseError("parse.expected_ref")
    if "password" in args.options:
        raise ParseError("parse.no_password_in_slack")
    label, username = call.services.customers.add_service_user(
        call.user, args.positional[1], args.options
    )
    return text_message(call.t("user.added", label=label, username=esc(username)))


def optout(call: Call) -> Message:
    """/customer optout REF"""
    number, changed = call.services.customers.opt_out(call.user, _one_ref(call))
    return text_message(call.t("optout.done" if changed else "optout.already", number=number))


# --- the customer form ----------------------------------------------------------------------


def new_submitted(call: Call, view: Mapping[str, Any]) -> dict[str, Any]:
    """The new-customer form saved."""
    created = call.services.customers.create(call.user, modal_values(view["state"]))
    text = call.t("customer.created", number=created.number, name=esc(created.name))
    return notice_view(call, new_title(call), text)


def set_submitted(call: Call, view: Mapping[str, Any]) -> dict[str, Any]:
    """The edit form saved; `call.text` is the customer number it was opened for."""
    updated = call.services.customers.update(call.user, call.text, modal_values(view["state"]))
    text = (
        call.t("customer.updated", number=updated.number, fields=", ".join(updated.changed))
        if updated.changed
        else call.t("customer.unchanged", number=updated.number)
    )
    return notice_view(call, set_title(call), text)


def new_title(call: Call) -> str:
    return call.t("modal.new_title")


def set_title(call: Call) -> str:
    return call.t("modal.set_title", number=call.text)


def form_refused(title: str, call: Call, err: DomainError) -> dict[str, Any]:
    """Bad fields are shown on their fields; any other refusal replaces the form."""
    if isinstance(err, InvalidInput):
        return {"response_action": "errors", "errors": _field_errors(call, err)}
    return notice_view(call, title, call.t(err.key, **err.params))


def new_refused(call: Call, err: DomainError) -> dict[str, Any]:
    return form_refused(new_title(call), call, err)


def set_refused(call: Call, err: DomainError) -> dict[str, Any]:
    return form_refused(set_title(call), call, err)


def _field_errors(call: Call, err: InvalidInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name, error in err.field_errors.items():
        block = name if name in _MODAL_BLOCKS else "name"
        text = call.t(error.key, field=name, **error.params)
        errors[block] = (errors[block] + " " + text) if block in errors else text
    return errors
