"""Passwords changed in the dashboard, and the dashboard's access log (both append-only).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

APPEND_ONLY = "{table} is append-only: nothing recorded is changed or removed"
TABLES = ("password_changes", "access_log")


def upgrade() -> None:
    op.create_table(
        "password_changes",
        sa.Column("change_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("replaces", sa.String(64), nullable=False),
        sa.Column("changed_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_password_changes_username", "password_changes", ["username"])
    op.create_table(
        "access_log",
        sa.Column("log_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("logged_at", sa.DateTime, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("role", sa.String(16)),
        sa.Column("township_code", sa.String(12)),
        sa.Column("school_code", sa.String(12)),
        sa.Column("address", sa.String(64)),
        sa.Column("what", sa.String(200)),
    )
    op.create_index("ix_access_log_logged_at", "access_log", ["logged_at"])
    for table in TABLES:
        message = APPEND_ONLY.format(table=table)
        if _pg():
            op.execute(
                f"create function {table}_append_only() returns trigger language plpgsql as "
                f"$$ begin raise exception '{message}'; end $$"
            )
        for when in ("update", "delete"):
            if _pg():
                op.execute(
                    f"create trigger {table}_no_{when} before {when} on {table} "
                    f"for each row execute function {table}_append_only()"
                )
            else:
                op.execute(
                    f"create trigger {table}_no_{when} before {when} on {table} "
                    f"begin select raise(abort, '{message}'); end"
                )


def downgrade() -> None:
    for table in TABLES:
        for when in ("update", "delete"):
            op.execute(f"drop trigger if exists {table}_no_{when}" + (f" on {table}" if _pg() else ""))
        if _pg():
            op.execute(f"drop function if exists {table}_append_only()")
    op.drop_index("ix_access_log_logged_at", "access_log")
    op.drop_table("access_log")
    op.drop_index("ix_password_changes_username", "password_changes")
    op.drop_table("password_changes")


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"
