"""The cluster's DR lock: a bounded wait outlasts a moment's hold, not a long one."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from hotelreviews.dr.lock import dr_lock
from hotelreviews.dr.topology import DrError


def _hold(root: Path, taken: threading.Event, release: threading.Event) -> None:
    with dr_lock(root):
        taken.set()
        release.wait(10)


def test_a_bounded_wait_gets_the_lock_once_a_brief_holder_lets_go(tmp_path: Path) -> None:
    taken, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold, args=(tmp_path, taken, release))
    holder.start()
    assert taken.wait(10)
    # The holder lets go while the other waits: like the watcher after one round.
    threading.Timer(0.3, release.set).start()
    with dr_lock(tmp_path, wait=False, timeout_seconds=10):
        assert release.is_set()
    holder.join(10)


def test_without_a_wait_or_past_it_a_held_lock_is_an_error(tmp_path: Path) -> None:
    taken, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold, args=(tmp_path, taken, release))
    holder.start()
    try:
        assert taken.wait(10)
        for timeout in (0.0, 0.3):
            with (
                pytest.raises(DrError, match="another disaster-recovery operation"),
                dr_lock(tmp_path, wait=False, timeout_seconds=timeout),
            ):
                pass
    finally:
        release.set()
        holder.join(10)
