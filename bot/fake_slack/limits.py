"""What Slack refuses in the payloads an app sends it: messages, views, options and view acks.

The fake Slack (`bot/fake_slack/api.py`) checks every Web API call and response-URL post with these,
and the test client checks every acknowledgement body, so a payload Slack would refuse fails the
test that sent it. Each check answers a `Refusal` carrying Slack's own error name, or None.

slack_sdk's Block Kit models know most field limits (section text 3000, header 150, button and
option text 75, view title 24, 100 options…); a block is parsed with them, validated, and must
come back from `to_dict()` unchanged, which also refuses unknown block types and fields. What the
models do not check is checked here: at most 50 blocks in a message and 100 in a view, unique
block IDs, unique action IDs within a block, no empty text object, section fields of at most
2000 characters, top-level text of at most 40,000 characters and present whenever blocks are.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block, Option, OptionGroup
from slack_sdk.models.views import View

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_TEXT = 40_000
MAX_FIELD_TEXT = 2_000
MAX_OPTIONS = 100
MAX_ERROR_TEXT = 2_000
VIEW_ACTIONS = frozenset({"errors", "update", "push", "clear"})


@dataclass(frozen=True)
class Refusal:
    """Slack's answer to a payload it will not take: its error name and what was wrong."""

    error: str
    messages: tuple[str, ...]

    def as_response(self) -> dict[str, Any]:
        """The Web API's `ok: false` body, with `response_metadata.messages` as Slack sends."""
        return {"ok": False, "error": self.error, "response_metadata": {"messages": self.messages}}


def message_refusal(payload: Mapping[str, Any]) -> Refusal | None:
    """A message (chat.postMessage/update/postEphemeral, a response-URL post or a command ack)."""
    blocks = payload.get("blocks")
    text = payload.get("text")
    if text is not None and not isinstance(text, str):
        return _refuse("invalid_arguments", "text must be a string", "/text")
    if text is not None and len(text) > MAX_MESSAGE_TEXT:
        return _refuse("msg_too_long", f"text exceeds {MAX_MESSAGE_TEXT} characters", "/text")
    if blocks is None or blocks == []:
        if not text and not payload.get("attachments"):
            return _refuse("no_text", "a message needs text, blocks or attachments", "/text")
        return None
    if not isinstance(blocks, list):
        return _refuse("invalid_blocks_format", "blocks must be an array of blocks", "/blocks")
    if not text:
        return _refuse(
            "invalid_arguments", "text is required as the fallback when blocks are sent", "/text"
        )
    problems = list(_block_problems(blocks, MAX_MESSAGE_BLOCKS, "/blocks"))
    return Refusal("invalid_blocks", tuple(problems)) if problems else None


def view_refusal(view: Any, *, types: frozenset[str] = frozenset({"modal"})) -> Refusal | None:
    """A view for views.open/push/update/publish or a `response_action` of update or push."""
    problems = list(_view_problems(view, types))
    return Refusal("invalid_arguments", tuple(problems)) if problems else None


def options_refusal(payload: Any) -> Refusal | None:
    """The acknowledgement of a `block_suggestion` request: `options` or `option_groups`."""
    if not isinstance(payload, Mapping):
        return _refuse("invalid_arguments", "options must be an object", "")
    options, groups = payload.get("options"), payload.get("option_groups")
    if (options is None) == (groups is None):
        return _refuse("invalid_arguments", "give either options or option_groups", "")
    problems: list[str] = []
    if options is not None:
        problems += _option_problems(options, Option, "/options")
    else:
        problems += _option_problems(groups, OptionGroup, "/option_groups")
    return Refusal("invalid_arguments", tuple(problems)) if problems else None


def view_ack_refusal(ack: Any, submitted: Mapping[str, Any]) -> Refusal | None:
    """The acknowledgement of a `view_submission`: empty, or a `response_action` Slack knows.

    `errors` must name input blocks of the submitted view; `update` and `push` carry a view.
    """
    if ack is None or ack == {} or ack == "":
        return None
    if not isinstance(ack, Mapping):
        return _refuse("invalid_arguments", "the acknowledgement must be a JSON object", "")
    action = ack.get("response_action")
    if action not in VIEW_ACTIONS:
        return _refuse("invalid_arguments", f"unknown response_action {action!r}", "")
    if action == "errors":
        return _errors_refusal(ack.get("errors"), submitted)
    if action in ("update", "push"):
        return view_refusal(ack.get("view"))
    return None


def _errors_refusal(errors: Any, submitted: Mapping[str, Any]) -> Refusal | None:
    if not isinstance(errors, Mapping) or not errors:
        return _refuse("invalid_arguments", "errors must map block IDs to messages", "/errors")
    inputs = {
        block.get("block_id")
        for block in submitted.get("blocks") or []
        if isinstance(block, Mapping) and block.get("type") == "input"
    }
    problems = []
    for block_id, text in errors.items():
        where = f"/errors/{block_id}"
        if block_id not in inputs:
            problems.append(_problem(f"no input block {block_id!r} in the view", where))
        elif not isinstance(text, str) or not 1 <= len(text) <= MAX_ERROR_TEXT:
            problems.append(_problem(f"an error must be 1 to {MAX_ERROR_TEXT} characters", where))
    return Refusal("invalid_arguments", tuple(problems)) if problems else None


