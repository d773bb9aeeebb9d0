"""The `hotelreviews` command: one Typer app, each command in its own module."""

import typer

from hotelreviews.cli.backup_cmd import backup_app
from hotelreviews.cli.cluster_cmd import cluster_app
from hotelreviews.cli.demo_cmd import demo
from hotelreviews.cli.dr_cmd import dr_app
from hotelreviews.cli.help_format import use_conventional_help
from hotelreviews.cli.ingest_cmd import ingest
from hotelreviews.cli.intelligence_cmd import intelligence_app
from hotelreviews.cli.keys_cmd import keys_app
from hotelreviews.cli.migrate_cmd import migrate_app
from hotelreviews.cli.serve_cmd import serve
from hotelreviews.cli.users_cmd import users_app
from hotelreviews.cli.worker_cmd import worker

use_conventional_help()

app = typer.Typer(
    name="hotelreviews",
    help="Hotel reviews platform: ingest provider review files and serve them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
app.command(help="Serve the HTTP API.")(serve)
app.command(help="Ingest review files (JSON Lines, optionally gzip) from paths or stdin.")(ingest)
app.command(help="Write a deterministic demo data set (and optionally ingest it).")(demo)
app.command(help="Run queued ingestions and poll the configured sources for new files.")(worker)
app.add_typer(
    migrate_app,
    name="migrate",
    help="Apply or inspect database migrations; alone, upgrade to the latest revision.",
)
app.add_typer(
    intelligence_app,
    name="intelligence",
    help="Review intelligence: catch-up applies every ingested batch not applied yet.",
)
app.add_typer(users_app, name="users", help="Manage users: create, list, disable, set roles.")
app.add_typer(keys_app, name="keys", help="Manage API keys: create (shown once), list, revoke.")
app.add_typer(
    cluster_app,
    name="cluster",
    help="Three regions on this machine: PostgreSQL primary and replicas, Redis, API, worker "
    "and HAProxy per region, one global entry.",
)
app.add_typer(
    dr_app,
    name="dr",
    help="Disaster recovery: switchover, failover, rejoin, status and drills; on Amazon RDS, "
    "dr rds.",
)
app.add_typer(
    backup_app,
    name="backup",
    help="Base backups and the WAL archive: create, list, verify, restore (to a point in time).",
)
