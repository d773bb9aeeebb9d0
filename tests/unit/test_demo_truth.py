"""The demo's ground truth: distinct texts, and planted facts that match the lines written."""

from __future__ import annotations

import gzip
import hashlib
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from hotelreviews.demo import DemoManifest, write_demo
from hotelreviews.demo.sentences import ASPECT_KEYS
from hotelreviews.demo.texts import Texts
from hotelreviews.demo.truth import aspect_truth
from hotelreviews.ingestion.sources.local import review_files
from hotelreviews.intelligence.duplicates import DuplicateIndex, ReviewForDedup
from tests.unit.test_demo import classify

REVIEWS = 20_000
SEED = 11
Key = tuple[int, Any]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoManifest, Path]:
    out = tmp_path_factory.mktemp("demo_truth")
    return write_demo(out_dir=out, reviews=REVIEWS, seed=SEED, aspect_truth=True), out


@pytest.fixture(scope="module")
def lines(run: tuple[DemoManifest, Path]) -> dict[Key, dict[str, Any]]:
    """First delivery of every valid review line, by (provider id, review id)."""
    manifest, out = run
    found: dict[Key, dict[str, Any]] = {}
    for f in manifest.files:
        data = (out / f.name).read_bytes()
        data = gzip.decompress(data) if f.name.endswith(".gz") else data
        for line in data.splitlines():
            kind, obj = classify(line)
            if kind in ("nested", "flat"):
                assert obj is not None
                found.setdefault(_key(obj), obj)
    return found


def _key(rec: dict[str, Any]) -> Key:
    if isinstance(rec.get("comment"), dict):
        return rec["comment"]["providerId"], rec["comment"]["hotelReviewId"]
    return 0, rec["id"]


def _truth(out: Path, stem: str) -> list[dict[str, Any]]:
    return [
        orjson.loads(x) for x in (out / "truth" / f"{stem}.jsonl.txt").read_bytes().splitlines()
    ]


def _day(rec: dict[str, Any]) -> date:
    when = (
        rec["comment"]["reviewDate"]
        if "comment" in rec and isinstance(rec["comment"], dict)
        else rec["review_date"]
    )
    return date.fromisoformat(when[:10])


def _hotel_id(rec: dict[str, Any]) -> Any:
    return rec["hotelId"] if "hotelId" in rec else rec["hotel_id"]


def _text(rec: dict[str, Any]) -> str:
    return rec["comment"]["reviewComments"] if isinstance(rec["comment"], dict) else rec["comment"]


def _rating10(rec: dict[str, Any]) -> float:
    if isinstance(rec["comment"], dict):
        return float(rec["comment"]["rating"])
    return 2 * float(rec["rating"])


def _planted_keys(out: Path) -> set[Key]:
    keys = set()
    for path in (out / "truth").glob("planted_*.jsonl.txt"):
        for line in path.read_bytes().splitlines():
            for ref in orjson.loads(line).get("reviews", []):
                keys.add((ref["provider_id"], ref["review_id"]))
    return keys


def _dedup(key: Key, rec: dict[str, Any]) -> ReviewForDedup:
    return ReviewForDedup(
        review_id=f"{key[0]}/{key[1]}", hotel_id=str(_hotel_id(rec)), provider=str(key[0]),
        reviewer_name="", reviewer_country=None, review_date=_day(rec), stay_month=None,
        rating=0.0, text=_text(rec),
    )  # fmt: skip


def _is_english(rec: dict[str, Any]) -> bool:
    if isinstance(rec["comment"], dict):
        return bool(rec["comment"]["translateSource"] == "en")
    return bool(rec["language"] == "en")


def test_ordinary_english_texts_are_distinct_by_minhash_while_planted_copies_are_caught(
    run: tuple[DemoManifest, Path], lines: dict[Key, dict[str, Any]]
) -> None:
    _, out = run
    planted = _planted_keys(out)
    ordinary = [(k, r) for k, r in lines.items() if k not in planted and _is_english(r)][:4_000]
    index, pairs = DuplicateIndex(), set()
    for key, rec in ordinary:
        for verdict in index.add(_dedup(key, rec)):
            pairs |= {(m, f"{key[0]}/{key[1]}") for m in verdict.matches}
    share = len(pairs) / (len(ordinary) * (len(ordinary) - 1) / 2)
    assert len(ordinary) == 4_000
    assert share < 1e-5, f"{len(pairs)} flagged pairs"
    # the same index does flag the planted near-copies: the texts are not merely unmatchable
    copies = [e for e in _truth(out, "planted_duplicates") if e["kind"] == "near_duplicate"]
    assert copies
    caught = 0
    for entry in copies:
        first, copy = ((r["provider_id"], r["review_id"]) for r in entry["reviews"])
        index.add(_dedup(first, lines[first]))
        caught += bool(index.add(_dedup(copy, lines[copy])))
    assert caught == len(copies)


