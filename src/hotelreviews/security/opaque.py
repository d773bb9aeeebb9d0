"""Opaque random secrets (API keys, refresh tokens) and their stored hashes.

Both are 256 random bits, so a plain SHA-256 is enough to store them: nobody can guess or
brute-force such a value from its hash, and a slow hash (argon2) would only cost every
request that presents a key its CPU time. Passwords, chosen by people, are another matter.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

API_KEY_MARK = "hr_"
# The first characters of a key identify its row (not secret: shown in listings and logs).
API_KEY_PREFIX_LENGTH = len(API_KEY_MARK) + 8


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def new_api_key() -> str:
    return API_KEY_MARK + secrets.token_urlsafe(32)


def api_key_prefix(key: str) -> str:
    return key[:API_KEY_PREFIX_LENGTH]


def looks_like_api_key(key: str) -> bool:
    return key.startswith(API_KEY_MARK) and 40 <= len(key) <= 100


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same_digest(secret: str, stored: str) -> bool:
    return hmac.compare_digest(digest(secret), stored)
