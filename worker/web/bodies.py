"""Bodies the web's routes parse themselves, after the caller is authenticated and authorised.

A body parameter would be read and decoded by FastAPI before any dependency, so an unknown
caller's invalid JSON got a 422 (it must get a 401); a route takes its body through
:func:`parsed_body` instead, and describes it in OpenAPI with :func:`described`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from muster.worker.core.config.scopes import Scope
from muster.worker.web.auth import needing

Model = TypeVar("Model", bound=BaseModel)


def parsed_body(model: type[Model], scope: Scope) -> Callable[..., Awaitable[Model]]:
    """A dependency parsing the body as ``model``, after the caller is authenticated and found
    to have ``scope`` (its dependency is solved first)."""

    needed = Depends(needing(scope))  # a default, evaluated here: the closure's scope

    async def parsed(request: Request, caller: str = needed) -> Model:
        try:
            return model.model_validate_json(await request.body())
        except ValidationError as invalid:
            raise RequestValidationError(invalid.errors(include_url=False)) from None

    return parsed


def described(model: type[BaseModel]) -> dict[str, Any]:
    """The route's ``requestBody`` in the OpenAPI description, the schema ``model``'s (added
    to the components by :mod:`muster.worker.web.app`)."""
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    content = {"application/json": {"schema": schema}}
    return {"requestBody": {"required": True, "content": content}}
