"""Child processes of the test servers (Redis, Prometheus, moto's S3)."""

from __future__ import annotations

import subprocess


def stop_process(process: subprocess.Popen | None, *, grace_seconds: float = 10) -> None:
    """SIGTERM, then SIGKILL if it has not exited within the grace period; reaped either way."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
