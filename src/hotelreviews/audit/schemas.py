"""The audit log's API models (for the OpenAPI schema; responses are built as plain data)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from hotelreviews.core.pagination import PageFields


class AuditActor(BaseModel):
    kind: Literal["user", "key", "anonymous", "cli", "system"]
    id: int | None
    label: str | None = Field(
        description="User name, API key prefix, or the OS user of a CLI command; never a secret."
    )


class AuditTarget(BaseModel):
    kind: str = Field(examples=["user", "key", "ingestion", "route"])
    id: str | None


class AuditEventRead(BaseModel):
    id: int
    occurred_at: datetime
    actor: AuditActor
    action: str = Field(examples=["auth.login", "key.create", "ingestion.enqueue"])
    target: AuditTarget | None
    outcome: Literal["success", "failure", "denied"]
    client_address: str | None = Field(
        description="The client's address (through trusted proxies), or `cli`."
    )
    request_id: str | None
    details: dict[str, Any] | None


class AuditEventPage(PageFields):
    items: list[AuditEventRead]
