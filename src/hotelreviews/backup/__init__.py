"""Base backups of the cluster's primary and point-in-time restore from the WAL archive.

A backup is a directory `<backups_dir>/<id>` written by pg_basebackup (tar, gzip, its WAL
streamed in, a manifest with checksums) plus `backup.json`, the catalog entry, written last:
a directory without it is not a backup. Restores read the base backup, then the WAL archive
the cluster's nodes write (cluster.pg.archiving_settings).
"""
