"""Marks for the tests that start whole clusters (`hotelreviews cluster up`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

WHOLE_CLUSTER = [
    pytest.mark.slow,
    # Whole clusters (~20 processes each, ports chosen before they are bound): one worker
    # runs these modules one after the other (make test: --dist loadgroup).
    pytest.mark.xdist_group("clusters"),
    pytest.mark.skipif(
        shutil.which("haproxy") is None and not Path("/usr/sbin/haproxy").exists(),
        reason="haproxy is not installed: run scripts/ensure-system-packages.sh",
    ),
    pytest.mark.skipif(
        shutil.which("redis-server") is None,
        reason="redis-server is not installed: run scripts/ensure-system-packages.sh",
    ),
]
