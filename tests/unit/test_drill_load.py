"""What the load generator derives from its plan: client addresses, sources."""

from __future__ import annotations

from hotelreviews.dr.drill.load import client_address, drill_sources_pattern, source_uri


def test_each_virtual_user_has_its_own_loopback_address_when_the_entry_is_local() -> None:
    addresses = {client_address("https://127.0.0.1:8443", number) for number in range(12)}
    assert len(addresses) == 12
    assert all(address.startswith("127.0.100.") for address in addresses)
    assert client_address("https://localhost:8443", 0) == "127.0.100.1"


def test_a_remote_entry_is_reached_from_whatever_address_the_system_picks() -> None:
    assert client_address("https://10.20.0.1:8443", 3) is None


def test_every_write_has_a_source_of_its_own_under_the_runs_prefix() -> None:
    first, second = source_uri("run-1", 1), source_uri("run-1", 2)
    assert first != second
    assert first == "s3://hotelreviews-drill/run-1/0000001.jsonl"
    assert drill_sources_pattern("run-1") == "s3://hotelreviews-drill/run-1/%"
