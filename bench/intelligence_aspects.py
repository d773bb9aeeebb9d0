"""Aspect detection and polarity against labelled sentences, beside two baselines, and µs/review.

    .venv/bin/python bench/intelligence_aspects.py [--data tests/data/aspects/test.ndjson]

Reads one labelled sentence per line ({"review", "sentence", "lang", "rating", "text",
"labels": [{"aspect", "polarity"}]}); the default is the held-out test set if it exists, else the
development set the rules were tuned on. Prints, per language and overall:

- detection: per aspect precision / recall / F1 of a sentence's aspect set against the gold set,
  and macro-F1 = the mean F1 over the aspects that occur in that slice's gold labels or
  predictions (an aspect predicted but never labelled counts, with F1 0);
- polarity accuracy over the (sentence, aspect) pairs both sides found.

Baselines, computed in the same run on the same sentences:
(a) keyword: any cue word of the aspect (the analyzer's own cue lists, no clauses, no negation,
    no sentiment needed), polarity from the review's rating: >= 7 of 10 positive, else negative;
(b) whole-review VADER: the analyzer's aspects, polarity = sign of VADER's compound score of
    the review's sentences joined (>= 0 positive, < 0 negative).
Then the analyzer's cost per review on the demo generator's texts (title, text, positives,
negatives), with the language given and with it detected.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from hotelreviews.intelligence.aspects import (
    ASPECTS,
    analyze_review,
    analyze_sentence,
    detect_language,
)
from hotelreviews.intelligence.aspects.analyze import keyword_aspects

ROOT = Path(__file__).resolve().parent.parent
TEST = ROOT / "tests/data/aspects/test.ndjson"
DEV = ROOT / "tests/data/aspects/dev.ndjson"
RATING_CUT = 7.0
SYSTEMS = ("analyzer", "keyword+rating", "analyzer+review VADER")

Labels = dict[str, str]  # aspect -> polarity


def default_data() -> Path:
    """The held-out test set if present, else the development set."""
    return TEST if TEST.exists() else DEV


def load(path: Path) -> list[dict[str, Any]]:
    """The labelled sentences of a JSONL file, in file order (a missing "lang" is detected)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    for row in rows:
        if not row.get("lang"):
            row["lang"] = detect_language(row["text"]) or "unknown"
    return rows


def _gold(row: dict[str, Any]) -> Labels:
    return {label["aspect"]: label["polarity"] for label in row.get("labels", [])}


def predictions(rows: list[dict[str, Any]]) -> dict[str, list[Labels]]:
    """Per system, one {aspect: polarity} per row."""
    vader = SentimentIntensityAnalyzer()
    by_review: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_review[row["review"]].append(row["text"])
    review_polarity = {
        review: "positive"
        if vader.polarity_scores(" ".join(texts))["compound"] >= 0
        else "negative"
        for review, texts in by_review.items()
    }
    mine, keyword, whole = [], [], []
    for row in rows:
        found = {
            o.aspect: o.polarity for o in analyze_sentence(text=row["text"], language=row["lang"])
        }
        mine.append(found)
        rating = row.get("rating")
        polarity = "positive" if rating is not None and rating >= RATING_CUT else "negative"
        keyword.append({a: polarity for a in keyword_aspects(row["text"], language=row["lang"])})
        whole.append({a: review_polarity[row["review"]] for a in found})
    return dict(zip(SYSTEMS, (mine, keyword, whole), strict=True))


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def score(golds: list[Labels], preds: list[Labels]) -> dict[str, Any]:
    """Per-aspect P/R/F1, macro-F1, micro-F1 and polarity accuracy of one system on rows."""
    tp: dict[str, int] = defaultdict(int)
    fp: dict[str, int] = defaultdict(int)
    fn: dict[str, int] = defaultdict(int)
    agree = both = 0
    for gold, pred in zip(golds, preds, strict=True):
        for aspect in gold.keys() | pred.keys():
            if aspect in gold and aspect in pred:
                tp[aspect] += 1
                both += 1
                agree += gold[aspect] == pred[aspect]
            elif aspect in pred:
                fp[aspect] += 1
            else:
                fn[aspect] += 1
    per_aspect = {}
    for aspect in ASPECTS:
        if not (tp[aspect] or fp[aspect] or fn[aspect]):
            continue
        p = _ratio(tp[aspect], tp[aspect] + fp[aspect])
        r = _ratio(tp[aspect], tp[aspect] + fn[aspect])
        f1 = _ratio(2 * p * r, p + r) if p + r else 0.0
        per_aspect[aspect] = {
            "precision": p, "recall": r, "f1": f1, "support": tp[aspect] + fn[aspect],
        }  # fmt: skip
    all_tp, all_fp, all_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    micro_p, micro_r = _ratio(all_tp, all_tp + all_fp), _ratio(all_tp, all_tp + all_fn)
    return {
        "per_aspect": per_aspect,
        "macro_f1": _ratio(sum(a["f1"] for a in per_aspect.values()), len(per_aspect)),
        "micro_f1": _ratio(2 * micro_p * micro_r, micro_p + micro_r),
        "polarity_accuracy": _ratio(agree, both),
        "pairs": both,
    }


