"""Search folding, mrkdwn escaping (SPEC §4.4) and clipping."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.text import clip, escape_mrkdwn, fold


def unescape_mrkdwn(text: str) -> str:
    """The inverse of escaping: `&amp;` last, so `&amp;lt;` becomes `&lt;` and not `<`."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Äijälän Työturva", "aijalan tyoturva"),
        ("ÄIJÄLÄN TYÖTURVA", "aijalan tyoturva"),
        ("Åke", "ake"),
        ("Öljy-Öhman Oy", "oljy-ohman oy"),
        ("Straße", "strasse"),
        ("Crème Brûlée", "creme brulee"),
    ],
)
def test_fold_ignores_case_and_accents(text, expected):
    assert fold(text) == expected


def test_fold_collapses_and_trims_whitespace():
    assert fold("  Acme \t\n  Oy  ") == "acme oy"


def test_fold_makes_differently_written_names_equal():
    assert fold("Äijälän  Työturva") == fold("aijalan tyoturva")
    # Precomposed and decomposed forms of the same letter fold alike.
    assert fold("\u00c4") == fold("A\u0308") == "a"


@given(st.text())
def test_fold_is_idempotent(text):
    assert fold(fold(text)) == fold(text)


@given(st.text())
def test_folded_text_has_no_runs_of_whitespace_and_no_edge_whitespace(text):
    folded = fold(text)
    assert folded == folded.strip()
    assert "  " not in folded


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<!here>", "&lt;!here&gt;"),
        ("<@U123>", "&lt;@U123&gt;"),
        ("<https://evil|click>", "&lt;https://evil|click&gt;"),
        ("Smith & Sons", "Smith &amp; Sons"),
        ("&lt;", "&amp;lt;"),
        ("Acme Oy", "Acme Oy"),
    ],
)
def test_escape_mrkdwn_turns_control_sequences_into_harmless_text(text, expected):
    assert escape_mrkdwn(text) == expected


@given(st.text())
def test_escaped_text_never_contains_angle_brackets(text):
    escaped = escape_mrkdwn(text)
    assert "<" not in escaped
    assert ">" not in escaped


@given(st.text(alphabet=st.sampled_from("<>&;ltgamp@!| x")) | st.text())
def test_unescaping_escaped_text_gives_back_the_original(text):
    assert unescape_mrkdwn(escape_mrkdwn(text)) == text


def test_clip_leaves_short_text_alone():
    assert clip("Acme Oy", 10) == "Acme Oy"
    assert clip("Acme Oy", 7) == "Acme Oy"


def test_clip_cuts_long_text_to_the_limit_with_an_ellipsis():
    assert clip("Acme Oy Ab", 8) == "Acme Oy…"
    assert clip("abc", 1) == "…"


@given(st.text(), st.integers(min_value=1, max_value=200))
def test_clipped_text_fits_the_limit_and_starts_like_the_original(text, limit):
    clipped = clip(text, limit)
    assert len(clipped) <= limit
    if clipped != text:
        assert clipped.endswith("…")
        assert text.startswith(clipped[:-1])
