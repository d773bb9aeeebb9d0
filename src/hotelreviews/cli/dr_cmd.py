"""`hotelreviews dr`: see the commands' help."""

from __future__ import annotations

import typer

dr_app = typer.Typer(no_args_is_help=True)
