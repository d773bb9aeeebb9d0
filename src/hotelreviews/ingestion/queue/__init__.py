"""The ingestion queue: jobs in the database, the worker that runs them, and enqueueing."""
