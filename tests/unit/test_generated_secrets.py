"""Secrets the platform makes for itself are never refused by its own placeholder check.

The check (security.signing) refuses a signing secret containing a placeholder word ("xxx",
"todo", "secret"…), case-insensitively. A random base64 token of 64 characters contains one
about once in 500 draws, which once failed a cluster start; generated secrets are hex, and
hex digits cannot spell any of those words. The same holds for the secrets deploy/aws has
Secrets Manager generate (tests/deploy/aws/test_region_stacks.py checks their alphabet)."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from hotelreviews.cluster import apps
from hotelreviews.cluster.layout import plan
from hotelreviews.core.settings import Settings
from hotelreviews.security import signing
from hotelreviews.security.errors import SecretMissing


def test_no_placeholder_word_can_be_spelled_in_hex() -> None:
    for word in signing._PLACEHOLDERS:
        assert set(word) - set(string.hexdigits), word


def test_a_generated_signing_secret_is_long_hex_and_accepted_in_production(
    tmp_path: Path,
) -> None:
    secret = signing.new_hs256_secret()
    assert len(secret) == 64 and set(secret) <= set(string.hexdigits)
    settings = Settings(environment="production", data_dir=tmp_path, jwt_secret=secret)
    assert signing.load_signing_keys(settings).signing_key == secret.encode()


def test_a_secret_spelling_a_placeholder_word_is_still_refused(tmp_path: Path) -> None:
    # What the generator avoids is what the check is for: base64 that happens to say "todo".
    settings = Settings(environment="production", data_dir=tmp_path, jwt_secret="Todo" * 10)
    with pytest.raises(SecretMissing):
        signing.load_signing_keys(settings)


def test_the_cluster_signing_secret_is_generated_hex(tmp_path: Path) -> None:
    layout = plan(tmp_path / "cluster", api_per_region=1)
    written = apps.ensure_jwt_secret(layout).read_text().strip()
    assert len(written) == 64 and set(written) <= set(string.hexdigits)
