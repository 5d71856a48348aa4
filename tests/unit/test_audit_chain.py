"""The audit hash chain (SPEC §6) accepts an intact chain and reports the first broken link."""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo

import pytest

from bot.domain.audit_chain import GENESIS_HASH, Link, chain_links, link_hash, verify_chain

START = dt.datetime(2025, 3, 1, 8, 0, tzinfo=dt.UTC)
LENGTH = 6


def make_link(prev_hash: str, seq: int, **fields: object) -> Link:
    """A link whose hash is computed from its fields and the previous hash."""
    values: dict[str, object] = {
        "at": START + dt.timedelta(minutes=seq),
        "actor": f"U00{seq}",
        "action": "customer.show",
        "outcome": "ok",
        "customer_number": 10000 + seq,
        "detail": None if seq % 2 else f"detail {seq}",
    }
    values.update(fields)
    at = values["at"]
    assert isinstance(at, dt.datetime)
    actor, action, outcome = str(values["actor"]), str(values["action"]), str(values["outcome"])
    number = values["customer_number"]
    assert number is None or isinstance(number, int)
    detail = values["detail"]
    assert detail is None or isinstance(detail, str)
    digest = link_hash(prev_hash, seq, at, actor, action, outcome, number, detail)
    return Link(seq, at, actor, action, outcome, number, detail, prev_hash, digest)


def build_chain(length: int = LENGTH) -> list[Link]:
    links: list[Link] = []
    prev = GENESIS_HASH
    for seq in range(1, length + 1):
        link = make_link(prev, seq)
        links.append(link)
        prev = link.hash
    return links


def verify(links: list[Link], head: Link | None):
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    return verify_chain(links, head_seq, head_hash)


def test_an_intact_chain_is_accepted():
    links = build_chain()
    report = verify(links, links[-1])
    assert report.ok
    assert report.checked == LENGTH
    assert report.broken_seq is None


def test_an_empty_chain_with_the_genesis_head_is_accepted():
    assert verify([], None).ok


def test_the_first_link_points_to_the_genesis_hash():
    assert build_chain()[0].prev_hash == GENESIS_HASH


def test_the_hash_does_not_depend_on_the_time_zone_the_time_is_given_in():
    links = build_chain()
    helsinki = zoneinfo.ZoneInfo("Europe/Helsinki")
    moved = [dataclasses.replace(link, at=link.at.astimezone(helsinki)) for link in links]
    assert verify(moved, links[-1]).ok


ALTERATIONS: dict[str, object] = {
    "at": START + dt.timedelta(days=1),
    "actor": "U999",
    "action": "customer.export",
    "outcome": "refused",
    "customer_number": 99999,
    "detail": "tampered",
    "prev_hash": "f" * 64,
    "hash": "e" * 64,
}


@pytest.mark.parametrize("field", sorted(ALTERATIONS))
@pytest.mark.parametrize("position", [1, 3, LENGTH])
def test_altering_any_field_of_any_link_is_reported_at_that_link(field, position):
    links = build_chain()
    head = links[-1]
    links[position - 1] = dataclasses.replace(links[position - 1], **{field: ALTERATIONS[field]})
    report = verify(links, head)
    assert not report.ok
    assert report.broken_seq == position
    assert report.checked == position - 1


@pytest.mark.parametrize("position", [1, 3])
def test_clearing_an_optional_field_is_reported(position):
    links = build_chain()
    head = links[-1]
    links[position - 1] = dataclasses.replace(links[position - 1], customer_number=None)
    assert verify(links, head).broken_seq == position


def test_changing_a_links_seq_is_reported_at_that_link():
    links = build_chain()
    links[2] = dataclasses.replace(links[2], seq=7)
    report = verify(links, links[-1])
    assert not report.ok
    assert report.broken_seq == 3


def test_a_link_rewritten_with_a_fresh_hash_is_caught_by_the_next_link():
    links = build_chain()
    head = links[-1]
    links[2] = make_link(links[1].hash, 3, actor="U999")
    report = verify(links, head)
    assert not report.ok
    assert report.broken_seq == 4


def test_a_rewritten_tail_is_caught_by_the_head():
    links = build_chain()
    head = links[-1]
    prev = links[2].hash
    for seq in range(4, LENGTH + 1):
        links[seq - 1] = make_link(prev, seq, detail="rewritten")
        prev = links[seq - 1].hash
    assert not verify(links, head).ok


@pytest.mark.parametrize("position", [1, 2, 4])
def test_deleting_a_link_is_reported_where_it_is_missing(position):
    links = build_chain()
    head = links[-1]
    del links[position - 1]
    report = verify(links, head)
    assert not report.ok
    assert report.broken_seq == position


def test_deleting_the_last_link_is_reported_by_the_head():
    links = build_chain()
    head = links[-1]
    report = verify(links[:-1], head)
    assert not report.ok
    assert report.broken_seq == LENGTH
    assert report.checked == LENGTH - 1
    assert report.reason is not None and "removed" in report.reason


def test_deleting_every_link_is_reported_at_the_first():
    links = build_chain()
    report = verify([], links[-1])
    assert not report.ok
    assert report.broken_seq == 1


@pytest.mark.parametrize("first", [1, 3, LENGTH - 1])
def test_swapping_two_neighbouring_links_is_reported_at_the_first_of_them(first):
    links = build_chain()
    head = links[-1]
    links[first - 1], links[first] = links[first], links[first - 1]
    report = verify(links, head)
    assert not report.ok
    assert report.broken_seq == first


def test_swapping_distant_links_is_reported_at_the_earlier_position():
    links = build_chain()
    head = links[-1]
    links[1], links[4] = links[4], links[1]
    assert verify(links, head).broken_seq == 2


def test_an_extra_link_beyond_the_head_is_reported():
    links = build_chain()
    head = links[-2]
    report = verify(links, head)
    assert not report.ok
    assert report.broken_seq == LENGTH + 1


@pytest.mark.parametrize("detail", [None, "import", 'quote " and ä'])
@pytest.mark.parametrize("outcome", ["ok", "refused"])
def test_links_appended_in_bulk_hash_exactly_as_one_at_a_time(detail, outcome):
    at = dt.datetime(2025, 3, 1, 10, 0, 0, 123456, tzinfo=zoneinfo.ZoneInfo("Europe/Helsinki"))
    numbers = [10001, None, 10002, 0]
    chained = list(
        chain_links("f" * 64, 41, at, "U0ÄCTOR", "customer.create", outcome, numbers, detail)
    )
    previous = "f" * 64
    for seq, (link_seq, number, prev, digest) in enumerate(chained, start=42):
        assert (link_seq, number, prev) == (seq, numbers[seq - 42], previous)
        expected = link_hash(
            previous, seq, at, "U0ÄCTOR", "customer.create", outcome, number, detail
        )
        assert digest == expected
        previous = digest
