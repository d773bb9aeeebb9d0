"""Typed configuration from the environment (12-factor), validated once at start-up."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

EMBEDDED_DATABASE_NAME = "hotelreviews.sqlite3"


class Settings(BaseSettings):
    """Every setting is `HOTELREVIEWS_<NAME>`; secrets may also come from `<NAME>_FILE`."""

    model_config = SettingsConfigDict(env_prefix="HOTELREVIEWS_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("var")
    # A SecretStr because PostgreSQL URLs carry passwords; None means the embedded SQLite file.
    database_url: SecretStr | None = None
    database_url_file: Path | None = None
    database_pool_size: int = Field(default=20, ge=1, le=200)
    ingest_batch_size: int = Field(default=5000, ge=1, le=100_000)
    # Remote sources (ingestion/remote.py). Credentials come from boto3's standard chain
    # (environment, shared config/credentials files, container or instance role), never from
    # here. The endpoint is for S3-compatible stores (MinIO, Ceph, moto…); unset, boto3's own
    # AWS_ENDPOINT_URL or AWS applies. The region: unset, boto3's (AWS_REGION, ~/.aws/config).
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    # Connect and per-read timeout for S3 and http(s) sources.
    remote_timeout_seconds: float = Field(default=60.0, gt=0)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # The shared response cache in front of the API (see hotelreviews.cache).
    cache_enabled: bool = True
    cache_max_entries: int = Field(default=10_000, ge=1)
    cache_max_bytes: int = Field(default=64 * 1024 * 1024, ge=1)
    # Larger bodies are served but not stored: one huge page must not evict thousands of entries.
    cache_max_entry_bytes: int = Field(default=1024 * 1024, ge=1)
    # How long an entry lives in this process; the data version, not this, keeps entries fresh.
    cache_ttl_seconds: float = Field(default=60.0, gt=0)
    # What clients and CDNs are told (Cache-Control max-age); bounds their staleness.
    cache_max_age_seconds: int = Field(default=5, ge=0)
    cache_version_poll_seconds: float = Field(default=1.0, gt=0)

    @model_validator(mode="after")
    def _read_secret_files(self) -> Settings:
        if self.database_url is None and self.database_url_file is not None:
            self.database_url = SecretStr(self.database_url_file.read_text().strip())
        return self

    @property
    def resolved_database_url(self) -> str:
        """The SQLAlchemy async URL to use; the embedded SQLite file when none is configured."""
        if self.database_url is not None:
            return normalize_database_url(self.database_url.get_secret_value())
        return f"sqlite+aiosqlite:///{(self.data_dir / EMBEDDED_DATABASE_NAME).resolve()}"

    @property
    def is_embedded(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")


def normalize_database_url(url: str) -> str:
    """Accept the usual spellings (postgres://, sqlite:///...) and pick the async drivers."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
