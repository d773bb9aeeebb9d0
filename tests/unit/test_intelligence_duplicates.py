"""Duplicates: copies and bursts flagged, cross-posts recognised, short texts left alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from random import Random

import numpy as np
from datasketch import MinHash  # type: ignore[import-untyped]

from hotelreviews.demo.planted.duplicates import compose_review, planted_reviews
from hotelreviews.intelligence.anomalies import AlertLedger, suspicious_duplicates_alert
from hotelreviews.intelligence.duplicates import (
    DuplicateIndex,
    IndexSettings,
    ReviewForDedup,
    SignatureSettings,
    band_buckets,
    lsh_shape,
    minhash_from_row,
    minhash_of,
    minhashes_of,
    rows_to_bytes,
    signature_from_bytes,
    signature_rows,
    signature_to_bytes,
)
from hotelreviews.intelligence.duplicates.signature import shingle_hashes, tokens_of
from hotelreviews.intelligence.duplicates.stays import names_compatible
from hotelreviews.intelligence.duplicates.text import regex_words_of, word_shingles, words_of

TEXT = (
    "We stayed three nights for a conference and the room on the fifth floor was quiet. "
    "Breakfast was lovely with fresh pastries, the staff at reception helped with a taxi, "
    "and the Wi-Fi was fast enough for video calls. Would stay again."
)


def _review(review_id: str, **changes: object) -> ReviewForDedup:
    base = ReviewForDedup(
        review_id=review_id, hotel_id="h1", provider="booking", reviewer_name="Anna Kowalska",
        reviewer_country="PL", review_date=date(2025, 5, 1), stay_month="2025-04", rating=0.8,
        text=TEXT,
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def _kinds(index: DuplicateIndex, review: ReviewForDedup) -> set[str]:
    return {verdict.kind for verdict in index.add(review)}


def test_the_first_review_of_a_text_has_no_verdict() -> None:
    assert DuplicateIndex().add(_review("a")) == ()


def test_the_same_stay_on_another_provider_is_one_review_not_fraud() -> None:
    index = DuplicateIndex()
    index.add(_review("a"))
    verdicts = index.add(
        _review("b", provider="tripadvisor", reviewer_name="ANNA K.", review_date=date(2025, 5, 9),
                text=TEXT.lower().replace("would stay again.", "would stay again!"))
    )  # fmt: skip
    assert [(v.kind, v.matches) for v in verdicts] == [("cross_post", ("a",))]
    assert "count it once" in verdicts[0].message


def test_the_same_text_by_another_reviewer_at_another_hotel_is_a_near_duplicate() -> None:
    index = DuplicateIndex()
    index.add(_review("a"))
    verdicts = index.add(
        _review("b", hotel_id="h2", reviewer_name="Ben Z.", reviewer_country="GB",
                text=TEXT.replace("lovely", "superb"))
    )  # fmt: skip
    assert [(v.kind, v.matches) for v in verdicts] == [("near_duplicate", ("a",))]
    assert "other hotel" in verdicts[0].message


def test_the_same_provider_and_stay_dates_far_apart_are_not_a_cross_post() -> None:
    index = DuplicateIndex()
    index.add(_review("a"))
    later = _review("b", provider="google", review_date=date(2025, 12, 1))
    assert _kinds(index, later) == {"near_duplicate"}


def test_three_near_identical_reviews_for_one_hotel_within_days_are_a_suspicious_burst() -> None:
    index = DuplicateIndex()
    names = ("Ben Z.", "Chloe M.", "David R.")
    kinds = [
        _kinds(index, _review(f"r{i}", reviewer_name=name, review_date=date(2025, 5, 1 + i)))
        for i, name in enumerate(names)
    ]
    assert kinds == [set(), {"near_duplicate"}, {"near_duplicate", "suspicious_burst"}]


def test_the_same_texts_months_apart_are_copies_but_not_a_burst() -> None:
    index = DuplicateIndex()
    for i, name in enumerate(("Ben Z.", "Chloe M.", "David R.")):
        kinds = _kinds(
            index,
            _review(
                f"r{i}", reviewer_name=name, review_date=date(2025, 1, 1) + timedelta(days=60 * i)
            ),
        )
    assert kinds == {"near_duplicate"}


def test_short_identical_texts_are_never_flagged() -> None:
    index = DuplicateIndex()
    for i in range(5):
        review = _review(f"s{i}", reviewer_name=f"Guest {i}", text="Great hotel! Would come again.")
        assert index.add(review) == ()
    assert len(index) == 0
    assert index.signature("s0") is None


def test_ordinary_reviews_composed_from_fragments_are_not_flagged() -> None:
    rng = Random(7)
    index = DuplicateIndex()
    flagged = []
    for i in range(400):
        text = " ".join(compose_review(rng))
        flagged += index.add(_review(f"o{i}", reviewer_name=f"Guest {i}", text=text))
    assert flagged == []


def test_a_signature_survives_bytes_and_a_restored_index_still_finds_the_copy() -> None:
    index = DuplicateIndex()
    original = _review("a")
    index.add(original)
    stored = index.signature("a")
    assert stored is not None
    assert signature_from_bytes(stored) == minhash_of(text=TEXT, settings=SignatureSettings())
    rebuilt = DuplicateIndex()
    rebuilt.restore(review=replace(original, text=""), signature=stored)
    copy = _review("b", hotel_id="h2", reviewer_name="Ben Z.")
    assert [v.matches for v in rebuilt.add(copy)] == [("a",)]


def test_re_adding_an_edited_review_does_not_match_itself() -> None:
    index = DuplicateIndex()
    index.add(_review("a"))
    assert index.add(_review("a", text=TEXT + " Lovely garden too.")) == ()
    assert len(index) == 1


def test_character_shingles_also_find_the_copy() -> None:
    index = DuplicateIndex(settings=IndexSettings(signature=SignatureSettings(shingles="char5")))
    index.add(_review("a"))
    assert _kinds(index, _review("b", hotel_id="h2", reviewer_name="Ben Z.")) == {"near_duplicate"}


def test_normalisation_drops_case_punctuation_and_digit_values() -> None:
    assert words_of("Room 312, GREAT view!!") == words_of("room 14 great   view")


def test_names_are_compatible_on_first_name_and_second_initial() -> None:
    assert names_compatible("Anna K.", "anna kowalska")
    assert names_compatible("Anna", "Anna Kowalska")
    assert names_compatible("", "Anna")
    assert not names_compatible("Anna K.", "Anna B.")
    assert not names_compatible("Anna K.", "Hanna K.")


def test_planted_reviews_are_deterministic_for_a_seed() -> None:
    first = planted_reviews(seed=4, ordinary=50, short=5, near_copies=5, cross_posts=5, bursts=2)
    again = planted_reviews(seed=4, ordinary=50, short=5, near_copies=5, cross_posts=5, bursts=2)
    assert first == again
    assert {p.role for p in first} == {"ordinary", "short", "near_copy", "cross_post", "burst"}


def test_every_member_of_a_burst_maps_to_one_suspicious_duplicates_alert() -> None:
    index = DuplicateIndex()
    ledger = AlertLedger()
    reviews = [
        _review(f"r{i}", reviewer_name=name, review_date=date(2025, 5, 1 + i))
        for i, name in enumerate(("Ben Z.", "Chloe M.", "David R.", "Elena S."))
    ]
    raised = []
    for review in reviews:
        for verdict in index.add(review):
            matched = tuple(r.review_date for r in reviews if r.review_id in verdict.matches)
            alert = suspicious_duplicates_alert(
                verdict=verdict,
                review=review,
                matched_dates=matched,
                detected_at=review.review_date,
            )
            if alert is not None:
                raised += ledger.admit([alert])
    assert [(a.kind, a.onset) for a in raised] == [("suspicious_duplicates", date(2025, 5, 1))]
    assert "3 near-identical reviews" in raised[0].message


def test_signatures_apply_the_datasketch_minhash_permutations_to_the_shingle_hashes() -> None:
    settings = SignatureSettings()
    words = words_of(TEXT)
    hashes = shingle_hashes([tokens_of(words, settings.shingles)], size=3)[0]
    reference = MinHash(num_perm=settings.num_perm, seed=settings.seed, hashfunc=int)
    reference.update_batch(hashes.tolist())
    signature = minhash_of(text=TEXT, settings=settings)
    assert signature is not None
    assert list(signature.hashvalues) == list(reference.hashvalues)
    assert len(hashes) == len(set(word_shingles(words, size=3)))


def test_a_shingle_hash_depends_on_itstokens_of_and_their_order_only() -> None:
    first, second = np.array([1, 2, 3, 4], dtype=np.uint64), np.array([9, 2, 3, 4], dtype=np.uint64)
    reverse, prefix = first[::-1].copy(), first[:2].copy()
    one, two, three, short = shingle_hashes([first, second, reverse, prefix], size=3)
    assert one[1] == two[1] and one[0] != two[0]
    assert set(one.tolist()).isdisjoint(three.tolist())
    assert len(short) == 1


def test_texts_signed_together_or_one_by_one_get_the_same_signatures() -> None:
    rng = Random(3)
    texts = [" ".join(compose_review(rng)) for _ in range(50)] + ["Too short to judge.", TEXT]
    for kind in ("word3", "char5"):
        settings = SignatureSettings(shingles=kind)  # type: ignore[arg-type]
        together = minhashes_of(texts, settings=settings)
        assert together == [minhash_of(text=text, settings=settings) for text in texts]
        assert together[-2] is None and together[-1] is not None


def test_band_buckets_are_equal_exactly_for_equal_bands() -> None:
    settings = SignatureSettings()
    bands, rows = lsh_shape(threshold=0.5, num_perm=settings.num_perm)
    signed, values = signature_rows([TEXT], settings=settings)
    changed = values.copy()
    changed[0, 7] ^= 1  # a value of band 1
    same = np.tile(values[:, :rows], settings.num_perm // rows + 1)[:, : settings.num_perm]
    first, second, repeated = band_buckets(
        np.concatenate([values, changed, same]), bands=bands, rows=rows
    ).tolist()
    assert [a == b for a, b in zip(first, second, strict=True)] == [i != 1 for i in range(bands)]
    assert len(set(first)) == bands and all(0 <= bucket < 2**63 for bucket in first)
    assert len(set(repeated)) == bands  # equal values in two bands: two buckets


def test_signature_bytes_from_the_arrays_are_datasketch_s_own() -> None:
    settings = SignatureSettings()
    texts = [TEXT, TEXT.replace("lovely", "superb")]
    signed, values = signature_rows(texts, settings=settings)
    expected = [signature_to_bytes(m) for m in minhashes_of(texts, settings=settings) if m]
    assert rows_to_bytes(values, settings=settings) == expected
    assert signature_from_bytes(expected[1]) == minhash_from_row(values[1], settings=settings)


def test_the_fast_path_for_plain_texts_splits_words_as_the_regular_expression_does() -> None:
    rng = Random(5)
    texts = [" ".join(compose_review(rng)) for _ in range(100)] + [
        "Snake_case words, a lone _ and __ too; tabs\tand\nnew lines -- (brackets) [ok]!",
        'Mixed CASE, Wi-Fi, e-mail & co. ... it\'s "quoted" / slashed \\ back',
        "",
        "   ",
    ]
    for text in texts:
        assert words_of(text) == regex_words_of(text), text
    assert words_of("a _ b __ c_d") == ["a", "b", "__", "c_d"]
