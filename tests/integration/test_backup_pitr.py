"""`hotelreviews backup`: base backups, verification, retention and point-in-time restore,
against a real PostgreSQL primary that archives its WAL, driven through the CLI."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hotelreviews.backup.wal import Segment
from hotelreviews.cluster.layout import ClusterLayout, RegionLayout, free_port
from hotelreviews.cluster.pg import PgNode
from hotelreviews.cluster.pg_settings import REPLICATION_SETTINGS, archiving_settings
from hotelreviews.cluster.pg_tools import PostgresNotFoundError, find_pg_bin_dir, server_user

REGION = "us-east-1"
REPLICA_REGION = "eu-west-1"  # started by the one test that backs up a replica
SAMPLES = Path(__file__).parent.parent / "data"
FILE_A = SAMPLES / "agoda_com_2025-03-16.jl"  # 9 reviews
FILE_B = SAMPLES / "group_feed_2024-11-06.jsonl"  # 4 more


def _have_postgres() -> bool:
    try:
        find_pg_bin_dir()
    except PostgresNotFoundError:
        return False
    return True


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not _have_postgres(), reason="PostgreSQL server programs not found"),
]


@dataclass
class Cluster:
    """A one-region cluster layout whose primary archives into the layout's archive."""

    root: Path  # everything of the test lives under it
    data_dir: Path  # HOTELREVIEWS_DATA_DIR
    layout: ClusterLayout
    primary: PgNode

    def cli(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        environment = {
            **os.environ,
            "HOTELREVIEWS_ENVIRONMENT": "test",
            "HOTELREVIEWS_DATA_DIR": str(self.data_dir),
            "HOTELREVIEWS_DATABASE_URL": self.primary.url("hotelreviews"),
            **(env or {}),
        }
        return subprocess.run(
            [sys.executable, "-m", "hotelreviews", *args],
            env=environment,
            capture_output=True,
            text=True,
            timeout=900,
        )

    def ok(self, *args: str, env: dict[str, str] | None = None) -> str:
        done = self.cli(*args, env=env)
        assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
        return done.stdout

    def backup(self) -> str:
        self.ok("backup", "create")
        return self.listing()["backups"][-1]["id"]

    def listing(self) -> dict:
        return json.loads(self.ok("backup", "list", "--json"))

    def entry_path(self, backup_id: str) -> Path:
        return self.layout.backups_dir / backup_id / "backup.json"

    def review_ids(self, node: PgNode) -> list[str]:
        out = node.psql(
            "SELECT provider_id || ':' || provider_review_id FROM reviews ORDER BY 1",
            "hotelreviews",
        )
        return out.split()

    def restored_dir(self) -> Path:
        path = Path(tempfile.mkdtemp(dir=self.root, prefix="restored-"))
        path.rmdir()  # restore wants a new (or empty) directory; it makes this one
        return path


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    # The server's user must reach everything: pytest's tmp_path is private to root.
    root = Path(tempfile.mkdtemp(dir="/tmp", prefix="hr-backup-"))
    os.chmod(root, 0o755)
    data_dir = root / "data"
    layout = ClusterLayout(
        root=data_dir / "cluster",
        regions={
            region: RegionLayout(
                name=region,
                address="127.0.0.1",
                postgres_port=free_port(),
                redis_port=free_port(),
                api_ports=[],
                worker_metrics_port=free_port(),
                balancer_port=free_port(),
            )
            for region in (REGION, REPLICA_REGION)
        },
        global_address="127.0.0.1",
        global_port=free_port(),
    )
    layout.save()
    layout.archive_dir.mkdir()
    user = server_user()
    if user is not None:
        os.chown(layout.archive_dir, user.pw_uid, user.pw_gid)
    primary = layout.node(REGION)
    try:
        primary.init_primary({**REPLICATION_SETTINGS, **archiving_settings(layout.archive_dir)})
        primary.start()
        primary.psql("CREATE DATABASE hotelreviews")
        made = Cluster(root=root, data_dir=data_dir, layout=layout, primary=primary)
        made.ok("migrate", "upgrade")
        yield made
    finally:
        for data in root.rglob("postmaster.pid"):
            PgNode(name="cleanup", root=data.parent.parent, port=0).stop(mode="immediate")
        shutil.rmtree(root, ignore_errors=True)


def test_restore_to_a_time_holds_exactly_what_was_committed_before_it(cluster: Cluster) -> None:
    cluster.backup()
    cluster.ok("ingest", str(FILE_A))
    after_a = cluster.review_ids(cluster.primary)
    moment = cluster.primary.psql("SELECT now()").strip()
    cluster.ok("ingest", str(FILE_B))
    assert len(cluster.review_ids(cluster.primary)) == len(after_a) + 4
    _archive_everything(cluster)

    target = cluster.restored_dir()
    restored = json.loads(
        cluster.ok("backup", "restore", "--to-time", moment, "--target-dir", str(target), "--json")
    )

    node = PgNode(name="restored", root=target, port=restored["port"])
    try:
        assert node.role() == "primary"  # recovery ended and it promoted
        assert cluster.review_ids(node) == after_a
        assert len(after_a) == 9
        # Stand-alone: its own port, and it never archives into the cluster's archive.
        assert node.psql("SHOW archive_mode").strip() == "off"
        assert node.psql("SHOW port").strip() == str(restored["port"])
    finally:
        node.stop(mode="immediate")


def test_verify_passes_on_an_untouched_backup_and_records_when(cluster: Cluster) -> None:
    cluster.ok("ingest", "--force", str(FILE_A))
    backup_id = cluster.backup()

    done = cluster.cli("backup", "verify", backup_id)

    assert done.returncode == 0, done.stderr
    assert "checksums match" in done.stdout
    listed = {item["id"]: item for item in cluster.listing()["backups"]}
    assert listed[backup_id]["status"].startswith("verified at ")
    assert not (cluster.layout.root / "scratch" / f"verify-{backup_id}").exists()


def test_verify_names_a_damaged_file_of_the_backup(cluster: Cluster) -> None:
    backup_id = cluster.backup()
    base = cluster.layout.backups_dir / backup_id / "base.tar.gz"
    data = bytearray(base.read_bytes())
    data[len(data) // 2] ^= 0xFF
    base.write_bytes(bytes(data))

    done = cluster.cli("backup", "verify", backup_id)

    assert done.returncode == 1
    assert f"backup {backup_id} FAILED verification" in done.stderr
    assert f"{base} is damaged: its SHA-256 is" in done.stderr
    listed = {item["id"]: item for item in cluster.listing()["backups"]}
    assert listed[backup_id]["status"].startswith("verify FAILED at ")


def test_verify_finds_a_file_changed_inside_the_backup_with_pg_verifybackup(
    cluster: Cluster,
) -> None:
    backup_id = cluster.backup()
    base = cluster.layout.backups_dir / backup_id / "base.tar.gz"
    _change_member(base, "postgresql.conf")
    # As if the damage happened before the file was hashed: only the manifest can tell.
    entry_path = cluster.entry_path(backup_id)
    entry = json.loads(entry_path.read_text())
    entry["files"]["base.tar.gz"] = _sha256(base)
    entry_path.write_text(json.dumps(entry))

    done = cluster.cli("backup", "verify", backup_id)

    assert done.returncode == 1
    assert 'pg_verifybackup: error: checksum mismatch for file "postgresql.conf"' in done.stderr


def test_verify_reports_tables_that_differ_from_what_was_recorded(cluster: Cluster) -> None:
    backup_id = cluster.backup()
    entry_path = cluster.entry_path(backup_id)
    entry = json.loads(entry_path.read_text())
    recorded = entry["tables"]["reviews"]["rows"]
    entry["tables"]["reviews"]["rows"] = recorded + 1
    entry_path.write_text(json.dumps(entry))

    done = cluster.cli("backup", "verify", backup_id)

    assert done.returncode == 1
    assert f"table reviews has {recorded} rows, {recorded + 1} when backed up" in done.stderr


def test_restore_refuses_a_time_before_the_chosen_backups_end(cluster: Cluster) -> None:
    backup_id = cluster.backup()
    before = cluster.listing()["backups"]
    older = [item["id"] for item in before if "started_at" in item and item["id"] < backup_id]
    moment = datetime.fromisoformat(before[-1]["finished_at"]) - timedelta(microseconds=1)

    done = cluster.cli(
        "backup", "restore", "--backup", backup_id, "--to-time", moment.isoformat(),
        "--target-dir", str(cluster.restored_dir()),
    )  # fmt: skip

    assert done.returncode == 1
    assert f"backup {backup_id} ends at" in done.stderr
    assert "choose an older backup" in done.stderr
    if older:
        assert f"(backup {older[-1]} does)" in done.stderr


def test_restore_refuses_a_time_past_the_archived_wal(cluster: Cluster) -> None:
    cluster.backup()
    newest_before = cluster.listing()["archive"]["newest_wal"]
    later = datetime.now(UTC) + timedelta(hours=1)

    done = cluster.cli(
        "backup", "restore", "--to-time", later.isoformat(),
        "--target-dir", str(cluster.restored_dir()),
    )  # fmt: skip

    assert done.returncode == 1
    assert "is archived; the newest change you can restore is the commit at" in done.stderr
    # The archiver may add a segment at any moment: the one named must be the newest then.
    named = re.search(r"WAL up to ([0-9A-F]{24}) ", done.stderr)
    assert named is not None, done.stderr
    assert Segment.parse(named.group(1)) >= Segment.parse(newest_before)
    assert (cluster.layout.archive_dir / named.group(1)).exists()


def test_restore_refuses_a_target_directory_that_is_not_empty(cluster: Cluster) -> None:
    cluster.backup()
    target = cluster.restored_dir()
    target.mkdir()
    (target / "precious.txt").write_text("keep me")

    done = cluster.cli("backup", "restore", "--target-dir", str(target))

    assert done.returncode == 1
    assert f"{target} is not empty" in done.stderr
    assert (target / "precious.txt").read_text() == "keep me"


def test_prune_removes_old_backups_and_their_wal_but_keeps_the_newest(cluster: Cluster) -> None:
    first = cluster.backup()
    cluster.ok("ingest", "--force", str(FILE_B))
    # A `backup create` killed half-way left this; the next one must not trip over it.
    abandoned = cluster.layout.backups_dir / "20200101T000000Z"
    abandoned.mkdir()
    (abandoned / "base.tar.gz").write_bytes(b"partial")
    statuses = {item["id"]: item["status"] for item in cluster.listing()["backups"]}
    assert statuses[abandoned.name] == "incomplete"
    created = cluster.ok("backup", "create")
    assert f"removed unfinished attempts: {abandoned.name}" in created
    newest = cluster.listing()["backups"][-1]["id"]
    long_ago = (datetime.now(UTC) - timedelta(days=40)).isoformat()
    for item in cluster.listing()["backups"]:
        if "started_at" in item:
            entry = json.loads(cluster.entry_path(item["id"]).read_text())
            entry["started_at"] = long_ago
            cluster.entry_path(item["id"]).write_text(json.dumps(entry))
    newest_start = json.loads(cluster.entry_path(newest).read_text())["start_wal"]
    first_start = json.loads(cluster.entry_path(first).read_text())["start_wal"]

    out = cluster.ok("backup", "prune", env={"HOTELREVIEWS_BACKUP_RETENTION_DAYS": "30"})

    remaining = [item["id"] for item in cluster.listing()["backups"]]
    assert remaining == [newest]
    assert first in out
    assert not abandoned.exists()
    archived = sorted(
        Segment.parse(path.name)
        for path in cluster.layout.archive_dir.iterdir()
        if len(path.name) == 24
    )
    assert archived[0].name == newest_start
    assert not (cluster.layout.archive_dir / first_start).exists()


def test_a_backup_of_a_replica_verifies_against_sums_taken_with_replay_paused(
    cluster: Cluster,
) -> None:
    replica = cluster.layout.node(REPLICA_REGION)
    slot = cluster.layout.regions[REPLICA_REGION].slot
    try:
        replica.clone_from(cluster.primary, slot=slot)
        replica.start()
        cluster.ok("ingest", "--force", str(FILE_A))

        created = cluster.ok("backup", "create", "--from", REPLICA_REGION)
        backup_id = cluster.listing()["backups"][-1]["id"]
        verified = cluster.cli("backup", "verify", backup_id)

        assert f"backup {backup_id} of {REPLICA_REGION}" in created
        assert verified.returncode == 0, verified.stderr
        assert replica.role() == "replica"
        assert replica.psql("SELECT pg_get_wal_replay_pause_state()").strip() == "not paused"
    finally:
        replica.stop(mode="immediate")
        cluster.primary.drop_slot(slot)


# ---- helpers -------------------------------------------------------------------------


def _archive_everything(cluster: Cluster) -> None:
    """Close the current WAL segment and wait until the archiver has copied it."""
    name = cluster.primary.psql("SELECT pg_walfile_name(pg_switch_wal())").strip()
    while True:
        archived = cluster.primary.psql(
            "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver"
        ).strip()
        if archived[:24] >= name:
            return
        time.sleep(0.2)


def _change_member(tar_gz: Path, member: str) -> None:
    """Rewrite a tar.gz with one byte of `member` changed (same size: only checksums tell)."""
    source = io.BytesIO(gzip.decompress(tar_gz.read_bytes()))
    target = io.BytesIO()
    with tarfile.open(fileobj=source) as old, tarfile.open(fileobj=target, mode="w") as new:
        for info in old.getmembers():
            content = old.extractfile(info).read() if info.isfile() else None
            if info.name == member and content is not None:
                content = content.replace(b"#", b";", 1)
            new.addfile(info, io.BytesIO(content) if content is not None else None)
    tar_gz.write_bytes(gzip.compress(target.getvalue()))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
