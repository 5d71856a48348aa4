"""`/customer find`: every way a text can name a customer, each answered by one hand-written
query.

First the identifiers (lower rank is better):

- 0: customer number, business ID (with or without the dash), e-mail, phone (any format);
- 1: a service user's username is the text;
- 2: a contact person's e-mail or phone is the text.

A text that names customers this way finds those customers only: `find 10042` is customer
10042, not also "Studio 10042 Oy". Only a text that is no identifier of anyone is looked for in
the names:

- 1: the name starts with the text;
- 2: every word of the text is in the name;
- 3: every word is in a contact person's or service user's name.

A word with no letter or digit in it (`-`, `&`) is left out of ways 2 and 3.

Each way is an indexed query capped at FIND_COUNT_CAP + 1 rows, so a text that names half the
register costs as little as one that names ten (the count then reads "100+"). Words of three or
more characters match anywhere, through FTS5 trigram tables on SQLite and pg_trgm GIN indexes on
PostgreSQL; shorter words only filter what the longer ones found, and a text of short words
alone matches names in which each of its two-letter words starts a word.

The statement is built as text and run at the driver level (storage/raw.py, `Look`): at a
million customers an identifier look-up answers in tens of microseconds, less than building
and compiling the equivalent SQLAlchemy construct would take.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy.exc import DBAPIError

from bot.domain.business_id import InvalidBusinessId, canonical_business_id, looks_like_business_id
from bot.domain.contact import phone_or_none
from bot.domain.customer_fields import USERNAME
from bot.domain.enums import CustomerStatus
from bot.domain.text import fold
from bot.services.looking import Look

logger = logging.getLogger("regbot.search")

FIND_LIMIT = 10
# Each way yields at most this many (+1) candidates. A reply shows ten; past a hundred, the
# count only says "refine the query", and every candidate costs a row read (docs/BENCHMARKS.md).
FIND_COUNT_CAP = 100
# More words than this are no name (a pasted paragraph, say): the find says so rather than
# build a statement of hundreds of conditions (SQLite refuses an expression deeper than 1 000).
FIND_MAX_WORDS = 16
# FTS5 trigram and pg_trgm indexes need at least three characters of a word.
_TRIGRAM = 3
_ESCAPE = " ESCAPE '\\'"
# How common a trigram is, to pick each word's rarest: estimated from this many names of a
# table, drawn at random once an hour by each process (`_sample_of`, `keep_samples`); a
# smaller table's sample (all its names), or none, is taken again after a minute, so a
# register being filled is soon known.
_SAMPLE = 2_000
_SAMPLE_SECONDS = 3600.0
_SMALL_SAMPLE_SECONDS = 60.0
# A trigram in at least this share of a sample's names is common: on PostgreSQL, a scan in
# order finds 101 names with it sooner than its index can list them all (`_scan_pays`).
_COMMON = 0.05
# The tables whose names are sampled: those a search of several words looks in.
SAMPLED_TABLES = ("customer", "contact_person", "service_user")
# How often the scheduler of `regbot serve` and `regbot socket` runs `keep_samples`.
SAMPLE_KEEPER_SECONDS = 60.0
# A search leaves a stale sample to the keeper while the keeper has run within this many
# seconds (two of its runs); after that, a search takes the sample itself.
_KEEPER_GRACE = 2 * SAMPLE_KEEPER_SECONDS


@dataclass(frozen=True)
class CustomerSummary:
    number: int
    name: str
    kind: str
    business_id: str | None
    city: str | None
    status: str


@dataclass
class _Statement:
    """The ways found so far, as SQL, and the values their placeholders stand for."""

    dialect: str
    # A table's sample of names (`_sample_of`).
    sample: Callable[[str], _Sample]
    # (select, rank): each select yields `customer_id` and ends in its WHERE clause.
    ways: list[tuple[str, int]] = field(default_factory=list)
    params: dict[str, object] = field(default_factory=dict)
    # (table, pieces): what each way asked a table's trigram index for (`_indexed`).
    looked_up: list[tuple[str, list[str]]] = field(default_factory=list)

    def value(self, value: object) -> str:
        name = f"v{len(self.params)}"
        self.params[name] = value
        return ":" + name

    def add(self, select: str, rank: int) -> None:
        """A way: `select` yields `customer_id` and ends in its WHERE clause."""
        self.ways.append((select, rank))

    def following(self) -> _Statement:
        """A statement to go with this one (`_first_found`): its placeholders go on from
        this one's, and its values include them."""
        return _Statement(self.dialect, self.sample, params=dict(self.params))

    def sql(self) -> str:
        """One statement: every way capped at FIND_COUNT_CAP + 1 rows, each customer at its
        best rank, the first FIND_LIMIT and the count.

        A way runs only while the ways of better rank found at most FIND_COUNT_CAP customers
        between them: past that, the count reads "100+" and the first FIND_LIMIT are all of
        better rank, whatever the way would find. A fragment found in 101 names spares the
        search of contacts' and users' names (docs/BENCHMARKS.md, "find and show at 1 M").
        """
        cap = FIND_COUNT_CAP + 1
        better = [
            [j for j, (_, r) in enumerate(self.ways[:i]) if r < rank]
            for i, (_, rank) in enumerate(self.ways)
        ]
        guarding = {j for earlier in better for j in earlier}
        ctes = []
        for i, (select, _) in enumerate(self.ways):
            limit = str(cap)
            if better[i]:
                # A LIMIT is worked out once, before the way reads a row.
                found = " UNION ".join(f"SELECT customer_id FROM w{j}" for j in better[i])
                limit = (
                    f"(SELECT CASE WHEN count(DISTINCT customer_id) < {cap} THEN {cap} ELSE 0 END"
                    f" FROM ({found}) b)"
                )
            # A way that a later way's LIMIT reads is worked out once, not twice.
            materialized = "MATERIALIZED " if i in guarding else ""
            ctes.append(f"w{i} AS {materialized}({select} LIMIT {limit})")
        order = "best.rank, c.name_search, c.number"
        # PostgreSQL numbers the rows for the audit links its statement appends
        # (`Look.read_listed`), in the same sort. SQLite has no use for it, and its window
        # would sort every candidate a second time.
        ordinal = (
            f", row_number() OVER (ORDER BY {order}) AS ordinal"
            if self.dialect == "postgresql"
            else ""
        )
        ways = " UNION ALL ".join(
            f"SELECT customer_id, {rank} AS rank FROM w{i}" for i, (_, rank) in enumerate(self.ways)
        )
        return (
            "WITH " + ", ".join(ctes) + f", ways AS ({ways}),"
            " best AS (SELECT customer_id, min(rank) AS rank FROM ways GROUP BY customer_id)"
            " SELECT c.number, c.name, c.kind, c.business_id, c.city, c.status,"
            f" count(*) OVER () AS total{ordinal}"
            " FROM best JOIN customer c ON c.id = best.customer_id"
            f" ORDER BY {order} LIMIT {FIND_LIMIT}"
        )


