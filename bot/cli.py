"""`regbot`: the operator's command line (SPEC §8.2)."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from bot.config import ConfigError, ServerOptions, Settings, load_settings
from bot.domain.permissions import Role
from bot.i18n import Translator
from bot.services.errors import DomainError

app = typer.Typer(
    help="regbot — the customer register, run from Slack.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
import_app = typer.Typer(help="Bring data into the register.", no_args_is_help=True)
staff_app = typer.Typer(help="Staff roles (operator side; audited as 'cli').", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(staff_app, name="staff")
app.add_typer(audit_app, name="audit")
export_app = typer.Typer(help="Data exports (access and portability).", no_args_is_help=True)
app.add_typer(export_app, name="export")
erasures_app = typer.Typer(help="The erasure journal.", no_args_is_help=True)
app.add_typer(erasures_app, name="erasures")

out = Console()
err = Console(stderr=True)
CLI_ACTOR = "cli"


def fail(message: str, code: int = 2) -> NoReturn:
    """One clear line on stderr, then exit."""
    err.print(f"regbot: {message}", style="red", highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def operator_errors(settings: Settings | None = None) -> Iterator[None]:
    """Configuration problems and refusals become one line, never a traceback."""
    try:
        yield
    except ConfigError as exc:
        fail(str(exc))
    except DomainError as exc:
        t = Translator(settings.language if settings else "en")
        fail(t(exc.key, **exc.params), code=1)


def settings_or_exit() -> Settings:
    """Settings from the environment, or one line naming the bad one."""
    try:
        return load_settings()
    except ConfigError as exc:
        fail(str(exc))


# Bolt logs request bodies at DEBUG; these stay at WARNING so no personal data leaks.
QUIET_LOGGERS = (
    "slack_bolt",
    "slack_sdk",
    "regbot.bolt",
    "gunicorn",
    "waitress",
    "urllib3",
    "alembic",
    "apscheduler",
)


def _logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


# --- running --------------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 3000,
    workers: Annotated[
        int, typer.Option(min=1, help="Processes; each runs the whole bot and its scheduler.")
    ] = ServerOptions.workers,
    threads: Annotated[
        int, typer.Option(min=1, help="HTTP threads per worker process.")
    ] = ServerOptions.threads,
    listener_threads: Annotated[
        int,
        typer.Option(min=1, help="Threads per worker that run commands after their ack."),
    ] = ServerOptions.listener_threads,
    db_pool: Annotated[
        int,
        typer.Option(min=1, help="PostgreSQL connections per worker (as many may overflow)."),
    ] = ServerOptions.db_pool,
) -> None:
    """HTTP mode: POST /slack/events and GET /healthz on gunicorn, a production pre-forking
    WSGI server."""
    from bot.app import check_can_serve
    from bot.runtime.web import run_server

    settings = settings_or_exit()
    _logging()
    with operator_errors(settings):
        check_can_serve(settings)
    options = ServerOptions(host, port, workers, threads, listener_threads, db_pool)
    run_server(settings, options)


@app.command()
def socket() -> None:
    """Socket Mode: connect out to Slack with SLACK_APP_TOKEN (no public URL needed)."""
    from bot.app import build_application
    from bot.runtime.scheduler import build_scheduler
    from handlers.socket_mode import RegbotSocketModeHandler

    settings = settings_or_exit()
    _logging()
    with operator_errors(settings):
        settings.require("slack_app_token")
        application = build_application(settings)
    scheduler = build_scheduler(application.services, settings)
    scheduler.start()
    handler = RegbotSocketModeHandler(application.bolt, str(settings.slack_app_token))
    # SIGTERM (a service manager stopping regbot) and Ctrl-C end the wait below, so the commands
    # already acknowledged finish before the process exits. The wait wakes twice a second: a
    # signal may reach another thread, and only the main thread runs Python's signal handlers.
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    try:
        handler.connect()  # type: ignore[no-untyped-call]
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        handler.close()  # type: ignore[no-untyped-call]
        scheduler.shutdown(wait=False)
        application.close()


@app.command()
def manifest(
    url: Annotated[
        str | None,
        typer.Option(help="Public base URL of `regbot serve`, e.g. https://regbot.example.fi"),
    ] = None,
    socket_mode: Annotated[
        bool, typer.Option("--socket", help="Manifest for Socket Mode.")
    ] = False,
) -> None:
    """Print the Slack app manifest (JSON) to paste into Slack: Create app → From a manifest."""
    from handlers.manifest import build_manifest

    typer.echo(
        json.dumps(build_manifest(url, socket_mode=socket_mode), indent=2, ensure_ascii=False)
    )


@app.command()
def demo(
    command: Annotated[
        list[str] | None,
        typer.Option("-c", "--command", help="A slash-command line to run (repeatable)."),
    ] = None,
    database: Annotated[Path, typer.Option(help="The demo register (SQLite).")] = Path(
        "regbot-demo.db"
    ),
    language: Annotated[str, typer.Option(help="fi or en.")] = "en",
) -> None:
    """An offline console: slash commands through the real Bolt app on a synthetic register."""
    from bot.demo.console import run_lines, start_demo

    if language not in ("fi", "en"):
        fail("--language must be fi or en")
    logging.basicConfig(level=logging.WARNING)
    session = start_demo(database, language=language)

    def echo(text: str) -> None:
        out.print(text, highlight=False, markup=False, soft_wrap=True)

    try:
        if command:
            run_lines(session, command, echo)
            return
        echo(
            f"regbot demo — register {database} (synthetic customers). Signed in as the demo "
            "admin.\nTry: /customer find oy · /customer show 10001 · /register stats · "
            "/customer help. Empty line or Ctrl-D quits."
        )
        while True:
            try:
                line = input("regbot> ") if sys.stdin.isatty() else sys.stdin.readline()
            except EOFError:
                break
            if not line or not line.strip() or line.strip() in ("quit", "exit"):
                break
            run_lines(session, [line], echo)
    finally:
        session.close()


@app.command()
def remind(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be sent; send and record nothing.")
    ] = False,
) -> None:
    """Run one reminder sweep now: the channel digest and each assignee's DM, each sent once."""
    from bot.app import build_slack_client

    settings = settings_or_exit()
    _logging()
    with operator_errors(settings):
        if not dry_run:
            settings.require("slack_bot_token")
        slack = None if dry_run else build_slack_client(settings)
        services = _services(settings, slack=slack)
        report = services.reminders.sweep(dry_run=dry_run)
    for note in report.notes:
        out.print(f"note: {note}", highlight=False, markup=False, soft_wrap=True)
    if dry_run:
        out.print(f"Dry run for {report.day}: {len(report.planned)} notification(s) due.")
        for line in report.planned:
            out.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)
        return
    out.print(
        f"Sweep for {report.day}: {report.enqueued} new notification(s) queued, "
        f"{report.sent} sent.",
        highlight=False,
    )
    if report.failed:
        fail(
            f"{report.failed} notification(s) could not be delivered "
            f"({'; '.join(sorted(set(e.split(': ', 1)[-1] for e in report.errors)))}); "
            "they stay queued and the next sweep delivers them",
            code=1,
        )


