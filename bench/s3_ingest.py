"""Ingestion from S3: throughput and peak memory against a plain download of the same object.

    .venv/bin/python bench/s3_ingest.py --reviews 700000            # ~1.06 GB object
    .venv/bin/python bench/s3_ingest.py --reviews 700000 --gzip     # the same, gzipped

Writes the demo data set as one JSON Lines file (optionally gzipped), uploads it to a moto
S3 server the benchmark starts (its own process; multipart upload through boto3's
upload_file), then for each backend ingests it with `hotelreviews ingest s3://…` in a child
process into a fresh database and reports reviews/s, MB/s of the stored object and the
child's peak RSS (from wait4). The baseline, measured in the same run: the same object
downloaded with boto3 and discarded, 1 MiB at a time (MB/s) — what the store and the
transport allow before any parsing or database work.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import PRODUCTION_LIKE, demo_file, fresh_settings, run_child
from hotelreviews.core.settings import Settings

BUCKET = "bench-feeds"
MIB = 1024 * 1024


def _stored_file(path: Path, *, compress: bool) -> Path:
    """The file to upload: the demo file itself, or a gzipped copy (cached beside it)."""
    if not compress:
        return path
    target = path.with_suffix(".jl.gz")
    if not target.exists():
        with path.open("rb") as source, gzip.open(target, "wb", compresslevel=6) as out:
            shutil.copyfileobj(source, out, MIB)
    return target


def _download_rate(client, key: str) -> tuple[float, float]:  # noqa: ANN001 - a boto3 client
    """(seconds, MB/s) to stream the object and discard it."""
    started = time.perf_counter()
    size = 0
    for chunk in client.get_object(Bucket=BUCKET, Key=key)["Body"].iter_chunks(MIB):
        size += len(chunk)
    seconds = time.perf_counter() - started
    return seconds, size / MIB / seconds


def _ingest(settings: Settings, uri: str, endpoint: str, aws: dict[str, str]) -> dict:
    import orjson

    env = {
        **os.environ,
        **aws,
        "HOTELREVIEWS_DATA_DIR": str(settings.data_dir),
        "HOTELREVIEWS_S3_ENDPOINT_URL": endpoint,
        "HOTELREVIEWS_SOURCE_ALLOWED_S3": BUCKET,
    }
    env.pop("HOTELREVIEWS_DATABASE_URL", None)
    if settings.database_url is not None:
        env["HOTELREVIEWS_DATABASE_URL"] = settings.database_url.get_secret_value()
    run = run_child([sys.executable, "-m", "hotelreviews", "ingest", "--json", uri], env=env)
    if run.returncode != 0:
        raise SystemExit(f"ingest failed with exit code {run.returncode}")
    totals = orjson.loads(run.stdout)["totals"]
    reviews = totals["reviews_new"] + totals["reviews_updated"] + totals["reviews_unchanged"]
    return {"seconds": run.seconds, "peak_rss_mb": run.peak_rss_mb, "reviews": reviews}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=700_000, help="demo size (~1.5 KB each)")
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--gzip", action="store_true", help="upload the file gzipped")
    parser.add_argument("--work-dir", type=Path, default=None)
    args = parser.parse_args()

    from tests.support.pg_server import PostgresServer
    from tests.support.s3_server import S3Server, dummy_aws_environment

    work = args.work_dir or Path(tempfile.mkdtemp(prefix="bench-s3-"))
    work.mkdir(parents=True, exist_ok=True)
    path, lines = demo_file(reviews=args.reviews, directory=work)
    stored = _stored_file(path, compress=args.gzip)
    size_mb = stored.stat().st_size / MIB
    aws = dummy_aws_environment()
    os.environ.update(aws)  # this process's boto3 (upload, baseline) signs for moto too
    print(f"object: {stored.name}, {size_mb:,.0f} MiB stored, {lines:,} lines", flush=True)

    pg = PostgresServer(settings=PRODUCTION_LIKE) if "postgresql" in args.backends else None
    with S3Server() as s3:
        if pg:
            pg.start()
        try:
            client = s3.client()
            client.create_bucket(Bucket=BUCKET)
            started = time.perf_counter()
            client.upload_file(str(stored), BUCKET, stored.name)  # multipart above 8 MB
            print(f"upload: {time.perf_counter() - started:.1f} s", flush=True)
            uri = f"s3://{BUCKET}/{stored.name}"
            seconds, rate = _download_rate(client, stored.name)
            print(f"baseline: boto3 download, discarded: {seconds:.1f} s, {rate:,.0f} MB/s")
            print(
                f"{'backend':<11}{'reviews':>11}{'seconds':>9}{'reviews/s':>11}{'MB/s':>8}"
                f"{'peak RSS MB':>13}{'vs download':>13}"
            )
            for backend in args.backends:
                settings = fresh_settings(backend, work, pg, f"s3_{backend[:2]}{args.reviews}")
                result = _ingest(settings, uri, s3.endpoint_url, aws)
                mb_per_second = size_mb / result["seconds"]
                print(
                    f"{backend:<11}{result['reviews']:>11,}{result['seconds']:>9.1f}"
                    f"{result['reviews'] / result['seconds']:>11,.0f}{mb_per_second:>8.1f}"
                    f"{result['peak_rss_mb']:>13.0f}{mb_per_second / rate:>13.3f}",
                    flush=True,
                )
        finally:
            if pg:
                pg.stop()


if __name__ == "__main__":
    main()
