"""Search indexes stay in step with the register, and counts are capped (issue #6).

No timings here: speed is measured by bench/ (docs/BENCHMARKS.md). These tests pin the
behaviour the indexes must keep on both engines.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from bot.demo.data import write_customers_csv
from bot.domain.text import fold
from bot.i18n import Translator
from bot.services import Services, search
from bot.services.errors import DomainError
from bot.services.search import FIND_COUNT_CAP, FIND_MAX_WORDS
from handlers.blocks.customers import find_message
from tests.conftest import ADMIN


def found(services: Services, query: str) -> list[str]:
    return [hit.name for hit in services.customers.find(ADMIN, query).hits]


def test_a_renamed_customer_is_found_by_its_new_name_fragment_and_not_the_old(
    services: Services,
) -> None:
    number = services.customers.create(ADMIN, {"name": "Vanhanimi Oy"}).number
    services.customers.update(ADMIN, str(number), {"name": "Uusinimi Työturva Oy"})

    assert found(services, "sinimi tyot") == ["Uusinimi Työturva Oy"]
    assert found(services, "vanhanim") == []


def test_an_erased_customer_is_not_found_by_a_fragment_of_its_old_name(
    services: Services,
) -> None:
    number = services.customers.create(ADMIN, {"name": "Poistettava Konsultointi Oy"}).number
    services.erasure.erase(ADMIN, str(number))

    assert found(services, "poistettav") == []
    assert found(services, "konsultointi") == []


def test_contacts_and_service_users_are_found_by_name_fragments(services: Services) -> None:
    number = services.customers.create(ADMIN, {"name": "Yhteyshenkilö Oy"}).number
    services.customers.add_contact(ADMIN, str(number), {"name": "Ästrid Kääriäinen"})
    services.customers.add_service_user(
        ADMIN, str(number), {"username": "pirkko.k", "name": "Pirkko Översti"}
    )

    assert found(services, "kaariai") == ["Yhteyshenkilö Oy"]
    assert found(services, "overst pirk") == ["Yhteyshenkilö Oy"]
    assert found(services, "PIRKKO.K") == ["Yhteyshenkilö Oy"]


def test_short_words_filter_what_long_words_find_and_alone_still_match_fragments(
    services: Services,
) -> None:
    for name in ("Ab Kala Oy", "Kala Ky", "Abc Puu Oy"):
        services.customers.create(ADMIN, {"name": name})

    assert found(services, "kala ab") == ["Ab Kala Oy"]
    assert sorted(found(services, "ky")) == ["Kala Ky"]
    assert sorted(found(services, "ab")) == ["Ab Kala Oy", "Abc Puu Oy"]


def sample_of_random_counts(seed: int) -> Callable[..., search._Sample]:
    """A stand-in for `search._sample_of` whose sample counts each trigram at random."""
    rng = random.Random(seed)

    class RandomCounts(Counter[str]):
        def __missing__(self, _trigram: str) -> int:
            return rng.randrange(3)

    sample = search._Sample(0.0, True, RandomCounts())
    return lambda *_: sample


_SHORT_WORD_NAMES = [
    "Ab Kala Oy",
    "Kala Ab",
    "Oy Ab Kala",
    "Kabinetti Oy",
    "Abc Puu Oy",
    "Kala-Ab Oy",
    "Oyab Ky",
    "Koy Abo",
    "Boy Kab",
    "Ö Ab Öljy Oy",
]


def names_where_pairs_start_words(query: str) -> list[str]:
    """A query of short words alone: each two-letter word starts a word of the name, each
    letter is anywhere in it."""
    words = fold(query).split()

    def matches(name: str) -> bool:
        folded = fold(name)
        return all(
            any(start.startswith(w) for start in folded.split(" ")) if len(w) == 2 else w in folded
            for w in words
        )

    return sorted(name for name in _SHORT_WORD_NAMES if matches(name))


def test_each_two_letter_word_of_a_short_query_starts_a_word_of_the_name_in_any_order(
    services: Services,
) -> None:
    """`oy ab` and `ab oy` find the same names: the index finds every pair after a space,
    the B-tree a pair that starts the name (docs/ARCHITECTURE.md)."""
    for name in _SHORT_WORD_NAMES:
        services.customers.create(ADMIN, {"name": name})

    for query in ("oy ab", "ab oy", "ab", "oy", "ka ab", "ab o", "o ab", "ab ab", "b o", "o ab oy"):
        assert sorted(found(services, query)) == names_where_pairs_start_words(query), query
    assert sorted(found(services, "oy ab")) == [
        "Ab Kala Oy",
        "Abc Puu Oy",
        "Oy Ab Kala",
        "Ö Ab Öljy Oy",
    ]


def test_a_word_with_no_letter_or_digit_counts_only_where_the_text_starts_a_name(
    services: Services,
) -> None:
    """No index holds `-` or `&` as a word (docs/BENCHMARKS.md): such a word neither narrows
    nor widens what the other words find, and alone it finds the names the text starts."""
    for name in ("Kallio Rakennus Oy", "Kallio - Rakennus Oy", "-- Viiva Oy", "A & B Oy"):
        services.customers.create(ADMIN, {"name": name})

    both = ["Kallio - Rakennus Oy", "Kallio Rakennus Oy"]
    assert sorted(found(services, "kallio - rakennus")) == both
    assert sorted(found(services, "rakennus &")) == both
    assert found(services, "--") == ["-- Viiva Oy"]
    assert found(services, "-- viiva") == ["-- Viiva Oy"]
    assert found(services, "...") == []
    assert sorted(found(services, "oy &")) == sorted(
        ["Kallio Rakennus Oy", "Kallio - Rakennus Oy", "-- Viiva Oy", "A & B Oy"]
    )
    assert found(services, "a & b") == ["A & B Oy"]


def test_a_search_of_more_words_than_any_name_has_gets_the_limit_and_finds_nothing(
    services: Services,
) -> None:
    services.customers.create(ADMIN, {"name": "Ab Kala Oy"})

    assert found(services, " ".join(["ab"] * (FIND_MAX_WORDS - 1) + ["kala"])) == ["Ab Kala Oy"]
    pairs = [a + b for a in "abcdefghijklmnopqrstuvwxyz" for b in "abcdefghijklmnopqrstuvwxyz"]
    # `fold` makes a space of an acute accent standing alone, as a Finnish keyboard types it.
    for query in (" ".join(pairs[: FIND_MAX_WORDS + 1]), " ".join(pairs), "´".join(pairs)):
        with pytest.raises(DomainError) as refused:
            services.customers.find(ADMIN, query)
        assert refused.value.key == "error.find_too_many_words"
        assert refused.value.params == {"limit": FIND_MAX_WORDS}


def test_more_matches_than_the_cap_are_counted_as_a_lower_bound(
    services: Services, tmp_path: Path
) -> None:
    rows = [{"name": f"Massahaku {i:04d} Oy"} for i in range(FIND_COUNT_CAP + 5)]
    path = tmp_path / "many.csv"
    write_customers_csv(path, rows)
    assert services.imports.import_customers("import", path).created == len(rows)

    result = services.customers.find(ADMIN, "massahaku")

    assert result.capped and result.total == FIND_COUNT_CAP
    assert len(result.hits) == 10
    shown = str(find_message(Translator("en"), "massahaku", result))
    assert f"{FIND_COUNT_CAP}+" in shown and f"{FIND_COUNT_CAP - 10}+ more" in shown


def test_imported_customers_are_searchable_and_later_creates_are_indexed_again(
    services: Services, tmp_path: Path, engine: Engine
) -> None:
    path = tmp_path / "some.csv"
    write_customers_csv(path, [{"name": "Tuotu Putkityö Oy"}, {"name": "Toinen Tuotu Ky"}])
    services.imports.import_customers("import", path)
    services.customers.create(ADMIN, {"name": "Jälkeen Luotu Oy"})

    assert sorted(found(services, "tuotu")) == ["Toinen Tuotu Ky", "Tuotu Putkityö Oy"]
    assert found(services, "lkeen luo") == ["Jälkeen Luotu Oy"]
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            triggers = conn.execute(
                text("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")
            ).scalar_one()
        assert triggers == 9  # insert, delete and update triggers of three FTS tables


def test_a_rejected_import_leaves_the_search_index_and_its_triggers_as_they_were(
    services: Services, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    write_customers_csv(path, [{"name": "Hylätty Oy"}, {"name": "Rikki Oy", "email": "ei-osoite"}])
    report = services.imports.import_customers("import", path)
    assert not report.written
    services.customers.create(ADMIN, {"name": "Hyväksytty Oy"})

    assert found(services, "hylatty") == []
    assert found(services, "hyvaksytty") == ["Hyväksytty Oy"]


def test_an_import_larger_than_the_register_leaves_its_indexes_as_they_were(
    services: Services, tmp_path: Path, engine: Engine
) -> None:
    """On SQLite an import into a smaller register drops the indexes it never queries and
    builds them again before it commits, accepted or rejected."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the indexes are deferred on SQLite only")
    schema = text("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
    with engine.connect() as conn:
        before = conn.execute(schema).all()
    good = tmp_path / "good.csv"
    write_customers_csv(
        good, [{"name": f"Tuotu {i} Oy", "email": f"t{i}@example.fi"} for i in range(5)]
    )
    bad = tmp_path / "bad.csv"
    write_customers_csv(bad, [{"name": "Hylätty Oy"}, {"name": "Rikki Oy", "email": "ei-osoite"}])

    assert services.imports.import_customers("import", good).created == 5
    assert not services.imports.import_customers("import", bad).written

    with engine.connect() as conn:
        assert conn.execute(schema).all() == before
        assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        plan = conn.execute(
            text("EXPLAIN QUERY PLAN SELECT id FROM customer WHERE name_search = 'tuotu 3 oy'")
        ).all()
    assert "ix_customer_name_search" in str(plan)


def test_a_text_that_is_an_identifier_finds_that_customer_only(services: Services) -> None:
    first = services.customers.create(ADMIN, {"name": "Ensimmäinen Oy"}).number
    services.customers.create(ADMIN, {"name": f"Studio {first} Oy", "email": "studio@example.fi"})

    assert found(services, str(first)) == ["Ensimmäinen Oy"]
    assert found(services, "studio@example.fi") == [f"Studio {first} Oy"]


def test_a_text_that_identifies_nobody_is_looked_for_in_the_names(services: Services) -> None:
    services.customers.create(ADMIN, {"name": "Studio 99999 Oy"})
    services.customers.create(ADMIN, {"name": "Posti studio@example.fi Oy"})

    assert found(services, "99999") == ["Studio 99999 Oy"]
    assert found(services, "studio@example.fi") == ["Posti studio@example.fi Oy"]


def test_a_username_finds_its_customer_only_and_otherwise_the_word_is_a_name(
    services: Services,
) -> None:
    services.customers.create(ADMIN, {"name": "Pirkko Rakennus Oy"})
    number = services.customers.create(ADMIN, {"name": "Toinen Oy"}).number
    services.customers.add_service_user(
        ADMIN, str(number), {"username": "pirkko", "name": "Ville Väre"}
    )

    assert found(services, "pirkko") == ["Toinen Oy"]
    assert found(services, "pirkk") == ["Pirkko Rakennus Oy"]
    assert found(services, "PIRKKO") == ["Toinen Oy"]


def test_contacts_names_count_until_better_matches_pass_the_cap(
    services: Services, tmp_path: Path
) -> None:
    """A way of worse rank is skipped once better ways found more than the cap: it could
    change neither the first ten nor the "100+" count. Below the cap it still counts."""
    owner = services.customers.create(ADMIN, {"name": "Omistaja Oy"}).number
    services.customers.add_contact(ADMIN, str(owner), {"name": "Ville Valopää"})
    rows = [{"name": f"Valopää {i:04d} Oy"} for i in range(FIND_COUNT_CAP - 1)]
    path = tmp_path / "few.csv"
    write_customers_csv(path, rows)
    services.imports.import_customers("import", path)

    below = services.customers.find(ADMIN, "valopää")
    assert (below.total, below.capped) == (FIND_COUNT_CAP, False)  # 99 names + the contact's

    more = [{"name": f"Valopää lisä {i} Oy"} for i in range(5)]
    write_customers_csv(path, more)
    services.imports.import_customers("import", path)

    above = services.customers.find(ADMIN, "valopää")
    assert above.capped and above.total == FIND_COUNT_CAP
    assert "Omistaja Oy" not in [hit.name for hit in above.hits]
    assert [hit.name for hit in above.hits] == sorted(hit.name for hit in above.hits)


# Names that share trigrams with the words looked for without containing them, and words with
# characters that mean something to LIKE or to FTS5 (`%`, `_`, `"`).
_LOOKALIKES = [
    "Virtanen Korhonen Oy",
    "Ääkkönen Öljy Oy",
    "Back\\Slash Siivous Oy",
    "K-R Siivous Oy",
    "K R Siivous Oy",
    "Siivous... Oy",
    "Tiihonen Siivous Oy",
    "Siivous Tiihonen Ky",
    "Tiih Onen Siivous Oy",
    "Tiihola Siivoushuolto Oy",
    "Tiihonen Rakennus Oy",
    "Onentiih Siivo Us Oy",
    "Laatu 100% Siivous Oy",
    "Laatu 1000 Siivous Oy",
    "Laatu_Siivous Ab",
    'Kotka "Siivous" Oy',
]
_SEVERAL_WORDS = [
    "virtanen korhonen",
    "korhonen nen",
    "ääkkönen öljy",
    "back\\slash siivous",
    "k-r siivous",
    "siivous... oy",
    "... tiihonen",
    "tiihonen siivous",
    "siivous tiihonen",
    "siivous tiih",
    "onen tiih",
    "laatu 100%",
    "laatu_siivous",
    "siivous laatu",
    '"siivous" kotka',
    "siivo onentiih",
]


@pytest.fixture(autouse=True)
def _no_sample_from_another_test(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    search._SAMPLES.clear()
    monkeypatch.setattr(search, "_kept_at", None)
    yield
    search._SAMPLES.clear()


def names_with_every_word(query: str) -> list[str]:
    """Names that contain every word of `query` that has a letter or digit in it."""
    words = [word for word in fold(query).split() if any(c.isalnum() for c in word)]
    return sorted(name for name in _LOOKALIKES if all(word in fold(name) for word in words))


def test_several_words_find_exactly_the_names_that_contain_every_one(services: Services) -> None:
    for name in _LOOKALIKES:
        services.customers.create(ADMIN, {"name": name})

    for query in _SEVERAL_WORDS:
        assert sorted(found(services, query)) == names_with_every_word(query), query


def test_what_a_search_finds_does_not_depend_on_the_sample_of_names_it_keeps(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The counts only choose which trigram of each word the index is asked for; stale,
    wrong or another register's counts may cost speed, never a match."""
    for name in _LOOKALIKES:
        services.customers.create(ADMIN, {"name": name})
    monkeypatch.setattr(search, "_sample_of", sample_of_random_counts(6))

    for _ in range(3):
        for query in _SEVERAL_WORDS:
            assert sorted(found(services, query)) == names_with_every_word(query), query


def test_the_sample_counts_names_per_trigram_and_draws_from_a_large_table(
    services: Services, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("Aaa Oy", "Baaa Ky", "Ccc Oy"):
        services.customers.create(ADMIN, {"name": name})
    with services.context.looking(ADMIN) as look:
        small = search._sample_of(look, "customer")
    assert (small.names_with["aaa"], small.names_with[" oy"], small.names_with["zzz"]) == (2, 2, 0)
    # All the names of a small table: taken again after a minute, as the register fills.
    assert not small.drawn
    assert not small.stale(small.taken + 59) and small.stale(small.taken + 61)

    rows = [{"name": f"Otos {i:03d} Oy"} for i in range(40)]
    path = tmp_path / "sample.csv"
    write_customers_csv(path, rows)
    services.imports.import_customers("import", path)
    monkeypatch.setattr(search, "_SAMPLE", 10)
    with services.context.looking(ADMIN) as look:
        names, drawn = search._sampled_names(look, "customer")
        large = search._sample_of(look, "customer")
    assert drawn and len(names) == 10
    assert set(names) <= {fold(r["name"]) for r in rows} | {
        fold(n) for n in ("Aaa Oy", "Baaa Ky", "Ccc Oy")
    }
    # The earlier sample was small and fresh; a drawn one is kept for an hour.
    assert large is small
    redrawn = search._Sample(large.taken, True, large.names_with)
    assert not redrawn.stale(redrawn.taken + 3599) and redrawn.stale(redrawn.taken + 3601)


def test_a_kept_sample_spares_searches_the_sampling_until_its_keeper_stops(
    services: Services,
) -> None:
    """`regbot serve`'s scheduler keeps the samples: a search uses one gone stale, and takes
    one itself only where no keeper has run for two minutes."""
    for name in _LOOKALIKES:
        services.customers.create(ADMIN, {"name": name})
    dialect = services.context.engine.dialect.name
    assert services.customers.keep_search_samples() == len(search.SAMPLED_TABLES)
    assert {table for (_, table) in search._SAMPLES} == set(search.SAMPLED_TABLES)
    # A small table's sample (all its names) is taken again at every run, as it fills.
    assert services.customers.keep_search_samples() == len(search.SAMPLED_TABLES)
    # A drawn sample is kept for an hour, and taken again at the run before it goes stale.
    for key, sample in search._SAMPLES.items():
        search._SAMPLES[key] = search._Sample(sample.taken, True, sample.names_with)
    assert services.customers.keep_search_samples() == 0
    for key, sample in search._SAMPLES.items():
        search._SAMPLES[key] = search._Sample(sample.taken - 3600 + 30, True, sample.names_with)
    assert services.customers.keep_search_samples() == len(search.SAMPLED_TABLES)

    key = (dialect, "customer")
    kept = search._SAMPLES[key]
    old = search._Sample(kept.taken - 3601, True, kept.names_with)
    search._SAMPLES[key] = old
    assert sorted(found(services, "tiihonen siivous")) == names_with_every_word("tiihonen siivous")
    assert search._SAMPLES[key] is old

    # The keeper has not run for over two minutes: the search takes the sample itself.
    assert search._kept_at is not None
    search._kept_at -= 2 * search.SAMPLE_KEEPER_SECONDS + 1
    assert sorted(found(services, "tiihonen siivous")) == names_with_every_word("tiihonen siivous")
    assert search._SAMPLES[key] is not old
    assert search._SAMPLES[key].names_with == kept.names_with

    search._SAMPLES[key] = old
    services.customers.keep_search_samples()
    assert search._SAMPLES[key] is not old


def test_postgresql_is_asked_only_for_trigrams_its_index_holds() -> None:
    """pg_trgm splits names into words at anything but letters and digits: `LIKE '%k-r%'`
    would be served by no trigram of its own and read the whole index, so such a piece is
    never the one looked up; a word with no other is looked up whole, as before."""
    assert search._indexed_trigrams("postgresql", "k-r.oy") == []
    assert search._indexed_trigrams("postgresql", "tiihonen")[:2] == ["tii", "iih"]
    assert search._indexed_trigrams("sqlite", "k-r") == ["k-r"]


def test_postgresql_scans_in_order_only_for_one_trigram_in_one_name_in_twenty() -> None:
    """pg_trgm lists every name with a trigram before `LIMIT 101` applies; a scan in order
    meets 101 names with a common one sooner. Only a lone trigram's share is known from the
    sample: a longer fragment, or several pieces together, may be rare."""
    names = ["kala oy"] * 10 + ["nenonen ky"] * 2 + ["tiihonen siivous"] * 8
    sample = search._Sample(0.0, True, search._trigrams_in(names), len(names))

    def scan_pays(text: str, sample: search._Sample = sample) -> bool:
        statement = search._Statement("postgresql", lambda _table: sample)
        search._add_name_ways(statement, text)
        return search._scan_pays(statement)

    assert sample.share(" oy") == 0.5 and sample.share(" ky") == 0.1
    assert scan_pays("oy") and scan_pays("oy k") and scan_pays("nen") and scan_pays("oy &")
    assert scan_pays("sii")  # in 8 names of 20
    assert not scan_pays("tiihonen")  # a longer fragment: its share is not known
    assert not scan_pays("ka oy")  # two pairs: together they may be rare
    assert not scan_pays("tiihonen siivous")  # two trigrams looked up
    assert not scan_pays("x y")  # no index way at all
    rare = search._Sample(0.0, True, search._trigrams_in(["kala oy"] + ["tiihonen"] * 99), 100)
    assert not scan_pays("oy", rare)  # in 1 name of 100
    assert not scan_pays("oy", search._Sample(0.0, False, Counter()))  # no names sampled


def test_a_sample_that_cannot_be_taken_does_not_fail_the_search(
    services: Services, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    for name in _LOOKALIKES:
        services.customers.create(ADMIN, {"name": name})

    def timed_out(*_: object) -> tuple[list[str], bool]:
        raise OperationalError("SELECT name_search …", {}, Exception("statement timeout"))

    monkeypatch.setattr(search, "_sampled_names", timed_out)

    assert sorted(found(services, "tiihonen siivous")) == names_with_every_word("tiihonen siivous")
    assert "no sample of customer names for search: OperationalError" in caplog.text