@app.command()
def retention(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be purged; change nothing.")
    ] = False,
) -> None:
    """Purge usage events past REGBOT_USAGE_RETENTION_DAYS, invoices past retention, old codes."""
    settings = settings_or_exit()
    with operator_errors(settings):
        report = _services(settings).retention.run(dry_run=dry_run)
    verb = "would be purged" if dry_run else "purged"
    out.print(
        f"Retention ({'dry run' if dry_run else 'done'}): {report.usage_events} usage event(s) "
        f"older than {report.usage_cutoff:%Y-%m-%d}, {report.invoices} invoice(s) past their "
        f"retention date and {report.verification_codes} expired verification code(s) {verb}.",
        highlight=False,
        soft_wrap=True,
    )


@app.command()
def notice(
    language: Annotated[
        str | None, typer.Option(help="fi or en (default REGBOT_LANGUAGE).")
    ] = None,
) -> None:
    """Print the privacy notice rendered from the settings and the data model."""
    from bot.services.notice import notice_as_text

    settings = settings_or_exit()
    chosen = language or settings.language
    if chosen not in ("fi", "en"):
        fail("--language must be fi or en")
    typer.echo(notice_as_text(settings, chosen))


@export_app.command("customer")
def export_customer(
    ref: Annotated[str, typer.Argument(help="Customer number or business ID.")],
    request: Annotated[
        str | None, typer.Option(help="Record the export on this request, e.g. DSR-12.")
    ] = None,
) -> None:
    """Write a customer's full data export (JSON + summary, files 0600) to REGBOT_EXPORT_DIR."""
    from bot.services.export import ExportService

    settings = settings_or_exit()
    number = None
    if request:
        digits = request.upper().removeprefix("DSR-").removeprefix("#")
        if not digits.isdigit():
            fail(f"{request!r} is not a request number like DSR-12")
        number = int(digits)
    with operator_errors(settings):
        services = _services(settings)
        # The operator acts as the bootstrap of trust here; the export is audited as 'cli'.
        result = ExportService(services.context).export_as_operator(
            CLI_ACTOR, ref, request_number=number
        )
    out.print(f"Exported customer {result.number}:", highlight=False)
    out.print(f"  {result.json_path}", highlight=False, soft_wrap=True)
    out.print(f"  {result.summary_path}", highlight=False, soft_wrap=True)
    out.print(
        "  " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in result.counts.items()),
        highlight=False,
        soft_wrap=True,
    )


