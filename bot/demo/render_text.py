"""Slack messages and views rendered as readable terminal text (for `regbot demo`)."""

from __future__ import annotations

import re
from typing import Any

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_BOLD = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?!\s)([^_\n]+?)_(?![\w_])")
_EMOJI = re.compile(r":[a-z0-9_+-]+: ?")


def mrkdwn_to_text(text: str) -> str:
    """Slack mrkdwn as plain text: mentions as @ID, bold unmarked, entities unescaped."""
    text = _MENTION.sub(r"@\1", text)
    text = _LINK.sub(r"\2 (\1)", text)
    text = _BOLD.sub(r"\1", text)
    text = _ITALIC.sub(r"\1", text)
    text = _EMOJI.sub("", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def render_blocks(blocks: list[dict[str, Any]]) -> str:
    """Each block as lines of text; fields as `label: value`, buttons as [label]."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind in ("section", "header"):
            if isinstance(block.get("text"), dict):
                lines.append(mrkdwn_to_text(block["text"]["text"]))
            for field in block.get("fields", []):
                label, _, value = field["text"].partition("\n")
                lines.append(f"  {mrkdwn_to_text(label)}: {mrkdwn_to_text(value)}")
        elif kind == "context":
            lines.append(
                "  "
                + " ".join(mrkdwn_to_text(e.get("text", "")) for e in block.get("elements", []))
            )
        elif kind == "actions":
            lines.append(
                " ".join(f"[{e['text']['text']}]" for e in block.get("elements", []) if "text" in e)
            )
        elif kind == "input":
            label = block.get("label", {}).get("text", "")
            element = block.get("element", {})
            value = element.get("initial_value") or (
                element.get("initial_option", {}).get("text", {}).get("text", "")
            )
            optional = "" if block.get("optional", False) is False else " (optional)"
            lines.append(f"  {label}{optional}: {value or '____'}")
        elif kind == "divider":
            lines.append("-" * 40)
    return "\n".join(lines)


def render_message(message: dict[str, Any]) -> str:
    """A reply as text (its blocks, or its fallback text)."""
    if message.get("blocks"):
        return render_blocks(message["blocks"])
    return mrkdwn_to_text(str(message.get("text", "")))


def render_view(view: dict[str, Any]) -> str:
    """A modal as text: its title and fields."""
    title = view.get("title", {}).get("text", "")
    return f"[{title}]\n" + render_blocks(view.get("blocks", []))
