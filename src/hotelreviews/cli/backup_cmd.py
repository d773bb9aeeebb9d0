"""`hotelreviews backup`: see the commands' help."""

from __future__ import annotations

import typer

backup_app = typer.Typer(no_args_is_help=True)