def test_truth_files_sit_apart_and_the_ingester_never_reads_them(
    run: tuple[DemoManifest, Path],
) -> None:
    manifest, out = run
    truth = sorted(p.name for p in (out / "truth").iterdir())
    assert truth == sorted([
        "aspects.jsonl.txt", "sentences.jsonl.txt", "planted_anomalies.jsonl.txt",
        "planted_duplicates.jsonl.txt", "planted_reviewers.jsonl.txt",
        "planted_hotel_aspects.jsonl.txt",
    ])  # fmt: skip
    read = {Path(p).name for p in review_files(out, str(out))}
    assert read == {f.name for f in manifest.files}


def test_every_planted_review_is_a_real_line_with_its_hotel_date_rating_and_text(
    run: tuple[DemoManifest, Path], lines: dict[Key, dict[str, Any]]
) -> None:
    manifest, out = run
    refs = [
        ref
        for stem in ("planted_anomalies", "planted_duplicates", "planted_reviewers")
        for entry in _truth(out, stem)
        for ref in entry["reviews"]
    ]
    assert len(refs) == manifest.planted
    assert 0 < manifest.planted < 0.05 * manifest.reviews  # a small share: the demo looks ordinary
    for ref in refs:
        rec = lines[ref["provider_id"], ref["review_id"]]
        assert _hotel_id(rec) == ref["hotel_id"]
        assert _day(rec).isoformat() == ref["date"]
        assert _is_english(rec)
        assert abs(_rating10(rec) - ref["rating10"]) <= (0.5 if ref["provider_id"] == 0 else 0.0)
        assert len(_text(rec).split(". ")) >= len(ref["sentences"]) - 1


def test_bursts_fall_on_their_stated_days_for_their_hotel(
    run: tuple[DemoManifest, Path], lines: dict[Key, dict[str, Any]]
) -> None:
    _, out = run
    bursts = [e for e in _truth(out, "planted_anomalies") if e["kind"] == "volume_burst"]
    bursts += [e for e in _truth(out, "planted_duplicates") if e["kind"] == "duplicate_burst"]
    assert len(bursts) >= 2
    for burst in bursts:
        onset = date.fromisoformat(burst["onset"])
        days = {onset + timedelta(days=k) for k in range(burst["days"])}
        records = [lines[r["provider_id"], r["review_id"]] for r in burst["reviews"]]
        assert len(records) >= 4
        assert {_day(r) for r in records} <= days
        assert {_hotel_id(r) for r in records} == {burst["hotel"]["hotel_id"]}
        ratings = {_rating10(r) for r in records}
        assert ratings <= {10.0} or max(ratings) <= 2.0  # extreme, all one way


def test_a_cross_post_is_one_stay_on_two_providers(
    run: tuple[DemoManifest, Path], lines: dict[Key, dict[str, Any]]
) -> None:
    _, out = run
    posts = [e for e in _truth(out, "planted_duplicates") if e["kind"] == "cross_post"]
    assert posts
    for post in posts:
        a, b = (lines[r["provider_id"], r["review_id"]] for r in post["reviews"])
        assert a["comment"]["providerId"] != b["comment"]["providerId"]
        assert a["hotelId"] == b["hotelId"] == post["hotel"]["hotel_id"]
        stay = a["comment"]["checkInDateMonthAndYear"]
        assert stay == b["comment"]["checkInDateMonthAndYear"]
        assert date.fromisoformat(post["stay_month"] + "-01").strftime("%B %Y") == stay
        info_a, info_b = a["comment"]["reviewerInfo"], b["comment"]["reviewerInfo"]
        assert info_a["countryName"] == info_b["countryName"]
        assert info_a["reviewGroupName"] == info_b["reviewGroupName"]


def test_a_rating_drop_lowers_the_hotels_ratings_from_its_onset(
    run: tuple[DemoManifest, Path], lines: dict[Key, dict[str, Any]]
) -> None:
    _, out = run
    drops = [e for e in _truth(out, "planted_anomalies") if e["kind"] == "rating_drop"]
    assert drops
    for drop in drops:
        onset, hotel = date.fromisoformat(drop["onset"]), drop["hotel"]
        before, after = [], []
        for rec in lines.values():
            if _hotel_id(rec) in (hotel["hotel_id"], hotel["group_id"]):
                (after if _day(rec) >= onset else before).append(_rating10(rec))
        assert len(before) >= 5 and len(after) >= 5
        assert statistics.mean(before) - statistics.mean(after) > 1.0


