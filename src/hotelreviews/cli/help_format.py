"""Conventional `--help` output: flags bare, value options with a NAME placeholder, no type labels.

Typer's help prints a type label beside every parameter (`<bool>`, `<list[str]>`,
`<int range> [x>=1]`, `<path>`), which reads like a type signature rather than a CLI. Typer has no
setting to turn it off and builds its parameter objects itself (no `cls=` for parameters), so this
module replaces the two display hooks once, on the classes, when the app is built: flags show
nothing, options that take a value show their `metavar` or their name in capitals (`--port PORT`),
arguments show only their name. Ranges are written in words in each option's help text instead
(`1 to 65535`); click still enforces them. Defaults keep Typer's `[default: …]`.
"""

from __future__ import annotations

import click
from typer.core import TyperArgument, TyperOption


def _option_placeholder(option: TyperOption, ctx: click.Context) -> str | None:
    if option.is_flag or option.count:
        return None
    if option.metavar is not None:
        return option.metavar
    return (option.name or "value").upper()


def _no_type_label(argument: TyperArgument, ctx: click.Context) -> str | None:
    return None


def _no_range_label(parameter: TyperOption | TyperArgument) -> str | None:
    return None


def use_conventional_help() -> None:
    """Install the placeholders above; idempotent, called once where the app is defined."""
    TyperOption.display_type_rich = _option_placeholder  # type: ignore[method-assign]
    TyperOption._get_number_range_help_str = _no_range_label  # type: ignore[method-assign]
    TyperArgument.display_type_rich = _no_type_label  # type: ignore[method-assign]
    TyperArgument._get_number_range_help_str = _no_range_label  # type: ignore[method-assign]
