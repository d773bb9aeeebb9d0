"""The demo generator: deterministic, both shapes, counts that match, realistic imperfections."""

from __future__ import annotations

import gzip
import hashlib
import math
import statistics
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
import typer
from typer.testing import CliRunner

from hotelreviews.cli.demo_cmd import demo
from hotelreviews.demo import DemoManifest, write_demo
from hotelreviews.demo.catalog import CITIES
from hotelreviews.demo.hotels import build_hotels, default_hotel_count

REVIEWS = 2_000
OTA_PROVIDERS = {332: "Agoda", 333: "Expedia", 334: "Booking.com"}
TRAVELLERS = {"Solo traveler", "Couple", "Family with young children", "Group",
              "Business traveler"}  # fmt: skip


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


def _lines(path: Path) -> list[bytes]:
    data = _read(path)
    assert data.endswith(b"\n"), f"{path.name} does not end with a newline"
    return data[:-1].split(b"\n")


def _number(value: Any, *, strings: bool) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and strings:
        try:
            value = float(value)
        except ValueError:
            return None
    if not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _date_ok(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _id_ok(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, str) and value != ""
    )


def classify(line: bytes) -> tuple[str, dict[str, Any] | None]:
    """("blank" | "broken" | "nested" | "flat", the object) by the rules of provider-files.md."""
    if not line.strip():
        return "blank", None
    try:
        obj = orjson.loads(line)  # rejects NaN, truncated JSON, bad UTF-8
    except orjson.JSONDecodeError:
        return "broken", None
    if not isinstance(obj, dict):
        return "broken", None
    if isinstance(obj.get("comment"), dict):
        c = obj["comment"]
        rating = _number(c.get("rating"), strings=True)
        ok = (
            _id_ok(obj.get("hotelId"))
            and isinstance(obj.get("hotelName"), str)
            and bool(obj["hotelName"])
            and _id_ok(c.get("hotelReviewId"))
            and _id_ok(c.get("providerId"))
            and rating is not None
            and 0 <= rating <= 10
            and _date_ok(c.get("reviewDate"))
        )
        return ("nested" if ok else "broken"), obj
    rating = _number(obj.get("rating"), strings=True)
    ok = (
        _id_ok(obj.get("id"))
        and _id_ok(obj.get("hotel_id"))
        and isinstance(obj.get("hotel_name"), str)
        and isinstance(obj.get("comment"), str)
        and rating is not None
        and 1 <= rating <= 5
        and _date_ok(obj.get("review_date"))
    )
    return ("flat" if ok else "broken"), obj


def _key(kind: str, obj: dict[str, Any]) -> tuple[Any, ...]:
    if kind == "nested":
        return (obj["comment"]["providerId"], obj["comment"]["hotelReviewId"])
    return ("flat", obj["id"])


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoManifest, Path]:
    out = tmp_path_factory.mktemp("demo")
    return write_demo(out_dir=out, reviews=REVIEWS, seed=7), out


@pytest.fixture(scope="module")
def parsed(run: tuple[DemoManifest, Path]) -> list[tuple[str, list[tuple[str, Any]]]]:
    """Per file in delivery order: (name, [(kind, object)] for every line)."""
    manifest, out = run
    return [(f.name, [classify(line) for line in _lines(out / f.name)]) for f in manifest.files]


def _digests(out: Path) -> dict[str, str]:
    """Every file written, the ground truth under truth/ included."""
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_byte_identical_files(
    run: tuple[DemoManifest, Path], tmp_path: Path
) -> None:
    manifest, out = run
    again = write_demo(out_dir=tmp_path, reviews=REVIEWS, seed=7)
    assert _digests(tmp_path) == _digests(out)
    assert again == replace(manifest, out_dir=tmp_path)


# Workers are only forked from a single-threaded process, which the test session is not (other
# tests leave threads behind): the two-worker run happens in a fresh interpreter.
_TWO_WORKERS = """
import sys
from pathlib import Path
from hotelreviews.demo import write_demo
from hotelreviews.demo.run import can_fork
assert can_fork(), "a fresh interpreter should be able to fork demo workers"
manifest = write_demo(out_dir=Path(sys.argv[1]), reviews=600, seed=5, workers=2)
print(repr(manifest.files))
"""