def find_matches(
    look: Look, query: str, action: str, detail: str
) -> tuple[list[CustomerSummary], int]:
    """The best FIND_LIMIT matches, and how many customers matched in all (up to the caps):
    by identifier if the text is one, else by name. Each customer listed is audited as
    `action` with `detail` (`Look.read_listed`)."""
    dialect = look.dialect.name
    text = query.strip()
    identifiers = _Statement(dialect, lambda table: _sample_of(look, table))
    _add_identifier_ways(identifiers, text)
    # Every other identifier's text is a username too, and adds ways of its own.
    if dialect == "postgresql" and len(identifiers.ways) == 1 and USERNAME.match(text):
        # One word that can only be a username or a name (`virtanen`, the commonest search):
        # the names go to the server with the username's way, in one statement, and count
        # only if it finds no one: a round trip fewer (docs/BENCHMARKS.md).
        names = identifiers.following()
        _add_name_ways(names, text)
        if names.ways:
            listing = (_first_found(identifiers, names), names.params)
            return _listed(look, [*_planner_settings(names), listing], action, detail)
    if identifiers.ways:
        hits, total = _listed(look, [(identifiers.sql(), identifiers.params)], action, detail)
        if hits:
            return hits, total
    names = _Statement(dialect, lambda table: _sample_of(look, table))
    _add_name_ways(names, text)
    if not names.ways:
        return [], 0
    return _listed(look, [*_planner_settings(names), (names.sql(), names.params)], action, detail)