def _demo_reviews(count: int) -> list[tuple[str, str, str, str, str, float]]:
    # The demo generator's composed texts: what ingestion sees in `make demo`.
    from hotelreviews.demo.catalog import LANGUAGES
    from hotelreviews.demo.texts import Texts

    texts = Texts(seed=16)
    tier_rating = (2.0, 5.0, 6.5, 8.0, 9.5)
    out = []
    for k in range(count):
        language = LANGUAGES[k % len(LANGUAGES)]
        tier = (k // len(LANGUAGES)) % 5
        plans = texts.plans[language][tier]
        plan = plans[(k * 7919) % len(plans)]
        # Sentence picks from a fixed-seed hash of k, as the generator's random bits would be.
        text = texts.compose(lang=language, plan=plan, bits=hash((k, 0x5EED)) & (2**64 - 1))
        out.append((language, plan.title, text, plan.good, plan.bad, tier_rating[tier]))
    return out


def _time(
    reviews: list[tuple[str, str, str, str, str, float]], *, detect: bool, rounds: int = 3
) -> float:
    """Best of `rounds` passes, CPU time of this process per review (the machine is shared)."""
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for language, title, text, good, bad, rating in reviews:
            analyze_review(
                title=title, text=text, positives=good, negatives=bad,
                language=None if detect else language, rating_normalized=rating,
            )  # fmt: skip
        best = min(best, time.process_time() - started)
    return best / len(reviews) * 1e6


def timing(count: int) -> dict[str, Any]:
    """µs per review of analyze_review on demo texts: per language, all, and with detection."""
    reviews = _demo_reviews(count)
    _time(reviews, detect=False, rounds=1)  # warm the token memos and the field cache
    per_language = {}
    for language in sorted({r[0] for r in reviews}):
        per_language[language] = _time([r for r in reviews if r[0] == language], detect=False)
    return {
        "reviews": count,
        "us_per_review": _time(reviews, detect=False),
        "us_per_review_detecting_language": _time(reviews, detect=True),
        "per_language": per_language,
    }


_BANK_ASPECT = {"breakfast": "food", "clean": "cleanliness"}


def demo_banks() -> dict[str, dict[str, float]]:
    """On the demo generator's phrase banks (not used for tuning): per language, how often the
    sentence's own aspect is found, and with the bank's polarity (praise or complaint)."""
    from hotelreviews.demo.texts import BANKS

    out = {}
    for language in ("en", "de", "fr", "es"):
        total = found = right = 0
        for name, (praise, complaints, _, _) in BANKS[language].aspects.items():
            aspect = _BANK_ASPECT.get(name, name)
            for polarity, sentences in (("positive", praise), ("negative", complaints)):
                for sentence in sentences:
                    got = {
                        o.aspect: o.polarity
                        for o in analyze_sentence(text=sentence, language=language)
                    }
                    total += 1
                    found += aspect in got
                    right += got.get(aspect) == polarity
        out[language] = {
            "sentences": total,
            "found": found / total,
            "polarity": right / max(found, 1),
        }
    return out


def run(*, data: Path | None = None, timing_reviews: int = 5000) -> dict[str, Any]:
    """All figures: per language and overall, per system; and the timing. For combined benches."""
    path = data or default_data()
    rows = load(path)
    golds = [_gold(row) for row in rows]
    systems = predictions(rows)
    slices: dict[str, Callable[[dict[str, Any]], bool]] = {"all": lambda row: True}
    for language in sorted({row["lang"] for row in rows}):
        slices[language] = lambda row, language=language: row["lang"] == language
    figures: dict[str, Any] = {}
    for name, keep in slices.items():
        index = [k for k, row in enumerate(rows) if keep(row)]
        figures[name] = {
            "sentences": len(index),
            "reviews": len({rows[k]["review"] for k in index}),
            "systems": {
                system: score([golds[k] for k in index], [preds[k] for k in index])
                for system, preds in systems.items()
            },
        }
    result: dict[str, Any] = {"data": str(path), "slices": figures, "demo_banks": demo_banks()}
    if timing_reviews:
        result["timing"] = timing(timing_reviews)
    return result


def render(result: dict[str, Any]) -> str:
    """The figures as plain-text tables."""
    lines = [f"data: {result['data']}"]
    for name, figures in result["slices"].items():
        lines.append("")
        lines.append(
            f"== {name}: {figures['sentences']} sentences, {figures['reviews']} reviews =="
        )
        mine = figures["systems"]["analyzer"]["per_aspect"]
        lines.append(f"{'aspect':<12} {'support':>7} {'P':>6} {'R':>6} {'F1':>6}   (analyzer)")
        for aspect, s in mine.items():
            lines.append(
                f"{aspect:<12} {s['support']:>7} {s['precision']:>6.2f} {s['recall']:>6.2f}"
                f" {s['f1']:>6.2f}"
            )
        lines.append(f"{'system':<24} {'macro-F1':>8} {'micro-F1':>8} {'polarity':>8} {'pairs':>6}")
        for system, s in figures["systems"].items():
            lines.append(
                f"{system:<24} {s['macro_f1']:>8.3f} {s['micro_f1']:>8.3f}"
                f" {s['polarity_accuracy']:>8.3f} {s['pairs']:>6}"
            )
    lines.append("")
    lines.append(
        "demo phrase banks (not tuned on): the sentence's own aspect found / its polarity right"
    )
    for language, b in result["demo_banks"].items():
        lines.append(
            f"  {language}: {b['sentences']} sentences, found {b['found']:.2f},"
            f" polarity {b['polarity']:.2f}"
        )
    if "timing" in result:
        t = result["timing"]
        lines.append("")
        lines.append(
            f"analyze_review on {t['reviews']} demo reviews: {t['us_per_review']:.1f} µs/review"
            f" (language given), {t['us_per_review_detecting_language']:.1f} µs/review"
            " (language detected)"
        )
        lines.append(
            "  per language: " + ", ".join(f"{k} {v:.1f}" for k, v in t["per_language"].items())
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the evaluation tables (or JSON) for a labelled file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=None, help="labelled JSONL (default: test, else dev)"
    )
    parser.add_argument("--reviews", type=int, default=5000, help="demo reviews to time (0: skip)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    path = args.data or default_data()
    if not path.exists():
        print(f"no labelled file at {path}", file=sys.stderr)
        return 2
    result = run(data=path, timing_reviews=args.reviews)
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
