"""The Slack app manifest: every command, the message shortcut, scopes, events, App Home."""

from __future__ import annotations

from typing import Any

COMMAND_DESCRIPTIONS = {
    "/customer": "Find, show and update customers in the register",
    "/comms": "Log and list correspondence with a customer",
    "/dsr": "Data-subject requests and their deadlines",
    "/register": "Roles, audit trail, privacy notice and statistics",
}
COMMAND_HINTS = {
    "/customer": "find TEXT | show REF | new | set REF key=value | history REF | help",
    "/comms": "log REF CHANNEL SUMMARY… | list REF [N] | help",
    "/dsr": "new REF TYPE | list | show ID | assign ID @user | help",
    "/register": "roles | grant @user ROLE | revoke @user | audit REF | stats | help",
}
# Why each scope is asked for (docs/SECURITY.md repeats this for reviewers).
BOT_SCOPES = {
    "commands": "the four slash commands and the message shortcut",
    "chat:write": "reminder digests, and direct messages to assignees (posted to the app's DM)",
    "files:write": "uploading an export to the requesting staff member's DM (only when "
    "REGBOT_EXPORT_TO_SLACK=true)",
    "im:write": "opening that DM for the export upload",
}
BOT_EVENTS = ("app_home_opened",)


def build_manifest(url: str | None = None, *, socket_mode: bool = False) -> dict[str, Any]:
    """The manifest to paste into api.slack.com; `url` is the public base of `regbot serve`."""
    events_url = (
        f"{url.rstrip('/')}/slack/events" if url else "https://regbot.example.com/slack/events"
    )
    commands = []
    for command in COMMAND_DESCRIPTIONS:
        entry: dict[str, Any] = {
            "command": command,
            "description": COMMAND_DESCRIPTIONS[command],
            "usage_hint": COMMAND_HINTS[command],
            "should_escape": True,
        }
        if not socket_mode:
            entry["url"] = events_url
        commands.append(entry)
    settings: dict[str, Any] = {
        "event_subscriptions": {"bot_events": list(BOT_EVENTS)},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": socket_mode,
        "token_rotation_enabled": False,
    }
    if not socket_mode:
        settings["event_subscriptions"]["request_url"] = events_url
        settings["interactivity"]["request_url"] = events_url
        settings["interactivity"]["message_menu_options_url"] = events_url
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": "regbot",
            "description": "The customer register, run from Slack",
            "long_description": (
                "regbot lets authorised staff look up and update customers, log correspondence "
                "and handle GDPR data-subject requests on time. Every read of personal data is "
                "audited; replies with personal data are only visible to the person who asked."
            ),
            "background_color": "#2c5f2d",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": True,
            },
            "bot_user": {"display_name": "regbot", "always_online": True},
            "shortcuts": [
                {
                    "name": "Log to customer register",
                    "type": "message",
                    "callback_id": "log_message",
                    "description": "Store this message as correspondence with a customer",
                }
            ],
            "slash_commands": commands,
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": settings,
    }