def _listed(
    look: Look, statements: list[tuple[str, dict[str, object]]], action: str, detail: str
) -> tuple[list[CustomerSummary], int]:
    """The hits of a listing (`_Statement.sql`, last of `statements`) and their count."""
    rows = cast(
        "list[tuple[int, str, str, str | None, str | None, str, int]]",
        look.read_listed(statements, action, detail),
    )
    if not rows:
        return [], 0
    return [CustomerSummary(*row[:6]) for row in rows], rows[0][6]


def _planner_settings(names: _Statement) -> list[tuple[str, dict[str, object]]]:
    """What PostgreSQL is told before a statement of name ways."""
    if names.dialect != "postgresql":
        return []
    if not _scan_pays(names):
        # Every name way has its index. Left to itself, the planner reads `LIMIT 101` of a
        # fragment as "scan until 101 rows match": quick for a common fragment, a scan of
        # the whole table for a rare one (hundreds of milliseconds at a million customers).
        # The trigram index bounds both (docs/BENCHMARKS.md).
        return [("SET LOCAL enable_seqscan = off", {})]
    # A scan from the table's first page, not from where another scan is: the same text
    # lists the same names each time.
    return [("SET LOCAL synchronize_seqscans = off", {})]


def _first_found(first: _Statement, then: _Statement) -> str:
    """One listing: `first`'s, or `then`'s where `first` lists no one. `then` is not run at
    all when `first` lists someone (PostgreSQL's one-time filter)."""
    return (
        f"WITH preferred AS MATERIALIZED ({first.sql()})"
        " SELECT * FROM preferred"
        f" UNION ALL SELECT * FROM ({then.sql()}) AS fallback"
        " WHERE NOT EXISTS (SELECT 1 FROM preferred)"
    )


def _add_identifier_ways(st: _Statement, query: str) -> None:
    compact = re.sub(r"\s+", "", query)
    if compact.isdigit() and len(compact) <= 7:
        st.add(f"SELECT id AS customer_id FROM customer WHERE number = {st.value(int(compact))}", 0)
    if looks_like_business_id(query):
        try:
            business_id = canonical_business_id(query)
        except InvalidBusinessId:
            business_id = None
        if business_id is not None:
            value = st.value(business_id)
            st.add(f"SELECT id AS customer_id FROM customer WHERE business_id = {value}", 0)
    if "@" in query:
        email = st.value(query.lower())
        st.add(f"SELECT id AS customer_id FROM customer WHERE lower(email) = {email}", 0)
        st.add(f"SELECT customer_id FROM contact_person WHERE lower(email) = {email}", 2)
    phone = phone_or_none(query)
    if phone is not None:
        value = st.value(phone)
        st.add(f"SELECT id AS customer_id FROM customer WHERE phone = {value}", 0)
        st.add(f"SELECT customer_id FROM contact_person WHERE phone = {value}", 2)
    if USERNAME.match(query):
        username = st.value(query.lower())
        st.add(f"SELECT customer_id FROM service_user WHERE lower(username) = {username}", 1)


def _add_name_ways(st: _Statement, query: str) -> None:
    folded = fold(query)
    if not folded:
        return
    active = f"t.status != {st.value(CustomerStatus.ERASED.value)}"
    st.add(
        f"SELECT t.id AS customer_id FROM customer t WHERE {active} AND {_prefix(st, folded)}", 1
    )
    # A word with no letter or digit (`-`, `&`, `...`) counts only where the whole text
    # starts a name: no index holds it (pg_trgm keeps letters and digits only, FTS5 has no
    # trigram of a lone `&`), so as a word of its own it made a search read every name that
    # the other words found, or the whole register (docs/BENCHMARKS.md, "find and show at
    # 1 M", its limits).
    tokens = [word for word in folded.split() if _has_letter_or_digit(word)]
    if not tokens:
        return
    for way in _words(st, "customer", "id", tokens):
        st.add(f"{way} AND {active}", 2)
    for table in ("contact_person", "service_user"):
        for way in _words(st, table, "customer_id", tokens):
            st.add(way, 3)


