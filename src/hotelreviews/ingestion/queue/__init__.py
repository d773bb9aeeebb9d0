"""The ingestion queue: jobs in the database, the worker that runs them, and queueing the files
a poll of the configured sources finds."""
