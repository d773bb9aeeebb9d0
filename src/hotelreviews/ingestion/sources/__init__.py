"""Where review lines come from: local files, stdin, S3 objects and http(s) URLs, opened by
scheme (opening.py), checked against the egress policy and the per-source limits, and read as
lines in constant memory."""
