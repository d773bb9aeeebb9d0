"""Running the `hotelreviews` command as a user would, against a test's database."""

from __future__ import annotations

import os
import subprocess
import sys

from hotelreviews.core.settings import Settings


def run_cli(
    settings: Settings, *args: str, stdin: str | bytes | None = None, text: bool = False
) -> subprocess.CompletedProcess:
    """`python -m hotelreviews ARGS` with the environment pointing at `settings`' database."""
    env = {**os.environ, "HOTELREVIEWS_DATA_DIR": str(settings.data_dir)}
    env.pop("HOTELREVIEWS_DATABASE_URL", None)
    if settings.database_url is not None:
        env["HOTELREVIEWS_DATABASE_URL"] = settings.database_url.get_secret_value()
    env.pop("HOTELREVIEWS_REDIS_URL", None)
    if settings.redis_url is not None:  # what the command publishes goes where the API listens
        env["HOTELREVIEWS_REDIS_URL"] = settings.redis_url.get_secret_value()
        env["HOTELREVIEWS_REDIS_KEY_PREFIX"] = settings.redis_key_prefix
    return subprocess.run(
        [sys.executable, "-m", "hotelreviews", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=text,
        timeout=120,
    )
