"""Who a command is about (SPEC §2.11): a customer `REF`, or one of its people, `REF/cN` (a
contact person) or `REF/uN` (a service user). A person customer (`kind=person`) is its `REF`.

`REF` is a customer number or a business ID (SPEC §4.1); N counts from 1 within the customer
and is never reused, so a reference always names the same person, even after they are gone.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class SubjectKind(enum.StrEnum):
    CUSTOMER = "customer"
    CONTACT = "contact"
    USER = "user"


_LETTERS = {"c": SubjectKind.CONTACT, "u": SubjectKind.USER}
_SUBJECT = re.compile(r"^(?P<ref>[^/\s]+)(?:/(?P<letter>[A-Za-z])(?P<n>\d{1,6}))?$", re.ASCII)


class InvalidSubject(ValueError):
    """The text is no `REF`, `REF/cN` or `REF/uN`; `key` is the message that says so."""

    def __init__(self, key: str, text: str) -> None:
        super().__init__(text)
        self.key = key
        self.text = text


@dataclass(frozen=True)
class Subject:
    """A customer reference, and the person within it (None: the customer itself)."""

    ref: str
    kind: SubjectKind = SubjectKind.CUSTOMER
    n: int | None = None

    @property
    def is_person_of_customer(self) -> bool:
        """A contact person or a service user (not the customer itself)."""
        return self.kind is not SubjectKind.CUSTOMER


def parse_subject(text: str) -> Subject:
    """`10042`, `2855354-7`, `10042/c2` or `10042/u1` as a `Subject`."""
    stripped = text.strip()
    match = _SUBJECT.match(stripped)
    if match is None:
        raise InvalidSubject("error.subject_invalid", stripped)
    letter = match.group("letter")
    if letter is None:
        return Subject(match.group("ref"))
    kind = _LETTERS.get(letter.lower())
    n = int(match.group("n"))
    if kind is None or n < 1:
        raise InvalidSubject("error.subject_invalid", stripped)
    return Subject(match.group("ref"), kind, n)


def contact_label(number: int, n: int) -> str:
    """`10042/c2`"""
    return f"{number}/c{n}"


def user_label(number: int, n: int) -> str:
    """`10042/u1`"""
    return f"{number}/u{n}"
