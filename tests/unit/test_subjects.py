"""Who a command is about: `REF`, `REF/cN`, `REF/uN` (bot/domain/subjects.py, SPEC §2.11)."""

from __future__ import annotations

import pytest

from bot.domain.subjects import InvalidSubject, Subject, SubjectKind, parse_subject


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("10042", Subject("10042")),
        (" 2855354-7 ", Subject("2855354-7")),
        ("10042/c2", Subject("10042", SubjectKind.CONTACT, 2)),
        ("10042/C12", Subject("10042", SubjectKind.CONTACT, 12)),
        ("28553547/u1", Subject("28553547", SubjectKind.USER, 1)),
    ],
)
def test_a_customer_or_one_of_its_people_is_named(text: str, subject: Subject) -> None:
    assert parse_subject(text) == subject


@pytest.mark.parametrize(
    "text", ["", "10042/", "10042/x1", "10042/c0", "10042/c", "a b", "1/c2/u3"]
)
def test_anything_else_is_refused_with_a_sentence(text: str) -> None:
    with pytest.raises(InvalidSubject) as raised:
        parse_subject(text)
    assert raised.value.key == "error.subject_invalid"
