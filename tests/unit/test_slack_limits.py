"""What Slack refuses, checked both ways (bot/fake_slack/limits.py): each limit refuses a payload
Slack documents as invalid, with Slack's error name, and passes the valid payload next to it."""

from __future__ import annotations

from typing import Any

import pytest

from bot.fake_slack.limits import message_refusal, options_refusal, view_ack_refusal, view_refusal


def section(text: str, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if block_id is not None:
        block["block_id"] = block_id
    return block


def button(text: str, action_id: str) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": "1",
    }


def option(text: str, value: str = "v") -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def text_input(block_id: str) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": "Reason"},
        "element": {"type": "plain_text_input", "action_id": "value"},
    }


def modal(blocks: list[dict[str, Any]], title: str = "Form", **extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Save"},
        "blocks": blocks,
        **extra,
    }


def error_of(payload: dict[str, Any]) -> str | None:
    refusal = message_refusal(payload)
    return refusal.error if refusal is not None else None


def view_error(view: Any, **kwargs: Any) -> str | None:
    refusal = view_refusal(view, **kwargs)
    return refusal.error if refusal is not None else None


# -- messages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"text": "hello"}, None),
        ({}, "no_text"),
        ({"text": ""}, "no_text"),
        ({"text": "x" * 40_000}, None),
        ({"text": "x" * 40_001}, "msg_too_long"),
        ({"text": "fallback", "blocks": [section("hi")]}, None),
        ({"blocks": [section("hi")]}, "invalid_arguments"),
        ({"text": "", "blocks": [section("hi")]}, "invalid_arguments"),
        ({"text": "fallback", "blocks": "[not json"}, "invalid_blocks_format"),
    ],
    ids=[
        "text",
        "nothing",
        "empty text",
        "text at 40000",
        "text over 40000",
        "blocks with fallback",
        "blocks without fallback",
        "blocks with empty fallback",
        "blocks not an array",
    ],
)
def test_a_message_needs_its_fallback_text_within_slacks_length(
    payload: dict[str, Any], error: str | None
) -> None:
    assert error_of(payload) == error


def test_a_message_takes_50_blocks_and_refuses_51() -> None:
    blocks = [section(f"line {n}") for n in range(51)]
    assert error_of({"text": "t", "blocks": blocks[:50]}) is None
    refusal = message_refusal({"text": "t", "blocks": blocks})
    assert refusal is not None and refusal.error == "invalid_blocks"
    assert "no more than 50 items" in refusal.messages[0]


def test_block_ids_must_be_unique_in_a_message() -> None:
    distinct = [section("one", "dsr-1"), section("two", "dsr-2")]
    repeated = [section("one", "dsr-1"), section("again", "dsr-1")]
    assert error_of({"text": "t", "blocks": distinct}) is None
    refusal = message_refusal({"text": "t", "blocks": repeated})
    assert refusal is not None and refusal.error == "invalid_blocks"
    assert "'dsr-1' is not unique" in refusal.messages[0]
    assert "/blocks/1/block_id" in refusal.messages[0]


def test_action_ids_must_be_unique_within_a_block_but_may_repeat_across_blocks() -> None:
    twice = {"type": "actions", "elements": [button("A", "go"), button("B", "go")]}
    apart = [
        {"type": "actions", "block_id": "a", "elements": [button("A", "go")]},
        {"type": "actions", "block_id": "b", "elements": [button("B", "go")]},
    ]
    assert error_of({"text": "t", "blocks": [twice]}) == "invalid_blocks"
    assert error_of({"text": "t", "blocks": apart}) is None


@pytest.mark.parametrize(
    ("make", "fits", "too_long"),
    [
        (lambda n: section("x" * n), 3000, 3001),
        (lambda n: {"type": "header", "text": {"type": "plain_text", "text": "x" * n}}, 150, 151),
        (lambda n: {"type": "actions", "elements": [button("x" * n, "b")]}, 75, 76),
        (
            lambda n: {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "Pick"},
                "accessory": {
                    "type": "static_select",
                    "action_id": "pick",
                    "options": [option("x" * n)],
                },
            },
            75,
            76,
        ),
        (
            lambda n: {"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * n}]},
            2000,
            2001,
        ),
    ],
    ids=["section text", "header", "button text", "option text", "section field"],
)
def test_each_text_limit_takes_its_length_and_refuses_one_more(
    make: Any, fits: int, too_long: int
) -> None:
    assert error_of({"text": "t", "blocks": [make(fits)]}) is None
    assert error_of({"text": "t", "blocks": [make(too_long)]}) == "invalid_blocks"


