"""`regbot serve` whose `/customer find` asks the database one `SELECT 1` and answers a fixed line.

An experiment for `bench/find.py --floor`, never a way to run regbot: it measures the least
that any `/customer find` asking its database once can cost over signed HTTP, next to
`/customer help` on the same server. Everything else is the real server (gunicorn, Bolt, the
signature check, the staff check, the reply posted to the response URL); the find service
takes a pooled connection of the engine a real find reads on, runs `SELECT 1` (on PostgreSQL
in autocommit mode, one round trip and no transaction), and returns one customer shaped like
a find by number's. What a real find costs above this is its own statements and its audit
link (docs/BENCHMARKS.md, "What one round trip costs").

    python -m floor_serve serve --port 8000    # with bench/ on PYTHONPATH
"""

from __future__ import annotations

from bot.cli import main
from bot.services.customers import CustomerService, FindResult
from bot.services.search import CustomerSummary

# A find by number's one line: number, name, business ID and city.
_FIXED = CustomerSummary(
    number=512345,
    name="Koskinen Rakennus Oy",
    kind="company",
    business_id="1234567-1",
    city="Tampere",
    status="active",
)


def _one_round_trip(self: CustomerService, actor: str, text: str) -> FindResult:
    context = self._context
    engine = context.reading_engine or context.engine
    postgresql = engine.dialect.name == "postgresql"
    pooled = engine.raw_connection()
    try:
        driver = pooled.driver_connection
        assert driver is not None
        if postgresql:
            driver.autocommit = True
        try:
            cursor = driver.cursor()
            cursor.execute("SELECT 1")
            cursor.fetchall()
        finally:
            if postgresql:
                driver.autocommit = False
    finally:
        pooled.close()
    return FindResult(hits=[_FIXED], total=1)


CustomerService.find = _one_round_trip  # type: ignore[method-assign]

if __name__ == "__main__":
    main()
