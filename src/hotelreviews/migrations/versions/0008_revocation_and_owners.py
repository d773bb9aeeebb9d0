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
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("token_version", sa.Integer, nullable=False, server_default=sa.text("0"))
        )
    with op.batch_alter_table("ingested_files") as batch:
        batch.add_column(sa.Column("created_by", sa.String(100)))
    op.create_index("ix_ingested_files_created_by", "ingested_files", ["created_by"])


def downgrade() -> None:
    op.drop_index("ix_ingested_files_created_by", table_name="ingested_files")
    with op.batch_alter_table("ingested_files") as batch:
        batch.drop_column("created_by")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("token_version")
    # Back to one counter per name: the name-wide rows are the closest to what 0007 kept.
    op.execute("DELETE FROM login_failures WHERE client_address <> '*'")
    with op.batch_alter_table("login_failures") as batch:
        batch.drop_constraint("pk_login_failures", type_="primary")
        batch.create_primary_key("pk_login_failures", ["username"])
        batch.drop_column("client_address")
