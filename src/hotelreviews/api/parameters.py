"""Query parameters a route does not declare are refused (422), on every route.

An ignored parameter is a free cache-buster: `?x=1`, `?x=2`… each name a new entry of the
response cache (cache.keys keys on the whole query), so every request would reach the
database. One dependency, added to every router by the app factory, compares the query with
the parameters the matched route declares (its own and its dependencies', read from FastAPI's
dependency tree once per route) and refuses any other name, and a single-valued parameter
given twice. The refusal is a 422 like any invalid parameter, and the response cache never
stores a 422, so an unknown parameter neither creates an entry nor is answered from the entry
of the URL without it (the key holds the whole query).
"""

from __future__ import annotations

import typing
from collections import Counter
from dataclasses import dataclass

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel

_SEQUENCES = (list, tuple, set, frozenset)


@dataclass(frozen=True, slots=True)
class DeclaredQuery:
    names: frozenset[str]  # every query parameter the route reads
    repeatable: frozenset[str]  # those that take several values (list[...] parameters)


# Where a route keeps its DeclaredQuery once worked out (routes are not hashable).
_ATTRIBUTE = "_hotelreviews_declared_query"


def declared_query(dependant: Dependant) -> DeclaredQuery:
    """The query parameters of a route's dependency tree, by the name clients send."""
    names: set[str] = set()
    repeatable: set[str] = set()
    pending = [dependant]
    while pending:
        current = pending.pop()
        pending.extend(current.dependencies)
        for field in current.query_params:
            annotation = field.field_info.annotation
            model = _model_of(annotation)
            if model is not None:  # a query parameter model: its fields are the parameters
                for name, info in model.model_fields.items():
                    names.add(info.alias or name)
                    if _is_sequence(info.annotation):
                        repeatable.add(info.alias or name)
                continue
            names.add(field.alias)
            if _is_sequence(annotation):
                repeatable.add(field.alias)
    return DeclaredQuery(frozenset(names), frozenset(repeatable))


def _model_of(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _is_sequence(annotation: object) -> bool:
    """list[str], list[str] | None, Annotated[list[str], ...]: several values allowed."""
    origin = typing.get_origin(annotation)
    if origin in _SEQUENCES or annotation in _SEQUENCES:
        return True
    return any(_is_sequence(argument) for argument in typing.get_args(annotation))


def undeclared(query: list[tuple[str, str]], declared: DeclaredQuery) -> list[dict[str, str]]:
    """A field error per unknown name, and per single-valued name given more than once."""
    errors = []
    counts = Counter(name for name, _ in query)
    for name, count in counts.items():
        if name not in declared.names:
            known = ", ".join(sorted(declared.names)) or "none"
            errors.append(
                {
                    "loc": ("query", name),
                    "msg": f"unknown query parameter (this route takes: {known})",
                    "type": "unknown_parameter",
                }
            )
        elif count > 1 and name not in declared.repeatable:
            errors.append(
                {
                    "loc": ("query", name),
                    "msg": f"given {count} times; send it once",
                    "type": "repeated_parameter",
                }
            )
    return errors


async def refuse_undeclared_parameters(request: Request) -> None:
    """Dependency of every route (app.factory): 422 for a query parameter the route does not
    declare, or a single-valued one given more than once."""
    query = request.query_params.multi_items()
    if not query:
        return
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    declared = getattr(route, _ATTRIBUTE, None)
    if declared is None:
        declared = declared_query(route.dependant)
        setattr(route, _ATTRIBUTE, declared)
    errors = undeclared(query, declared)
    if errors:
        raise RequestValidationError(errors)