def test_worker_processes_write_the_same_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    one = write_demo(out_dir=tmp_path / "one", reviews=600, seed=5, workers=1)
    two = subprocess.run(
        [sys.executable, "-c", _TWO_WORKERS, str(tmp_path / "two")],
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    )
    other = write_demo(out_dir=tmp_path / "other", reviews=600, seed=6)
    assert _digests(tmp_path / "one") == _digests(tmp_path / "two")
    assert two.stdout.strip() == repr(one.files)
    assert _digests(tmp_path / "other") != _digests(tmp_path / "one")
    assert other.reviews == one.reviews == 600


def test_files_cover_three_otas_and_the_group_feed_some_gzipped(
    run: tuple[DemoManifest, Path],
) -> None:
    manifest, out = run
    names = [f.name for f in manifest.files]
    assert sorted(p.name for p in out.iterdir() if p.name != "truth") == sorted(names)
    assert 100 <= len(names) <= 150
    prefixes = Counter(n.split("_20")[0] for n in names)
    assert set(prefixes) == {"agoda_com", "expedia_com", "booking_com", "group_feed"}
    assert all(n.endswith(".jsonl") for n in names if n.startswith("group_feed"))
    gz = [n for n in names if n.endswith(".gz")]
    assert gz and len(gz) < len(names)
    for name in gz:
        raw = (out / name).read_bytes()
        assert raw[:2] == b"\x1f\x8b"
        assert gzip.decompress(raw)  # a complete, valid gzip stream


def test_line_counts_and_kinds_match_the_manifest(
    run: tuple[DemoManifest, Path], parsed: list[tuple[str, list[tuple[str, Any]]]]
) -> None:
    manifest, _ = run
    for file, (name, lines) in zip(manifest.files, parsed, strict=True):
        kinds = Counter(kind for kind, _ in lines)
        assert file.name == name
        assert file.lines == len(lines)
        assert file.reviews == kinds["nested"] + kinds["flat"], name
        assert file.broken == kinds["broken"], name
        assert file.blank == kinds["blank"], name
    assert manifest.lines == sum(len(lines) for _, lines in parsed)
    hotel_ids = {
        obj["hotelId"] if kind == "nested" else obj["hotel_id"]
        for _, lines in parsed
        for kind, obj in lines
        if kind in ("nested", "flat")
    }
    assert manifest.hotel_ids == len(hotel_ids)
    assert manifest.hotels <= len(hotel_ids) <= 2 * manifest.hotels


def test_both_shapes_carry_their_documented_fields(
    parsed: list[tuple[str, list[tuple[str, Any]]]],
) -> None:
    shapes = Counter()
    for name, lines in parsed:
        for kind, obj in lines:
            if kind == "nested":
                shapes[kind] += 1
                c = obj["comment"]
                assert name.startswith(obj["platform"].lower().replace(".", "_"))
                assert OTA_PROVIDERS[c["providerId"]] == c["reviewProviderText"]
                assert datetime.fromisoformat(c["reviewDate"]).tzinfo is not None
                assert c["formattedRating"] == f"{c['rating']:.1f}"
                if c["providerId"] != 333 and c["rating"] >= 9:  # edits keep these in step too
                    assert c["ratingText"] == "Exceptional"
                assert c["reviewerInfo"]["displayMemberName"].strip("*") == ""
                if c["isShowReviewResponse"]:
                    assert c["responseText"] and c["responderName"]
                standings = obj["overallByProviders"]
                assert standings[0]["provider"] == obj["platform"]
                assert all(1 <= g <= 10 for s in standings for g in s["grades"].values())
            elif kind == "flat":
                shapes[kind] += 1
                assert name.startswith("group_feed")
                assert obj["hotel_id"].startswith("GH-")
                for key in ("service_rating", "cleanliness_rating", "value_rating"):
                    if key in obj:
                        assert 1 <= float(obj[key]) <= 5
    assert shapes["nested"] > 0.7 * REVIEWS and shapes["flat"] > 0.05 * REVIEWS


