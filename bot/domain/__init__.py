"""The register's rules and the enums they need, as plain Python (SPEC §2, §3, §5).

Nothing here imports SQLAlchemy, Slack or the services: a rule is tested without a database
or a workspace, and every layer may use it (import-linter checks this, see pyproject.toml).
"""
