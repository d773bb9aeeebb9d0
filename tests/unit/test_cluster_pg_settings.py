"""The PostgreSQL settings files the cluster writes and reads (node.conf, auto.conf)."""

from __future__ import annotations

from pathlib import Path

from hotelreviews.cluster.pg_settings import (
    archiving_settings,
    primary_address,
    render_conf,
    without_replication,
)


def test_values_are_quoted_as_postgresql_reads_them() -> None:
    text = render_conf({"port": 5433, "cluster_name": "eu-west-1", "note": "it's"})
    assert "port = 5433\n" in text
    assert "cluster_name = 'eu-west-1'\n" in text
    assert "note = 'it''s'\n" in text


def test_the_upstream_is_read_back_from_primary_conninfo() -> None:
    conf = render_conf(
        {
            "port": 5433,
            "primary_conninfo": "host=127.0.0.1 port=41234 user=postgres application_name=x",
        }
    )
    assert primary_address(conf) == ("127.0.0.1", 41234)
    assert primary_address(render_conf({"port": 5433})) is None


def test_replication_lines_are_dropped_from_auto_conf_and_nothing_else() -> None:
    auto = "work_mem = '8MB'\nprimary_conninfo = 'host=a port=1'\nprimary_slot_name = 's'\n"
    assert without_replication(auto) == "work_mem = '8MB'\n"


def test_the_archive_command_never_leaves_a_partial_segment(tmp_path: Path) -> None:
    settings = archiving_settings(tmp_path / "my archive")
    command = str(settings["archive_command"])
    # Copied under a temporary name, then renamed; the path quoted for the shell.
    assert "cp %p '" in command and ".part && mv " in command
    assert f"'{tmp_path}/my archive'" in command
    assert settings["restore_command"] == f"cp '{tmp_path}/my archive'/%f %p"
