"""`regbot import usage` and `regbot import business-register` through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app as cli
from bot.services import Services
from tests.conftest import ADMIN

runner = CliRunner()
DATA = Path(__file__).resolve().parents[1] / "data"


def run(args: list[str], database_url: str) -> tuple[int, str]:
    env = {"REGBOT_DATABASE_URL": database_url, "REGBOT_ADMINS": ADMIN, "REGBOT_LANGUAGE": "en"}
    result = runner.invoke(cli, args, env=env)
    return result.exit_code, result.output


def test_import_usage_stores_a_file_and_refuses_one_with_bad_lines(
    database_url: str, services: Services, tmp_path: Path
) -> None:
    services.customers.create(ADMIN, {"name": "Käyttö Oy"})
    services.customers.add_service_user(ADMIN, "10001", {"username": "maija.m"})
    code, output = run(["import", "usage", str(DATA / "usage_sample.jsonl")], database_url)
    assert code == 0, output
    assert "Imported 6 usage events" in output
    assert "for 1 service user" in output
    card = services.customers.show(ADMIN, "10001")
    assert card.usage is not None and card.usage.last_login_ip == "2001:db8::1"
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"at": "2025-01-01T00:00:00Z", "username": "maija.m", "kind": "login"}\n'
        '{"at": "2025-01-01T00:00:00Z", "username": "nobody", "kind": "login"}\n'
        "not json\n",
        encoding="utf-8",
    )
    code, output = run(["import", "usage", str(bad)], database_url)
    assert code == 1
    assert "line 2: Unknown username." in output
    assert "line 3: The line is not JSON." in output
    assert "nothing was imported" in output
    assert "Traceback" not in output
    assert services.customers.show(ADMIN, "10001").usage.total_events == 6  # type: ignore[union-attr]


def test_import_business_register_reports_what_changed(
    database_url: str, services: Services
) -> None:
    services.customers.create(
        ADMIN,
        {"name": "Leikkaus Testi Oy", "business_id": "1618033-3", "street": "Vanhatie 1"},
    )
    sample = str(DATA / "business_register_sample.json")
    code, output = run(["import", "business-register", "--dry-run", sample], database_url)
    assert code == 0, output
    assert "Would update 1 customer(s)" in output and "dry run" in output
    assert services.customers.show(ADMIN, "10001").street == "Vanhatie 1"
    code, output = run(["import", "business-register", sample], database_url)
    assert code == 0, output
    assert "10001 (1618033-3): name: Leikkaus Testi Oy → Kultainen Leikkaus Oy" in output
    assert "street: Vanhatie 1 → Esimerkkikatu 12 B 4" in output
    assert "Not customers in the register: 1414213-0, 1732050-2, 2236067-2" in output
    assert "Updated 1 customer(s)" in output
    assert services.customers.show(ADMIN, "10001").city == "Tampere"


def test_import_business_register_refuses_a_file_of_another_shape(
    database_url: str, tmp_path: Path
) -> None:
    old = tmp_path / "v1.json"
    old.write_text(json.dumps({"results": [{"businessId": "1618033-3"}]}), encoding="utf-8")
    code, output = run(["import", "business-register", str(old)], database_url)
    assert code == 1
    assert "older v1 format" in output
    broken = tmp_path / "broken.json"
    broken.write_text('{"companies": [', encoding="utf-8")
    code, output = run(["import", "business-register", str(broken)], database_url)
    assert code == 1 and "not valid JSON" in output and "Traceback" not in output
