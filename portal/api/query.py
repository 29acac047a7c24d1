"""Unknown query parameters are refused, as unknown body fields are (extra="forbid").

A misspelt `?limt=10` or `?stauts=active` would otherwise be ignored in silence and the client
would get an unfiltered list it took for a filtered one; now it is a 422 problem naming the
parameter. The OpenAPI document lists each operation's parameters, so nothing else is valid.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.utils import get_flat_params
from fastapi.exceptions import RequestValidationError
from fastapi.params import Query
from fastapi.routing import APIRoute

# Per route (by identity: routes live as long as the app, and APIRoute is not hashable).
_DECLARED: dict[int, frozenset[str]] = {}


def _declared(route: APIRoute) -> frozenset[str]:
    names = _DECLARED.get(id(route))
    if names is None:
        names = frozenset(
            field.alias
            for field in get_flat_params(route.dependant)
            if isinstance(field.field_info, Query)
        )
        _DECLARED[id(route)] = names
    return names


async def known_parameters_only(request: Request) -> None:
    """A dependency of every /v1 route: 422 for a query parameter the route does not take."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not route.path.startswith("/v1/"):
        return  # the export download is a link in a page, not the API
    unknown = sorted(set(request.query_params) - _declared(route))
    given = [name for name, _ in request.query_params.multi_items()]
    repeated = sorted({name for name in given if given.count(name) > 1} - set(unknown))
    if repeated:
        # Which one counts would be a guess (FastAPI takes the last): ask for one.
        raise RequestValidationError(
            [
                {
                    "type": "extra_forbidden",
                    "loc": ("query", name),
                    "msg": "Give this query parameter once",
                    "input": request.query_params.getlist(name),
                }
                for name in repeated
            ]
        )
    if unknown:
        raise RequestValidationError(
            [
                {
                    "type": "extra_forbidden",
                    "loc": ("query", name),
                    "msg": "Unknown query parameter",
                    "input": request.query_params.get(name),
                }
                for name in unknown
            ]
        )
