"""Opening local files once, under a root, without following a link that leads out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hotelreviews.ingestion.sources import local_files
from hotelreviews.ingestion.sources.errors import SourceError
from hotelreviews.ingestion.sources.local_files import open_regular_file, why_outside


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "feeds"
    (folder / "daily").mkdir(parents=True)
    (folder / "daily" / "a.jl").write_bytes(b'{"a": 1}\n')
    (tmp_path / "secret.txt").write_bytes(b"secret\n")
    return folder


def test_a_file_under_the_root_is_read_through_one_descriptor(root: Path) -> None:
    opened = open_regular_file(str(root / "daily" / "a.jl"), roots=[root])
    try:
        (root / "daily" / "a.jl").unlink()  # the path no longer matters
        assert opened.read() == b'{"a": 1}\n'
        opened.rewind()
        assert opened.read(3) == b'{"a'
    finally:
        opened.close()


def test_bytes_appended_after_opening_are_not_part_of_the_source(root: Path) -> None:
    path = root / "daily" / "a.jl"
    opened = open_regular_file(str(path))
    try:
        with path.open("ab") as more:
            more.write(b'{"b": 2}\n')
        assert opened.read() == b'{"a": 1}\n'
    finally:
        opened.close()


@pytest.mark.parametrize("swapped", ["the file", "its folder"])
def test_a_path_swapped_for_a_link_between_the_check_and_the_open_is_refused(
    root: Path, monkeypatch: pytest.MonkeyPatch, swapped: str
) -> None:
    path = root / "daily" / "a.jl"
    resolve = os.path.realpath

    def resolve_then_swap(name: object, *args: object, **kwargs: object) -> str:
        real = resolve(name, *args, **kwargs)  # type: ignore[call-overload]
        # The attacker's move, just after the check saw a file inside the root.
        if swapped == "the file":
            path.unlink()
            path.symlink_to(root.parent / "secret.txt")
        else:
            path.unlink()
            path.parent.rmdir()
            (root.parent / "a.jl").write_bytes(b"secret\n")
            path.parent.symlink_to(root.parent, target_is_directory=True)
        monkeypatch.setattr(local_files.os.path, "realpath", resolve)
        return real

    monkeypatch.setattr(local_files.os.path, "realpath", resolve_then_swap)
    with pytest.raises(SourceError, match=r"^refused: .*a\.jl was replaced by a symbolic link"):
        open_regular_file(str(path), roots=[root])


def test_the_reasons_for_refusing_a_path_say_what_is_wrong(root: Path) -> None:
    (root / "out.jl").symlink_to(root.parent / "secret.txt")
    (root / "in.jl").symlink_to(root / "daily" / "a.jl")
    (root / "elsewhere").symlink_to(root.parent, target_is_directory=True)
    roots = [root]
    assert why_outside(root / "daily" / "a.jl", roots) is None
    assert why_outside(root / "in.jl", roots) is None
    assert why_outside(root / "out.jl", roots).startswith(
        f"{root / 'out.jl'} is a symbolic link leading outside the polled folder"
    )
    assert why_outside(root / "elsewhere" / "secret.txt", roots).startswith(
        f"{root / 'elsewhere' / 'secret.txt'} passes through a symbolic link leading outside"
    )
    assert why_outside(root, roots) == f"{root} is a polled folder, expected a file in it"
    assert why_outside("/etc/passwd", roots) == (
        "/etc/passwd is not under a folder the worker polls (HOTELREVIEWS_WORKER_SOURCES)"
    )
    assert why_outside(f"{root}/../secret.txt", roots).endswith(
        "is not under a folder the worker polls (HOTELREVIEWS_WORKER_SOURCES)"
    )
