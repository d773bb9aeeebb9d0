"""The stored alerts of a database loaded with the demo, scored on the demo's planted truth.

    HOTELREVIEWS_DATA_DIR=$(mktemp -d) hotelreviews demo --ingest     # (catches up: alerts)
    HOTELREVIEWS_DATA_DIR=<same> PYTHONPATH=src .venv/bin/python bench/alerts_demo_truth.py

Reads `<data dir>/demo/truth/planted_anomalies.jsonl.txt` (or `--truth`) and the `alerts`
table of the configured database. As in bench/intelligence_anomalies.py, an alert is a true
detection when it names the planted hotel (its feed id), kind (and aspect) and its onset is
within 70 days after the planted onset (or up to 14 days before: the detectors estimate it);
other alerts of the series kinds are false; duplicate alerts are not scored here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from hotelreviews.core.database import create_engine
from hotelreviews.core.settings import get_settings
from hotelreviews.hotels.tables import hotels
from hotelreviews.intelligence.alerts.tables import alerts

SERIES_KINDS = ("rating_drop", "volume_burst", "aspect_deterioration")
LATE, EARLY = timedelta(days=70), timedelta(days=14)


async def _stored_alerts() -> list[tuple[str, str, str | None, date]]:
    settings = get_settings()
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            statement = (
                sa.select(hotels.c.external_id, alerts.c.kind, alerts.c.aspect, alerts.c.onset)
                .join(hotels, hotels.c.id == alerts.c.hotel_id)
                .where(alerts.c.kind.in_(SERIES_KINDS))
            )
            return [tuple(row) for row in (await connection.execute(statement)).all()]
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--truth", type=Path, help="planted_anomalies.jsonl.txt")
    args = parser.parse_args()
    truth = args.truth or get_settings().data_dir / "demo/truth/planted_anomalies.jsonl.txt"
    planted = [json.loads(line) for line in truth.read_text().splitlines() if line.strip()]
    stored = asyncio.run(_stored_alerts())
    found, true_alerts = set(), set()
    for number, plant in enumerate(planted):
        onset = date.fromisoformat(plant["onset"])
        for index, (hotel, kind, aspect, alert_onset) in enumerate(stored):
            if (
                hotel == str(plant["hotel"]["hotel_id"])
                and kind == plant["kind"]
                and (aspect or None) == (plant.get("aspect") or None)
                and onset - EARLY <= alert_onset <= onset + LATE
            ):
                found.add(number)
                true_alerts.add(index)
    for hotel, kind, aspect, alert_onset in stored:
        print(f"alert  {kind:<21} {aspect or '-':<12} hotel {hotel:<8} onset {alert_onset}")
    for number, plant in enumerate(planted):
        mark = "found " if number in found else "missed"
        aspect = plant.get("aspect") or "-"
        hotel = plant["hotel"]["hotel_id"]
        print(f"{mark} {plant['kind']:<21} {aspect:<12} hotel {hotel:<8} onset {plant['onset']}")
    precision = len(true_alerts) / len(stored) if stored else float("nan")
    recall = len(found) / len(planted) if planted else float("nan")
    print(
        f"alerts {len(stored)} · planted {len(planted)} · precision {precision:.2f} "
        f"· recall {recall:.2f}"
    )


if __name__ == "__main__":
    main()
