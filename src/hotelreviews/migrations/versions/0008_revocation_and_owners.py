"""Logins counted per user name and client address, revocable access tokens, ingestion owners.

- `login_failures` is keyed by (user name, client address): a stranger's failures lock the
  name out from the stranger's address only. The reserved address `*` holds the name's
  counter across every address (distributed guessing). Existing rows become those `*` rows:
  a lock in force at the upgrade stays in force until it runs out.
- `users.token_version`: access tokens carry it; bumping it refuses every access token of the
  user issued before (logout, disabling, role removal, refresh-token reuse).
- `ingested_files.created_by`: the identity that queued an ingestion through the API
  (`user:42`, `key:7`); null for runs of the CLI and files a worker's poll found.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_failures") as batch:
        batch.add_column(
            sa.Column(
                "client_address", sa.String(100), nullable=False, server_default=sa.text("'*'")
            )
        )
        batch.drop_constraint("pk_login_failures", type_="primary")
        batch.create_primary_key("pk_login_failures", ["username", "client_address"])
    # Plain ALTER TABLE ADD/DROP COLUMN on both databases (SQLite has both since 3.35): a
    # batch copy of these tables would have to drop them, which their foreign keys forbid.
    op.add_column(
        "users",
        sa.Column("token_version", sa.Integer, nullable=False, server_default=sa.text("0")),
    )
    op.add_column("ingested_files", sa.Column("created_by", sa.String(100)))
    op.create_index("ix_ingested_files_created_by", "ingested_files", ["created_by"])


def downgrade() -> None:
    op.drop_index("ix_ingested_files_created_by", table_name="ingested_files")
    op.drop_column("ingested_files", "created_by")
    op.drop_column("users", "token_version")
    # Back to one counter per name: the name-wide rows are the closest to what 0007 kept.
    op.execute("DELETE FROM login_failures WHERE client_address <> '*'")
    with op.batch_alter_table("login_failures") as batch:
        batch.drop_constraint("pk_login_failures", type_="primary")
        batch.create_primary_key("pk_login_failures", ["username"])
        batch.drop_column("client_address")
