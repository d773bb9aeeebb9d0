"""The cluster's automatic failover: `hotelreviews dr watch` (hotelreviews.dr.watch) run as
a daemon by `cluster up`, stopped first by `cluster down` (before it could take the primary's
shutdown for a loss). A cluster created with `cluster up --no-auto-failover` has none: an
operator then runs `hotelreviews dr failover` when the primary is lost."""

from __future__ import annotations

import os
import sys

from hotelreviews.cluster.daemons import Daemon
from hotelreviews.cluster.layout import ClusterLayout

AUTO_FAILOVER = "auto_failover"  # layout.extra: False for --no-auto-failover


def enabled(layout: ClusterLayout) -> bool:
    return bool(layout.extra.get(AUTO_FAILOVER, True))


def watcher_daemon(layout: ClusterLayout) -> Daemon:
    directory = layout.root / "watcher"
    return Daemon("dr watch", directory / "watch.pid.json", directory / "watch.log")


def start_watcher(layout: ClusterLayout) -> bool:
    """Start the watcher unless it runs or the cluster has none; whether it was started."""
    daemon = watcher_daemon(layout)
    if not enabled(layout) or daemon.is_running():
        return False
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("HOTELREVIEWS_")
    }
    environment["HOTELREVIEWS_DATA_DIR"] = str(layout.root.parent)
    daemon.start(
        [sys.executable, "-m", "hotelreviews", "dr", "watch"], cwd=layout.root, env=environment
    )
    return True