def _has_letter_or_digit(word: str) -> bool:
    return any(character.isalnum() for character in word)


def _words(st: _Statement, table: str, owner: str, tokens: list[str]) -> list[str]:
    """Selects of rows of `table` whose folded name has every token (each ends in a WHERE)."""
    head = f"SELECT t.{owner} AS customer_id FROM {table} t"
    long_words = [w for w in tokens if len(w) >= _TRIGRAM]
    if long_words:
        filters = [_contains(st, w) for w in dict.fromkeys(tokens) if len(w) < _TRIGRAM]
        return [_fragments(st, head, table, long_words, filters)]
    # Short words alone: each two-letter word starts a word of the name (`" oy"` is a
    # trigram; the start of the name reads the B-tree), and each letter is anywhere.
    pairs = list(dict.fromkeys(w for w in tokens if len(w) == _TRIGRAM - 1))
    letters = [_contains(st, w) for w in dict.fromkeys(tokens) if len(w) < _TRIGRAM - 1]
    if not pairs:
        # Single letters only: nothing an index can serve; the cap bounds the scan.
        return [f"{head} WHERE " + " AND ".join(letters)]
    # Every pair after a space: the index intersects their trigrams. One pair starts the
    # name, the others after a space: the B-tree's ranges, then the others checked.
    at_start = " OR ".join(f"({_prefix(st, pair)})" for pair in pairs)
    starts = [_starts_word(st, pair) for pair in pairs] if len(pairs) > 1 else []
    return [
        _indexed(st, head, table, [" " + pair for pair in pairs], letters),
        f"{head} WHERE " + " AND ".join([f"({at_start})", *starts, *letters]),
    ]


def _fragments(
    st: _Statement, head: str, table: str, fragments: list[str], filters: list[str]
) -> str:
    """`head` narrowed to names containing every fragment (three characters or more).

    One fragment is looked up in the trigram index as it is: a phrase of SQLite's FTS5
    table, a `LIKE` that PostgreSQL's `pg_trgm` index serves. Several are not: each engine
    would then read the posting lists of every trigram of every fragment, and Finnish names
    share very common ones (`nen` is in half of them). Instead the index is asked for the
    rarest trigram of each fragment (by a sample of the names, `_sample_of`), and the names
    it yields are kept if they contain the whole fragments, which reads a small share of the
    rows (docs/BENCHMARKS.md, "find and show at 1 M"). However wrong the sample, a name is
    found exactly when it contains every fragment.
    """
    if len(fragments) > 1:
        looked_up = list(
            dict.fromkeys(
                min(
                    _indexed_trigrams(st.dialect, f) or [f],
                    key=lambda trigram: st.sample(table).names_with[trigram],
                )
                for f in fragments
            )
        )
        checks = [_contains(st, f) for f in fragments]
    else:
        looked_up, checks = fragments, []
    return _indexed(st, head, table, looked_up, [*checks, *filters])


def _indexed(
    st: _Statement, head: str, table: str, looked_up: list[str], conditions: list[str]
) -> str:
    """`head` narrowed to names that contain every piece of `looked_up` (three characters or
    more), as the trigram index finds them: a phrase each of SQLite's FTS5 table, a `LIKE`
    each that PostgreSQL's `pg_trgm` index serves; then `conditions`."""
    st.looked_up.append((table, looked_up))
    if st.dialect == "sqlite":
        fts = f"{table}_fts"
        match = " AND ".join(_fts_phrase(f) for f in looked_up)
        where = [f"{fts} MATCH {st.value(match)}", *conditions]
        return f"{head} JOIN {fts} ON {fts}.rowid = t.id WHERE " + " AND ".join(where)
    likes = [
        f"t.name_search LIKE {st.value('%' + _like_escape(f) + '%')}{_ESCAPE}" for f in looked_up
    ]
    return f"{head} WHERE " + " AND ".join([*likes, *conditions])


