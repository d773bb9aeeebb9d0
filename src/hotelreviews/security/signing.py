"""The access tokens' signing key: from the settings (or their `_FILE`s), else generated once.

In production a missing or placeholder secret refuses start-up. Elsewhere, with none
configured, a key is generated on first start and kept in the data directory (mode 0600), so
that tokens survive restarts of a local installation.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from hotelreviews.core.settings import Settings
from hotelreviews.security.errors import SecretMissing

logger = logging.getLogger("hotelreviews.security")

MIN_HS256_SECRET_LENGTH = 32
_PLACEHOLDERS = ("change", "secret", "placeholder", "example", "xxx", "todo", "default")
_KEY_FILES = {"HS256": "jwt-hs256.key", "EdDSA": "jwt-ed25519.pem", "RS256": "jwt-rs256.pem"}


@dataclass(frozen=True)
class SigningKeys:
    algorithm: str
    signing_key: Any  # bytes (HS256) or a private key object
    verifying_key: Any  # bytes (HS256) or a public key object

    def __repr__(self) -> str:  # never show key material
        return f"SigningKeys(algorithm={self.algorithm!r})"


def load_signing_keys(settings: Settings) -> SigningKeys:
    algorithm = settings.jwt_algorithm
    if algorithm == "HS256":
        secret = settings.jwt_secret.get_secret_value() if settings.jwt_secret else None
        if secret is None:
            _refuse_in_production(settings, "HOTELREVIEWS_JWT_SECRET (or _FILE)")
            secret = _stored_key(settings, _KEY_FILES[algorithm], new_hs256_secret)
        if settings.environment == "production" and _is_placeholder(secret):
            raise SecretMissing(
                "HOTELREVIEWS_JWT_SECRET looks like a placeholder or is shorter than "
                f"{MIN_HS256_SECRET_LENGTH} characters; set a random one, e.g. "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`"
            )
        key = secret.encode()
        return SigningKeys(algorithm, key, key)
    pem = settings.jwt_private_key.get_secret_value() if settings.jwt_private_key else None
    if pem is None:
        _refuse_in_production(settings, "HOTELREVIEWS_JWT_PRIVATE_KEY (or _FILE, a PEM file)")
        new = _new_ed25519_pem if algorithm == "EdDSA" else _new_rsa_pem
        pem = _stored_key(settings, _KEY_FILES[algorithm], new)
    try:
        private = serialization.load_pem_private_key(pem.encode(), password=None)
    except ValueError:
        raise SecretMissing(
            "HOTELREVIEWS_JWT_PRIVATE_KEY is not an unencrypted PEM private key"
        ) from None
    expected = ed25519.Ed25519PrivateKey if algorithm == "EdDSA" else rsa.RSAPrivateKey
    if not isinstance(private, expected):
        raise SecretMissing(
            f"HOTELREVIEWS_JWT_PRIVATE_KEY is not a key for {algorithm} "
            "(EdDSA needs an Ed25519 key, RS256 an RSA key)"
        )
    return SigningKeys(algorithm, private, private.public_key())


def _refuse_in_production(settings: Settings, name: str) -> None:
    if settings.environment == "production":
        raise SecretMissing(
            f"{name} is not set: production needs its own signing secret "
            f"for HOTELREVIEWS_JWT_ALGORITHM={settings.jwt_algorithm}"
        )


def _is_placeholder(secret: str) -> bool:
    lowered = secret.lower()
    return len(secret) < MIN_HS256_SECRET_LENGTH or any(word in lowered for word in _PLACEHOLDERS)


def _stored_key(settings: Settings, name: str, new: Any) -> str:
    """The key kept in the data directory, created (0600, atomically) the first time."""
    path = Path(settings.data_dir) / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(new())
        try:
            # Another process may have created one meanwhile: keep the first (link fails).
            os.link(temporary, path)
            logger.info("generated a local token signing key in %s", path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text().strip()


def new_hs256_secret() -> str:
    """256 random bits in hex: hex digits cannot spell any of the placeholder words (each
    has a letter past "f"), so a generated secret is never refused as one — a base64 token
    contains "xxx" or "todo" about once in 500."""
    return secrets.token_hex(32)


def _new_ed25519_pem() -> str:
    key = ed25519.Ed25519PrivateKey.generate()
    return _pem(key)


def _new_rsa_pem() -> str:
    return _pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))


def _pem(key: Any) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