def _view_problems(view: Any, types: frozenset[str]) -> Iterator[str]:
    if not isinstance(view, Mapping):
        yield _problem("view must be a JSON object", "/view")
        return
    if view.get("type") not in types:
        yield _problem(f"view type must be one of {sorted(types)}", "/view/type")
        return
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        yield _problem("view blocks must be an array", "/view/blocks")
        return
    block_problems = list(_block_problems(blocks, MAX_VIEW_BLOCKS, "/view/blocks"))
    yield from block_problems
    if block_problems:
        return
    rest = {key: value for key, value in view.items() if key != "blocks"}
    try:
        parsed = View(**rest, blocks=blocks)
        parsed.validate_json()
        round_trip = parsed.to_dict()
    except (SlackObjectFormationError, TypeError, AttributeError, KeyError) as exc:
        yield _problem(str(exc), "/view")
        return
    if round_trip != _without_empty_strings(view):
        yield _problem(_difference(round_trip, view), "/view")
    if view.get("type") == "modal":
        has_input = any(block.get("type") == "input" for block in blocks)
        if has_input and not view.get("submit"):
            yield _problem("a modal with input blocks needs a submit button", "/view/submit")
    yield from _empty_texts(rest, "/view")


def _block_problems(blocks: Sequence[Any], limit: int, where: str) -> Iterator[str]:
    if len(blocks) > limit:
        yield _problem(f"no more than {limit} items allowed", where)
    seen_ids: set[str] = set()
    for index, block in enumerate(blocks):
        here = f"{where}/{index}"
        if not isinstance(block, Mapping):
            yield _problem("a block must be a JSON object", here)
            continue
        yield from _one_block_problems(block, here)
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if block_id in seen_ids:
                yield _problem(f"block_id {block_id!r} is not unique", f"{here}/block_id")
            seen_ids.add(block_id)


def _one_block_problems(block: Mapping[str, Any], here: str) -> Iterator[str]:
    try:
        parsed = Block.parse(dict(block))
        if parsed is None:
            yield _problem(f"unknown block type {block.get('type')!r}", f"{here}/type")
            return
        parsed.validate_json()
        round_trip = parsed.to_dict()
    except (SlackObjectFormationError, TypeError, AttributeError, KeyError) as exc:
        yield _problem(str(exc), here)
        return
    if round_trip != _without_empty_strings(block):
        yield _problem(_difference(round_trip, block), here)
    yield from _empty_texts(block, here)
    for index, field in enumerate(block.get("fields") or []):
        if isinstance(field, Mapping) and len(str(field.get("text", ""))) > MAX_FIELD_TEXT:
            yield _problem(
                f"a field's text cannot exceed {MAX_FIELD_TEXT} characters",
                f"{here}/fields/{index}/text",
            )
    for element in _interactive_elements(block):
        # The models do not validate the options nested in a select element.
        for key, model in (("options", Option), ("option_groups", OptionGroup)):
            if key in element:
                yield from _option_problems(element[key], model, f"{here}/{key}")
    action_ids: set[str] = set()
    for element in _interactive_elements(block):
        action_id = element.get("action_id")
        if isinstance(action_id, str):
            if action_id in action_ids:
                yield _problem(f"action_id {action_id!r} is not unique in its block", here)
            action_ids.add(action_id)


def _interactive_elements(block: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for key in ("accessory", "element"):
        element = block.get(key)
        if isinstance(element, Mapping):
            yield element
    if block.get("type") == "actions":
        for element in block.get("elements") or []:
            if isinstance(element, Mapping):
                yield element


def _empty_texts(value: Any, where: str) -> Iterator[str]:
    """Slack refuses a text object (plain_text or mrkdwn) whose text is empty."""
    if isinstance(value, Mapping):
        if value.get("type") in ("plain_text", "mrkdwn") and "text" in value:
            if not value["text"]:
                yield _problem("must be more than 0 characters", f"{where}/text")
            return
        for key, item in value.items():
            yield from _empty_texts(item, f"{where}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _empty_texts(item, f"{where}/{index}")


def _option_problems(items: Any, model: type[Option] | type[OptionGroup], where: str) -> list[str]:
    if not isinstance(items, list):
        return [_problem("must be an array", where)]
    problems = []
    if len(items) > MAX_OPTIONS:
        problems.append(_problem(f"no more than {MAX_OPTIONS} items allowed", where))
    for index, item in enumerate(items):
        here = f"{where}/{index}"
        try:
            parsed = model(**item)
            parsed.validate_json()
            round_trip = parsed.to_dict()
        except (SlackObjectFormationError, TypeError, AttributeError, KeyError) as exc:
            problems.append(_problem(str(exc), here))
            continue
        if round_trip != _without_empty_strings(item):
            problems.append(_problem(_difference(round_trip, item), here))
        problems += _empty_texts(item, here)
    return problems


def _without_empty_strings(value: Any) -> Any:
    """The payload as the models write it back: an empty string (an empty private_metadata,
    say) is the field left out. Empty text objects are refused on their own (`_empty_texts`)."""
    if isinstance(value, Mapping):
        return {
            key: _without_empty_strings(item)
            for key, item in value.items()
            if item != "" or (key == "text" and value.get("type") in ("plain_text", "mrkdwn"))
        }
    if isinstance(value, list):
        return [_without_empty_strings(item) for item in value]
    return value


def _difference(understood: Mapping[str, Any], given: Mapping[str, Any]) -> str:
    unknown = sorted(set(given) - set(understood))
    if unknown:
        return f"unsupported fields {unknown}"
    for key in given:
        if understood.get(key) != given[key]:
            return f"{key!r} is not valid Block Kit"
    return "not valid Block Kit"


def _problem(text: str, pointer: str) -> str:
    return f"[ERROR] {text} [json-pointer:{pointer}]"


def _refuse(error: str, text: str, pointer: str) -> Refusal:
    return Refusal(error, (_problem(text, pointer),))
