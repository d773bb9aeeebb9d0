"""The cluster's three PostgreSQL servers alone (no Redis, apps or balancers), laid out and
saved as `hotelreviews cluster up` does it: the primary in us-east-1, streaming replicas in
eu-west-1 and ap-southeast-1, the shared WAL archive, cluster.json."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from hotelreviews.cluster.databases import create_databases, stop_databases
from hotelreviews.cluster.layout import ClusterLayout, plan


@contextlib.contextmanager
def three_region_databases() -> Iterator[ClusterLayout]:
    """Yields the layout (its root is `<data dir>/cluster`); every server is stopped and the
    directory removed afterwards, whatever state the test left them in."""
    # Under /tmp with a searchable mode: PostgreSQL runs as an unprivileged user when we are
    # root, and pytest's tmp_path (under a 0700 directory) is out of its reach.
    data_dir = Path(tempfile.mkdtemp(prefix="hotelreviews-dr-", dir="/tmp"))
    data_dir.chmod(0o755)
    layout = plan(data_dir / "cluster", api_per_region=0)
    try:
        layout.save()
        create_databases(layout, extra_settings={"fsync": "off"})
        yield layout
    finally:
        nodes = layout.nodes()
        for node in nodes.values():
            if node.is_running() and node.is_fenced():
                node.kill()
        stop_databases(nodes)
        shutil.rmtree(data_dir, ignore_errors=True)
