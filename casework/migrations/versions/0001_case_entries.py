"""Case-work entries (append-only) and workbook uploads.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY = "case-work entries are append-only: record a correction instead"


def upgrade() -> None:
    op.create_table(
        "case_entries",
        sa.Column("entry_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(16), nullable=False),
        sa.Column("id_number", sa.String(18)),
        sa.Column("student_no", sa.String(32)),
        sa.Column("township_code", sa.String(12)),
        sa.Column("school_code", sa.String(12)),
        sa.Column("action_date", sa.Date, nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("person", sa.String(50), nullable=False),
        sa.Column("departments", sa.String(200)),
        sa.Column("result", sa.String(20)),
        sa.Column("cause", sa.String(20)),
        sa.Column("notes", sa.Text),
        sa.Column("supersedes", sa.Integer, sa.ForeignKey("case_entries.entry_id", name="fk_case_entries_supersedes")),
        sa.Column("withdrawn", sa.Boolean, nullable=False),
        sa.Column("entered_by", sa.String(64), nullable=False),
        sa.Column("entered_role", sa.String(16), nullable=False),
        sa.Column("entered_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("supersedes", name="uq_case_entries_supersedes"),
    )
    op.create_index("ix_case_entries_case_id", "case_entries", ["case_id"])
    op.create_table(
        "workbook_uploads",
        sa.Column("upload_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("file_name", sa.String(200), nullable=False, unique=True),
        sa.Column("file_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_role", sa.String(16), nullable=False),
        sa.Column("township_code", sa.String(12)),
        sa.Column("school_code", sa.String(12)),
        sa.Column("uploaded_at", sa.DateTime, nullable=False),
    )
    # Nothing recorded is ever changed or removed, whoever connects.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "create function case_entries_append_only() returns trigger language plpgsql as "
            f"$$ begin raise exception '{APPEND_ONLY}'; end $$"
        )
        for when in ("update", "delete"):
            op.execute(
                f"create trigger case_entries_no_{when} before {when} on case_entries "
                "for each row execute function case_entries_append_only()"
            )
    else:
        for when in ("update", "delete"):
            op.execute(
                f"create trigger case_entries_no_{when} before {when} on case_entries "
                f"begin select raise(abort, '{APPEND_ONLY}'); end"
            )


def downgrade() -> None:
    for when in ("update", "delete"):
        op.execute(f"drop trigger if exists case_entries_no_{when}" + (" on case_entries" if _pg() else ""))
    if _pg():
        op.execute("drop function if exists case_entries_append_only()")
    op.drop_table("workbook_uploads")
    op.drop_index("ix_case_entries_case_id", "case_entries")
    op.drop_table("case_entries")


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"
