"""The life of a data-subject request, as data (SPEC §5.1–5.3): its statuses and the moves
between them, the outcomes a close may give, the one extension and when it may be given, and
the objection to direct marketing that is applied at once (Art. 21(2)–(3)).

The request service (`bot.services.requests`) asks these before it changes a request, and
refuses with the error key they give; `bot.domain.deadlines` counts the dates.
"""

from __future__ import annotations

import datetime as dt

from bot.domain.enums import RequestStatus

_R, _V, _P = RequestStatus.RECEIVED, RequestStatus.VERIFYING, RequestStatus.IN_PROGRESS
_C, _X, _W = RequestStatus.COMPLETED, RequestStatus.REFUSED, RequestStatus.WITHDRAWN

#: A request is open until it is completed, refused or withdrawn; a closed request is final.
OPEN_STATUSES: tuple[str, ...] = (_R.value, _V.value, _P.value)

#: The moves between statuses (SPEC §5.2); anything else is refused with a clear message.
TRANSITIONS: dict[str, frozenset[str]] = {
    _R.value: frozenset({_V.value, _P.value, _X.value, _W.value}),
    _V.value: frozenset({_P.value, _X.value, _W.value}),
    _P.value: frozenset({_C.value, _X.value, _W.value}),
}

#: What `/dsr close ID OUTCOME` may say, and the status each closes the request with.
OUTCOMES: dict[str, str] = {
    "fulfilled": _C.value,
    "refused": _X.value,
    "withdrawn": _W.value,
}

#: Statuses from which an identity check may still be started or recorded.
VERIFIABLE_STATUSES: frozenset[str] = frozenset({_R.value, _V.value})

#: The first word of an objection's note that makes it an objection to direct marketing.
MARKETING_WORDS = frozenset(
    {"marketing", "markkinointi", "suoramarkkinointi", "direktmarknadsföring"}
)


def is_open(status: str) -> bool:
    """Whether a request in `status` is still being worked."""
    return status in OPEN_STATUSES


def may_move(current: str, target: str) -> bool:
    """Whether a request may go from `current` to `target` (staying where it is always may)."""
    return current == target or target in TRANSITIONS.get(current, frozenset())


def extension_refusal(*, extended: bool, today: dt.date, original_due: dt.date) -> str | None:
    """Why a request may not be extended now (an error key), or None when it may: once only,
    and only within the first month, while the requester can still be told in time (Art. 12(3))."""
    if extended:
        return "dsr.already_extended"
    if today > original_due:
        return "dsr.extension_too_late"
    return None


def is_marketing_objection(note: str | None) -> bool:
    """Whether an objection's note says it is about direct marketing (its first word)."""
    if not note:
        return False
    words = note.strip().lower().split()
    return bool(words) and words[0].strip(".,:;") in MARKETING_WORDS