def test_distinct_reviews_and_edited_redeliveries_in_later_files(
    run: tuple[DemoManifest, Path], parsed: list[tuple[str, list[tuple[str, Any]]]]
) -> None:
    manifest, _ = run
    seen: dict[tuple[Any, ...], tuple[int, dict[str, Any]]] = {}
    redelivered = answered = 0
    for position, (_, lines) in enumerate(parsed):
        for kind, obj in lines:
            if kind not in ("nested", "flat"):
                continue
            key = _key(kind, obj)
            if key in seen:
                first_position, first = seen[key]
                assert first_position < position, (
                    f"{key} re-delivered in the same or an earlier file"
                )
                assert first != obj, f"{key} re-delivered without an edit"
                redelivered += 1
                if kind == "nested":
                    before, after = first["comment"], obj["comment"]
                    answered += after["isShowReviewResponse"] > before["isShowReviewResponse"]
            else:
                seen[key] = (position, obj)
    assert len(seen) == manifest.reviews == REVIEWS
    assert redelivered == manifest.redeliveries
    assert 0.01 * REVIEWS <= redelivered <= 0.035 * REVIEWS
    assert answered > 0.2 * redelivered  # the hotel often answered in the meantime


def test_about_two_percent_of_lines_are_broken_in_several_ways(
    run: tuple[DemoManifest, Path],
) -> None:
    manifest, _ = run
    share = (manifest.broken_lines + manifest.blank_lines) / manifest.lines
    assert 0.01 <= share <= 0.035
    assert manifest.blank_lines < manifest.broken_lines
    assert len(manifest.broken_by_kind) >= 6
    assert sum(manifest.broken_by_kind.values()) == manifest.broken_lines + manifest.blank_lines


def test_ratings_texts_and_travellers_look_like_real_ota_data(
    parsed: list[tuple[str, list[tuple[str, Any]]]],
) -> None:
    ratings, languages, travellers, responses = [], Counter(), Counter(), 0
    for _, lines in parsed:
        for kind, obj in lines:
            if kind == "nested":
                c = obj["comment"]
                ratings.append(c["rating"])
                languages[c["translateSource"]] += 1
                travellers[c["reviewerInfo"]["reviewGroupName"]] += 1
                responses += c["isShowReviewResponse"]
    assert 7.5 <= statistics.mean(ratings) <= 8.6
    p5, median, p95 = (statistics.quantiles(ratings, n=20)[k] for k in (0, 9, 18))
    assert median - p5 > 1.5 * (p95 - median)  # skewed high, with a long left tail
    assert 0.02 <= sum(r < 5 for r in ratings) / len(ratings) <= 0.15
    assert 0.55 <= languages["en"] / len(ratings) <= 0.85
    assert {"de", "fr", "es", "vi", "ja", "pt"} <= set(languages)
    assert set(travellers) >= TRAVELLERS
    assert 0.08 <= responses / len(ratings) <= 0.25


def test_hotels_scale_with_reviews_and_sit_near_their_city_centres() -> None:
    assert default_hotel_count(100_000) == 303
    assert default_hotel_count(100) == 5
    assert default_hotel_count(100_000_000) == 20_000
    hotels = build_hotels(count=300, seed=42)
    assert len({h.city.name for h in hotels}) >= 18
    assert len({h.name for h in hotels}) == 300
    assert len({h.hotel_id for h in hotels}) == 300
    for h in hotels:
        assert abs(h.lat - h.city.lat) <= 0.2 and abs(h.lon - h.city.lon) <= 0.3
        assert h.address and 2 <= h.stars <= 5 and "wifi" in h.amenities
    assert {c.name for c in CITIES} >= {"Singapore", "Paris", "New York", "Cape Town"}


def test_previous_demo_files_are_replaced_and_other_files_kept(tmp_path: Path) -> None:
    (tmp_path / "agoda_com_2019-01-31.jl").write_text("stale\n")
    (tmp_path / "notes.txt").write_text("mine\n")
    manifest = write_demo(out_dir=tmp_path, reviews=300, seed=1)
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {f.name for f in manifest.files} | {"notes.txt", "truth"}


def test_invalid_sizes_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_demo(out_dir=tmp_path, reviews=0)
    with pytest.raises(ValueError):
        write_demo(out_dir=tmp_path, reviews=10, hotels=0)


def test_cli_writes_files_and_prints_a_summary(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(demo)
    result = CliRunner().invoke(app, ["--out", str(tmp_path), "--reviews", "500", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "distinct reviews 500" in result.output
    assert "lines/s" in result.output
    assert any(p.name.startswith("group_feed_") for p in tmp_path.iterdir())