@app.command()
def backup(
    path: Annotated[Path, typer.Argument(help="Where to write the backup (must not exist).")],
) -> None:
    """Back up the register: SQLite online backup, or pg_dump for PostgreSQL."""
    from storage.backup import BackupError, backup_database

    settings = settings_or_exit()
    try:
        written = backup_database(settings.database_url, path)
    except BackupError as exc:
        fail(str(exc))
    out.print(f"Backup written: {written}", highlight=False, soft_wrap=True)
    out.print(
        f"Keep the erasure journal ({settings.erasure_journal}) too, on separate storage: "
        "`regbot restore` re-applies it.",
        highlight=False,
        soft_wrap=True,
    )


@app.command()
def restore(
    path: Annotated[Path, typer.Argument(help="A backup written by `regbot backup` (SQLite).")],
    reapply: Annotated[
        bool, typer.Option(help="Re-apply the erasure journal after restoring.")
    ] = True,
) -> None:
    """Restore an SQLite register from a backup (stop regbot first), then re-apply erasures."""
    from storage.backup import BackupError, restore_database

    settings = settings_or_exit()
    try:
        restore_database(settings.database_url, path)
    except BackupError as exc:
        fail(str(exc))
    out.print(f"Restored {settings.database_url} from {path}.", highlight=False, soft_wrap=True)
    if reapply:
        _reapply(settings, dry_run=False)


@erasures_app.command("reapply")
def erasures_reapply(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only say what would be erased.")
    ] = False,
) -> None:
    """Erase again every journaled customer the database still holds (after a restore)."""
    _reapply(settings_or_exit(), dry_run=dry_run)


def _reapply(settings: Settings, *, dry_run: bool) -> None:
    with operator_errors(settings):
        report = _services(settings).erasure.reapply_journal(dry_run=dry_run)
    verb = "would be erased again" if dry_run else "erased again"
    out.print(
        f"Erasure journal: {len(report.reapplied)} customer(s) {verb}"
        + (f" ({', '.join(map(str, report.reapplied))})" if report.reapplied else "")
        + f", {len(report.already)} already erased, {len(report.missing)} not in this database.",
        highlight=False,
        soft_wrap=True,
    )


# --- database ------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to REGBOT_DATABASE_URL."""
    from storage.db import make_engine, schema_status, upgrade

    settings = settings_or_exit()
    engine = make_engine(settings.database_url)
    before = schema_status(engine)
    upgrade(engine)
    after = schema_status(engine)
    engine.dispose()
    if before.current == after.current:
        out.print(f"Schema already up to date ({after.current}).")
    else:
        out.print(f"Schema upgraded: {before.current or 'empty'} → {after.current}.")


@db_app.command("status")
def db_status() -> None:
    """Show the schema revision next to the code's."""
    from storage.db import make_engine, schema_status

    settings = settings_or_exit()
    engine = make_engine(settings.database_url)
    status = schema_status(engine)
    engine.dispose()
    state = "up to date" if status.up_to_date else "OUT OF DATE: run `regbot db upgrade`"
    out.print(f"database {status.current or 'empty'}, code {status.head}: {state}")
    if not status.up_to_date:
        raise typer.Exit(1)


