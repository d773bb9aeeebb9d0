"""Writing what a source holds: ingest_file (service.py), the one code path of the CLI and the
worker, its batches, upserts and summaries, and all the SQL of writes (repository.py)."""
