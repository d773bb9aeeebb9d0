"""Request and response bodies of /api/v1/auth. Requests forbid unknown fields: a client
cannot slip in ids, roles or ownership."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hotelreviews.api.deps import NO_NUL, Text


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Looked up in the database, which refuses NUL in text: a 422 here, not a 500 there.
    username: Text = Field(min_length=1, max_length=100, examples=["ada"], json_schema_extra=NO_NUL)
    password: str = Field(min_length=1, max_length=1024)


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=1, max_length=200)


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str = Field(description="Single use: each refresh returns a new one.")
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="Seconds the access token is valid for.")


class IdentityRead(BaseModel):
    kind: Literal["user", "key"]
    id: int
    name: str | None
    roles: list[str]
    hotel_ids: list[int] = Field(description="The hotels this user manages (a key: none).")
    every_hotel: bool = Field(
        description="Whether the roles show every hotel's alerts (admin, analyst); if not, "
        "only those of hotel_ids."
    )