def _scan_pays(st: _Statement) -> bool:
    """Whether PostgreSQL may scan the customers in order rather than list what the trigram
    index holds: where each of their ways asked the index for one trigram, found in at least
    one name in twenty of the sample (`_COMMON`). `pg_trgm` reads every match of a trigram
    before `LIMIT 101` applies, nearly half the register for `" oy"`, where a scan meets 101
    of them within the first few hundred names. A trigram's share is
    no promise for a longer fragment, nor for several together, and a scan for a rare one
    reads the whole table; a wrong sample costs speed, never a match."""
    customer = [pieces for table, pieces in st.looked_up if table == "customer"]
    return bool(customer) and all(
        len(pieces) == 1
        and len(pieces[0]) == _TRIGRAM
        and st.sample("customer").share(pieces[0]) >= _COMMON
        for pieces in customer
    )


def _contains(st: _Statement, fragment: str, within: str = "t.name_search") -> str:
    """`within` (`t.name_search`) contains `fragment`, as a filter that no index serves. On
    SQLite by `instr`, not `LIKE`: SQLite prepares a statement again each time a value bound
    to the right of a `LIKE` is bound anew (an index might serve the new pattern), and find's
    statement would take longer to prepare than to run. On PostgreSQL by `strpos`, which
    `pg_trgm` leaves to the rows its index found."""
    function = "instr" if st.dialect == "sqlite" else "strpos"
    return f"{function}({within}, {st.value(fragment)}) > 0"


def _starts_word(st: _Statement, word: str) -> str:
    """A word of `t.name_search` starts with `word` (at the name's start or after a space),
    as a filter (`_contains`)."""
    return _contains(st, " " + word, within="' ' || t.name_search")


def _trigrams(fragment: str) -> list[str]:
    return [fragment[i : i + _TRIGRAM] for i in range(len(fragment) - _TRIGRAM + 1)]


def _indexed_trigrams(dialect: str, fragment: str) -> list[str]:
    """The trigrams of `fragment` that its engine's index holds as they are: every one in
    FTS5's; only those of three letters or digits in `pg_trgm`'s, which splits names into
    words at any other character (`LIKE '%k-r%'` or `'%...%'` would read the whole index)."""
    trigrams = _trigrams(fragment)
    if dialect == "sqlite":
        return trigrams
    return [trigram for trigram in trigrams if trigram.isalnum()]


def _fts_phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@dataclass(frozen=True)
class _Sample:
    """Names of a table drawn at random, and in how many of them each trigram is."""

    taken: float
    # Whether the names were drawn at random from a table of more than _SAMPLE ids.
    drawn: bool
    names_with: Counter[str]
    # How many names were sampled.
    names: int = 0

    def share(self, trigram: str) -> float:
        """The share of the sampled names that have `trigram` (0 with no names)."""
        return self.names_with[trigram] / self.names if self.names else 0.0

    def stale(self, now: float) -> bool:
        kept = _SAMPLE_SECONDS if self.drawn else _SMALL_SAMPLE_SECONDS
        return now - self.taken > kept


_SAMPLES: dict[tuple[str, str], _Sample] = {}
# When `keep_samples` last ran in this process (time.monotonic()), if ever.
_kept_at: float | None = None


def _sample_of(look: Look, table: str) -> _Sample:
    """A sample of `table`'s names. A process serves one register; a sample only steers
    which trigram a search asks the index for, never what it finds, so one that has grown
    stale (or is another register's, in tests) costs at most speed.

    Taking one reads a few thousand rows of each table. In `regbot serve` and `regbot socket`
    the scheduler takes them at start and again before they go stale (`keep_samples`), and a
    search uses the sample it finds, stale or not. A search takes one itself only where there
    is none yet, or where no keeper has run for two minutes (regbot's other commands, or a
    keeper that stopped)."""
    key = (look.dialect.name, table)
    sample = _SAMPLES.get(key)
    now = time.monotonic()
    if sample is None or (sample.stale(now) and not _kept(now)):
        sample = _take_sample(look, table, now)
    return sample


