"""`regbot serve` whose `/customer find` asks the database one `SELECT 1` and answers a fixed line.

An experiment for `bench/find.py --floor`, never a way to run regbot: it measures the least
that a `/customer find` asking its database one statement can cost over signed HTTP, next to
`/customer help` on the same server. Everything is the real server (gunicorn, Bolt, the
signature check, the reply posted to the response URL) and the real find's path
(`ServiceContext.looking`: the pooled connection, SQLite's reading transaction or
PostgreSQL's autocommit mode, the permission check) except its statements: the find asks
`SELECT 1`, which reads no table, appends no audit link, and returns one customer shaped like
a find by number's. What a real find costs above this is its listing and its audit link
(docs/benchmarks-log/find-against-help.md, "What one round trip costs"). Help takes the same
path with no statement at all for a bootstrap admin (`StaffService.check_is_staff`).

    python -m floor_serve serve --port 8000    # with bench/experiments/ on PYTHONPATH
"""

from __future__ import annotations

from bot.cli import main
from bot.domain.permissions import Permission
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


def _one_statement(self: CustomerService, actor: str, text: str) -> FindResult:
    with self._context.looking(actor) as look:
        look.require(Permission.VIEW_BASIC, "customer.find")
        look.run("SELECT 1", {})
    return FindResult(hits=[_FIXED], total=1)


CustomerService.find = _one_statement  # type: ignore[method-assign]

if __name__ == "__main__":
    main()
