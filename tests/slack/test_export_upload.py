"""With REGBOT_EXPORT_TO_SLACK=true the export also goes to the staff member's DM."""

from __future__ import annotations

import pytest

from bot.config import Settings
from tests.conftest import RunningApp


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"export_to_slack": True})


def test_the_export_is_uploaded_to_the_requesters_dm(app: RunningApp) -> None:
    app.reply_text("/customer", 'new name="Lataus Oy"')
    reply = app.reply_text("/customer", "export 10001")
    assert "sent to your direct messages" in reply
    complete = app.fake.wait_for("files.completeUploadExternal")[0]
    assert complete.params["channel_id"].startswith("D")
    uploads = app.fake.calls_to("file_upload")
    assert len(uploads) == 2
    assert b'"format": "regbot.customer-export"' in uploads[0].params["content"] or any(
        b"regbot.customer-export" in u.params["content"] for u in uploads
    )