def test_an_aspect_deterioration_raises_that_aspects_complaints_from_its_onset(
    run: tuple[DemoManifest, Path], lines: dict[Key, dict[str, Any]]
) -> None:
    _, out = run
    labels = {(t.provider_id, t.review_id): t.sentences for t in aspect_truth(out)}
    for entry in [
        e for e in _truth(out, "planted_anomalies") if e["kind"] == "aspect_deterioration"
    ]:
        onset, aspect = date.fromisoformat(entry["onset"]), entry["aspect"]
        complaints: dict[bool, list[int]] = {False: [], True: []}
        for key, rec in lines.items():
            if _hotel_id(rec) == entry["hotel"]["hotel_id"] and key in labels:
                said = {p for _, pairs in labels[key] for p in (pairs or ())}
                complaints[_day(rec) >= onset].append((aspect, "negative") in said)
        share_before = sum(complaints[False]) / max(1, len(complaints[False]))
        share_after = sum(complaints[True]) / max(1, len(complaints[True]))
        assert share_after > share_before + 0.2


def test_reviewer_histories_follow_their_latent_preferences(
    run: tuple[DemoManifest, Path], lines: dict[Key, dict[str, Any]]
) -> None:
    _, out = run
    reviewers = _truth(out, "planted_reviewers")
    hotels = {h["group_id"]: h for h in _truth(out, "planted_hotel_aspects")}
    assert len(reviewers) >= 5
    fits, ratings = [], []
    for reviewer in reviewers:
        assert 2 <= len(reviewer["reviews"]) <= 20
        assert set(reviewer["weights"]) == set(ASPECT_KEYS)
        assert abs(sum(reviewer["weights"].values()) - 1.0) < 0.01
        for ref in reviewer["reviews"]:
            rec = lines[0, ref["review_id"]]
            assert rec["reviewer_name"] == reviewer["reviewer_name"]
            assert rec["reviewer_country"] == reviewer["reviewer_country"]
            assert rec["trip_type"] == reviewer["traveller_type"]
            hotel = hotels[rec["hotel_id"]]
            fit = sum(w * hotel["aspects"][a] for a, w in reviewer["weights"].items())
            fits.append(fit)
            ratings.append(_rating10(rec) - hotel["mu"])
    assert statistics.correlation(fits, ratings) > 0.3
    names = Counter(r["reviewer_name"] for r in reviewers)
    assert max(names.values()) == 1


def test_every_ordinary_sentence_has_a_known_label(
    run: tuple[DemoManifest, Path], lines: dict[Key, dict[str, Any]]
) -> None:
    manifest, out = run
    truths = list(aspect_truth(out))
    assert len(truths) == manifest.reviews == len(lines)
    unknown = [t for t in truths if any(pairs is None for _, pairs in t.sentences)]
    assert unknown == []
    per_aspect = Counter(p for t in truths for _, pairs in t.sentences for p in (pairs or ()))
    assert {a for a, _ in per_aspect} == set(ASPECT_KEYS)
    written = [
        orjson.loads(x) for x in (out / "truth" / "aspects.jsonl.txt").read_bytes().splitlines()
    ]
    assert len(written) == len(truths)


def test_traveller_type_weights_are_the_planted_recommenders_ones() -> None:
    from hotelreviews.demo.plant_reviewers import TYPE_WEIGHTS
    from hotelreviews.demo.planted.reviewers import PLANTED_WEIGHTS

    assert TYPE_WEIGHTS is PLANTED_WEIGHTS


def test_a_sentence_belongs_to_one_aspect_and_polarity_only() -> None:
    texts = Texts(SEED)
    owners: dict[tuple[str, str], set[tuple[str, bool]]] = defaultdict(set)
    for (lang, aspect, positive), pool in texts.sentences.items():
        for sentence in pool:
            owners[lang, sentence].add((aspect, positive))
    assert all(len(o) == 1 for o in owners.values())
    english = {s for (lang, s) in owners if lang == "en"}
    assert len(english) == len(ASPECT_KEYS) * 2 * 256  # 256 distinct per aspect and polarity


_TWO_WORKERS = """
import sys
from dataclasses import replace
from pathlib import Path
from hotelreviews.demo import write_demo
write_demo(out_dir=Path(sys.argv[1]), reviews=12_000, seed=3, workers=2)
"""


def _digests(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def test_plants_and_truth_are_byte_identical_across_runs_and_workers(tmp_path: Path) -> None:
    one = write_demo(out_dir=tmp_path / "one", reviews=12_000, seed=3, workers=1)
    subprocess.run(
        [sys.executable, "-c", _TWO_WORKERS, str(tmp_path / "two")],
        check=True, timeout=120, capture_output=True,
    )  # fmt: skip
    again = write_demo(out_dir=tmp_path / "again", reviews=12_000, seed=3, workers=1)
    assert again == replace(one, out_dir=tmp_path / "again")
    assert one.planted > 0
    assert _digests(tmp_path / "one") == _digests(tmp_path / "two") == _digests(tmp_path / "again")
    assert any(name.startswith("truth/planted_") for name in _digests(tmp_path / "one"))