@pytest.mark.parametrize(
    "block",
    [
        {"type": "nonsense", "text": {"type": "mrkdwn", "text": "x"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "accesory": {}},
        section(""),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": ""}]},
        {"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "block_id": "b" * 256},
        {"type": "actions", "elements": []},
    ],
    ids=[
        "unknown type",
        "unknown field",
        "empty text",
        "empty context text",
        "block_id over 255",
        "no elements",
    ],
)
def test_what_is_not_block_kit_is_refused(block: dict[str, Any]) -> None:
    assert error_of({"text": "t", "blocks": [block]}) == "invalid_blocks"


# -- views ------------------------------------------------------------------------------------


def test_a_modal_title_takes_24_characters_and_refuses_25() -> None:
    assert view_error(modal([section("x")], title="x" * 24)) is None
    assert view_error(modal([section("x")], title="x" * 25)) == "invalid_arguments"


def test_a_view_takes_100_blocks_and_refuses_101() -> None:
    blocks = [section(f"line {n}") for n in range(101)]
    assert view_error(modal(blocks[:100])) is None
    assert view_error(modal(blocks)) == "invalid_arguments"


def test_block_ids_must_be_unique_in_a_view() -> None:
    assert view_error(modal([text_input("a"), text_input("b")])) is None
    assert view_error(modal([text_input("a"), text_input("a")])) == "invalid_arguments"


def test_a_modal_with_inputs_needs_a_submit_button() -> None:
    without = modal([text_input("reason")])
    del without["submit"]
    assert view_error(modal([text_input("reason")])) is None
    assert view_error(without) == "invalid_arguments"


def test_a_view_of_the_wrong_type_or_with_unknown_fields_is_refused() -> None:
    home = {"type": "home", "blocks": [section("hi")]}
    assert view_error(home, types=frozenset({"home"})) is None
    assert view_error(home) == "invalid_arguments"
    assert view_error(modal([section("x")]), types=frozenset({"home"})) == "invalid_arguments"
    assert view_error(modal([section("x")], colour="red")) == "invalid_arguments"
    assert view_error("not a view") == "invalid_arguments"


def test_an_empty_private_metadata_is_the_field_left_out() -> None:
    assert view_error(modal([section("x")], private_metadata="")) is None
    assert view_error(modal([section("x")], private_metadata="x" * 3001)) == "invalid_arguments"


# -- acknowledgements -------------------------------------------------------------------------


def test_an_options_list_takes_100_options_of_75_characters() -> None:
    hundred = [option(f"{n} Oy", str(n)) for n in range(100)]
    assert options_refusal({"options": hundred}) is None
    assert options_refusal({"options": []}) is None
    for bad in (
        {"options": [*hundred, option("one more", "x")]},
        {"options": [option("x" * 76)]},
        {"options": [option("x", "v" * 151)]},
        {},
        None,
    ):
        refusal = options_refusal(bad)
        assert refusal is not None and refusal.error == "invalid_arguments", bad


def test_view_submission_errors_must_name_input_blocks_of_the_submitted_view() -> None:
    submitted = modal([section("intro", "intro"), text_input("reason")])
    assert (
        view_ack_refusal({"response_action": "errors", "errors": {"reason": "Why?"}}, submitted)
        is None
    )
    for bad in (
        {"response_action": "errors", "errors": {"missing": "Why?"}},
        {"response_action": "errors", "errors": {"intro": "not an input"}},
        {"response_action": "errors", "errors": {"reason": ""}},
        {"response_action": "errors", "errors": {}},
        {"response_action": "explode"},
        {"response_action": "update", "view": modal([section("x")], title="x" * 25)},
    ):
        refusal = view_ack_refusal(bad, submitted)
        assert refusal is not None and refusal.error == "invalid_arguments", bad


def test_an_empty_or_clearing_view_acknowledgement_is_accepted() -> None:
    submitted = modal([text_input("reason")])
    for ack in (None, {}, "", {"response_action": "clear"}):
        assert view_ack_refusal(ack, submitted) is None
    assert (
        view_ack_refusal({"response_action": "update", "view": modal([section("x")])}, submitted)
        is None
    )