def _services(settings: Settings, slack: Any = None) -> Any:
    from bot.app import build_services, check_schema
    from storage.db import make_engine

    engine = make_engine(settings.database_url)
    check_schema(engine)
    return build_services(settings, engine=engine, slack=slack)


# --- import --------------------------------------------------------------------------------


def _progress(description: str) -> tuple[Progress, Callable[[int, int], None]]:
    progress = Progress(
        TextColumn(description),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    )
    task = progress.add_task(description, total=None)

    def update(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    return progress, update


@import_app.command("customers")
def import_customers(
    file: Annotated[
        Path, typer.Argument(help="CSV with a header row.", exists=True, dir_okay=False)
    ],
    skip_invalid: Annotated[
        bool, typer.Option(help="Import the good rows and report the rest.")
    ] = False,
) -> None:
    """Import customers from CSV, validated like /customer new; all or nothing by default."""
    settings = settings_or_exit()
    t = Translator("en")
    with operator_errors(settings):
        services = _services(settings)
        progress, update = _progress("Importing customers")
        with progress:
            report = services.imports.import_customers(
                CLI_ACTOR, file, skip_invalid=skip_invalid, progress=update
            )
    for bad in report.bad_rows[:50]:
        err.print(f"line {bad.line}: {t(bad.key, **bad.params)}", highlight=False, markup=False)
    if len(report.bad_rows) > 50:
        err.print(f"… and {len(report.bad_rows) - 50} more bad rows")
    if not report.written:
        fail(f"{len(report.bad_rows)} bad row(s); nothing was imported", code=1)
    out.print(
        f"Imported: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged, {len(report.bad_rows)} skipped."
    )
    if report.unkeyed:
        out.print(
            "Created without a customer number, business ID, e-mail or phone to recognise"
            f" them by: {report.unkeyed}. Importing the file again would create them again."
        )


@import_app.command("usage")
def import_usage(
    file: Annotated[
        Path,
        typer.Argument(help="JSON Lines: one event object a line.", exists=True, dir_okay=False),
    ],
) -> None:
    """Import service usage events (login, login_failed, logout, …) all or nothing."""
    settings = settings_or_exit()
    t = Translator("en")
    with operator_errors(settings):
        services = _services(settings)
        progress, update = _progress("Importing usage events")
        with progress:
            report = services.usage.import_file(CLI_ACTOR, file, progress=update)
    for bad in report.bad[:50]:
        err.print(
            f"line {bad.position}: {t(bad.key, **bad.params)}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    if report.bad_count > 50:
        err.print(f"… and {report.bad_count - 50} more bad lines")
    if not report.written:
        fail(f"{report.bad_count} bad line(s); nothing was imported", code=1)
    out.print(
        f"Imported {report.stored} usage events; last login moved forward for "
        f"{report.logins_updated} service user(s)."
    )


@import_app.command("business-register")
def import_business_register(
    file: Annotated[
        Path,
        typer.Argument(
            help="JSON from PRH's open-data API (opendata-ytj-api v3 companies).",
            exists=True,
            dir_okay=False,
        ),
    ],
    dry_run: Annotated[bool, typer.Option(help="Show what would change; change nothing.")] = False,
) -> None:
    """Update company names and addresses from the business register, matched by business ID."""
    settings = settings_or_exit()
    t = Translator("en")
    with operator_errors(settings):
        services = _services(settings)
        progress, update = _progress("Reading the business register")
        with progress:
            report = services.business_register.import_file(file, dry_run=dry_run, progress=update)
    for bad in report.problems[:50]:
        who = f" ({bad.business_id})" if bad.business_id else ""
        err.print(
            f"company #{bad.position}{who}: {t(bad.key, **bad.params)}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    if len(report.problems) > 50:
        err.print(f"… and {len(report.problems) - 50} more bad companies")
    if report.problems:
        fail(f"{len(report.problems)} bad compan(y/ies); nothing was changed", code=1)
    for change in report.updated:
        fields = "; ".join(f"{c.field}: {_shown(c.old)} → {_shown(c.new)}" for c in change.changes)
        out.print(
            f"{change.number} ({change.business_id}): {fields}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    if report.not_in_register:
        out.print(
            "Not customers in the register: " + ", ".join(report.not_in_register),
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    if report.erased:
        out.print(
            "Erased customers left alone: " + ", ".join(str(n) for n in report.erased),
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    verb = "Would update" if dry_run else "Updated"
    out.print(
        f"{verb} {len(report.updated)} customer(s); {report.unchanged} unchanged, "
        f"{len(report.not_in_register)} not in the register"
        + (" (dry run: nothing was changed)." if dry_run else ".")
    )


def _shown(value: str | None) -> str:
    return "∅" if value is None else value


# --- staff ---------------------------------------------------------------------------------


def _check_user_id(user_id: str) -> str:
    user_id = user_id.strip()
    if not (user_id[:1] in ("U", "W") and user_id.isalnum() and user_id.isupper() is not False):
        fail(f"{user_id!r} is not a Slack user ID like U012ABCDEF (see the person's profile)")
    return user_id


@staff_app.command("grant")
def staff_grant(
    user_id: Annotated[str, typer.Argument(help="Slack user ID, e.g. U012ABCDEF.")],
    role: Annotated[str, typer.Argument(help="viewer, agent, billing, privacy or admin.")],
) -> None:
    """Give a Slack user a role."""
    from bot.services.staff import grant_role

    settings = settings_or_exit()
    user_id = _check_user_id(user_id)
    try:
        parsed = Role(role.lower())
    except ValueError:
        fail(f"{role!r} is not a role; roles: {', '.join(r.value for r in Role)}")
    with operator_errors(settings):
        services = _services(settings)
        with services.context.transaction(CLI_ACTOR) as tx:
            grant_role(tx, user_id, parsed)
    out.print(f"{user_id} now has the role {parsed.value}.")


@staff_app.command("revoke")
def staff_revoke(user_id: Annotated[str, typer.Argument(help="Slack user ID.")]) -> None:
    """Remove a Slack user's role."""
    from bot.services.staff import revoke_role

    settings = settings_or_exit()
    user_id = _check_user_id(user_id)
    with operator_errors(settings):
        services = _services(settings)
        with services.context.transaction(CLI_ACTOR) as tx:
            role = revoke_role(tx, user_id)
    out.print(f"{user_id} no longer has a role (was {role.value}).")


@staff_app.command("list")
def staff_list() -> None:
    """Every staff member and role."""
    from bot.services.staff import list_staff

    settings = settings_or_exit()
    with operator_errors(settings):
        services = _services(settings)
        with services.context.transaction(CLI_ACTOR) as tx:
            entries = list_staff(tx)
    table = Table("Slack user", "Role", "Granted by", "Granted at")
    for e in entries:
        table.add_row(
            e.slack_user_id,
            e.role.value,
            "REGBOT_ADMINS" if e.bootstrap else (e.granted_by or ""),
            f"{e.granted_at.astimezone(settings.tz):%Y-%m-%d %H:%M}" if e.granted_at else "",
        )
    out.print(table)


# --- audit ---------------------------------------------------------------------------------


@audit_app.command("verify")
def audit_verify(
    anchor: Annotated[
        str | None,
        typer.Option(help="A SEQ:HASH printed earlier by `regbot audit head`, to check too."),
    ] = None,
) -> None:
    """Walk the audit hash chain and report the first broken link."""
    settings = settings_or_exit()
    expected = None
    if anchor:
        seq, _, digest = anchor.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            fail("--anchor takes SEQ:HASH as printed by `regbot audit head`")
        expected = (int(seq), digest)
    with operator_errors(settings):
        services = _services(settings)
        report = services.audit.verify(expected)
    if report.ok:
        out.print(f"Audit chain intact: {report.checked} events verified.")
        return
    fail(
        f"audit chain broken at event #{report.broken_seq}: {report.reason} "
        f"({report.checked} events before it verified)",
        code=1,
    )


@audit_app.command("head")
def audit_head() -> None:
    """Print the chain's last link as SEQ:HASH; keep it elsewhere to check later with --anchor."""
    settings = settings_or_exit()
    with operator_errors(settings):
        seq, digest = _services(settings).audit.head()
    typer.echo(f"{seq}:{digest}")


def main() -> None:
    """Console-script entry point."""
    app()