def keep_samples(look: Look) -> int:
    """Take again every sample that is missing or will be stale by the next run, and how
    many were taken (a failed one counts, and is logged): the scheduler's job (every
    SAMPLE_KEEPER_SECONDS), so that no search waits for one."""
    global _kept_at
    taken = 0
    for table in SAMPLED_TABLES:
        sample = _SAMPLES.get((look.dialect.name, table))
        if sample is None or sample.stale(time.monotonic() + SAMPLE_KEEPER_SECONDS):
            _take_sample(look, table, time.monotonic())
            taken += 1
    _kept_at = time.monotonic()
    return taken


def _kept(now: float) -> bool:
    return _kept_at is not None and now - _kept_at <= _KEEPER_GRACE


def _take_sample(look: Look, table: str, now: float) -> _Sample:
    """A new sample of `table`'s names, kept for the process. One that cannot be taken (a
    statement timeout, say) is no reason to fail a search: it goes on with none, and the
    sample is tried again in a minute."""
    try:
        names, drawn = _sampled_names(look, table)
    except DBAPIError as error:
        logger.warning("no sample of %s names for search: %s", table, type(error).__name__)
        names, drawn = [], False
    sample = _Sample(now, drawn, _trigrams_in(names), len(names))
    _SAMPLES[(look.dialect.name, table)] = sample
    return sample


def _sampled_names(look: Look, table: str) -> tuple[list[str], bool]:
    """Up to _SAMPLE names of `table`, by ids drawn at random between the least and greatest
    (a gap left by deleted rows is drawn and finds nothing), and whether they were drawn:
    a table of fewer ids gives all its names."""
    # Each bound alone: SQLite reads min(id) and max(id) together by scanning an index.
    ((low, high),) = look.run(
        f"SELECT (SELECT min(id) FROM {table}), (SELECT max(id) FROM {table})", {}
    )
    if low is None:
        return [], False
    drawn = high - low >= _SAMPLE
    if not drawn:
        rows = look.run(
            f"SELECT name_search FROM {table} WHERE id BETWEEN :low AND :high",
            {"low": low, "high": high},
        )
    else:
        ids = random.sample(range(low, high + 1), _SAMPLE)
        ids_value: object
        if look.dialect.name == "sqlite":
            wanted, ids_value = "id IN (SELECT value FROM json_each(:ids))", json.dumps(ids)
        else:
            wanted, ids_value = "id = ANY(CAST(:ids AS bigint[]))", ids
        rows = look.run(f"SELECT name_search FROM {table} WHERE {wanted}", {"ids": ids_value})
    return [name for (name,) in rows if name], drawn


def _trigrams_in(names: list[str]) -> Counter[str]:
    """In how many of `names` each trigram is."""
    counts: Counter[str] = Counter()
    for name in names:
        counts.update(set(_trigrams(name)))
    return counts


def _prefix(st: _Statement, folded: str) -> str:
    """`t.name_search` starts with `folded`, as a range its engine's B-tree serves: text that
    starts with `folded` sorts, byte by byte, from `folded` up to `folded` followed by the
    greatest code point. SQLite's LIKE ignores a B-tree on a column of the default collation;
    on PostgreSQL the `~>=~`/`~<~` operators compare byte by byte whatever the database's
    collation, and are what the `text_pattern_ops` index (migration 0003) serves, in a
    prepared statement's generic plan too (a `LIKE` pattern known only at run time is not)."""
    low, high = st.value(folded), st.value(folded + "\U0010ffff")
    if st.dialect == "postgresql":
        return f"t.name_search ~>=~ {low} AND t.name_search ~<~ {high}"
    return f"t.name_search >= {low} AND t.name_search < {high}"


def _like_escape(text: str) -> str:
    """Text for a LIKE pattern whose escape character is a backslash."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
