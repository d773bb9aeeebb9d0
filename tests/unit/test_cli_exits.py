"""Commands end on a database refusal with one line and exit code 2 (cli/_exits.py)."""

from __future__ import annotations

import pytest
import typer
from sqlalchemy import exc as sa_exc

from hotelreviews.cli._exits import exit_on_database_errors
from hotelreviews.core import migrations


class Refused(Exception):
    pass


def test_an_unreachable_database_is_named_with_its_cause_and_what_to_do(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(typer.Exit) as ended, exit_on_database_errors(then="start again later"):
        raise sa_exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("refused"))
    assert ended.value.exit_code == 2
    assert capsys.readouterr().err == (
        "error: the database is unavailable (refused); start again later\n"
    )


def test_an_outdated_schema_and_the_callers_refusals_say_their_own_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for error in (migrations.SchemaOutdated("the schema is at 0009, the code needs 0012"),
                  Refused("--bulk loads into an empty database only")):  # fmt: skip
        with pytest.raises(typer.Exit) as ended, exit_on_database_errors(refusals=(Refused,)):
            raise error
        assert ended.value.exit_code == 2
        assert capsys.readouterr().err == f"error: {error}\n"


def test_anything_else_goes_through_untouched() -> None:
    with pytest.raises(Refused), exit_on_database_errors():
        raise Refused("not the caller's to map")
