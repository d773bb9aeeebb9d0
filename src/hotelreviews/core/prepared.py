"""Hot reads built once, and compiled once for asyncpg.

A PreparedQuery is a select built once per dialect (by its repository, the one place for SQL),
whose request inputs are named bound parameters (`sa.bindparam("hotel_id")`) given at
execution. `fetch_all` / `fetch_first` (core.driver_reads) run it on either kind of read
connection: a SQLAlchemy connection executes it as any statement; a DriverConnection
(PostgreSQL) sends its SQL text, compiled once by SQLAlchemy's asyncpg dialect, straight to
asyncpg. `compiled()` is also what bench/db_limit_app.py sends, so the platform and its
database-limit baseline cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.sql.selectable import Select

_ASYNCPG = PGDialect_asyncpg()


@dataclass(frozen=True, slots=True)
class Parameter:
    """One $n parameter: a request input (by name) or a constant of the statement, as the
    driver takes it (SQLAlchemy's bind processing of its type applied)."""

    input: str | None
    constant: Any = None
    process: Callable[[Any], Any] | None = None


@dataclass(frozen=True, slots=True)
class CompiledQuery:
    """SQL text with $n parameters, as SQLAlchemy's asyncpg dialect compiles the statement."""

    sql: str
    parameters: tuple[Parameter, ...]
    inputs: frozenset[str]
    # The selected columns' SQLAlchemy types, in order (their result processing).
    column_types: tuple[Any, ...]

    def arguments(self, inputs: Mapping[str, Any]) -> list[Any]:
        """The driver's arguments for these inputs (by name), in $n order."""
        arguments = []
        for parameter in self.parameters:
            if parameter.input is None:
                arguments.append(parameter.constant)
                continue
            value = inputs[parameter.input]
            arguments.append(value if parameter.process is None else parameter.process(value))
        return arguments


class PreparedQuery:
    """A read statement built once per dialect by `build(dialect_name)`."""

    __slots__ = ("_build", "_statements", "_compiled")

    def __init__(self, build: Callable[[str], Select[Any]]) -> None:
        self._build = build
        self._statements: dict[str, Select[Any]] = {}
        self._compiled: CompiledQuery | None = None

    def statement(self, dialect: str) -> Select[Any]:
        statement = self._statements.get(dialect)
        if statement is None:
            statement = self._statements[dialect] = self._build(dialect)
        return statement

    def compiled(self) -> CompiledQuery:
        """The PostgreSQL statement compiled for asyncpg (once)."""
        if self._compiled is None:
            self._compiled = compile_for_asyncpg(self.statement("postgresql"))
        return self._compiled


def compile_for_asyncpg(statement: Select[Any]) -> CompiledQuery:
    """`statement`'s SQL and parameter order for asyncpg. Its inputs are its required bound
    parameters (declared without a value); every other parameter is a constant."""
    compiled = statement.compile(dialect=_ASYNCPG)
    binds = compiled.binds
    inputs = frozenset(name for name, bind in binds.items() if bind.required)
    values = compiled.construct_params(dict.fromkeys(inputs), _check=False)
    parameters = []
    for name in compiled.positiontup or ():
        process = binds[name].type.dialect_impl(_ASYNCPG).bind_processor(_ASYNCPG)
        if name in inputs:
            parameters.append(Parameter(name, process=process))
        else:
            value = values[name]
            parameters.append(Parameter(None, value if process is None else process(value)))
    return CompiledQuery(
        compiled.string,
        tuple(parameters),
        inputs,
        tuple(column.type for column in statement.selected_columns),
    )
