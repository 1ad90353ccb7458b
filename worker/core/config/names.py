"""The names a routing config defines — its severity matrix's impacts and urgencies, roles,
services, people and heartbeat monitors — read without validating the whole document.

A producer command (``muster declare``, ``ack``, ``milestone``) checks a message's names before
it sends it (:mod:`muster.worker.core.intake.message_names`); building the whole config's models
for that was most of its time (issue 19). These models read the same keys with the same name
type as :class:`~muster.worker.core.config.model.RoutingConfig` and ignore every other section,
and a test holds the two readers equal on every config it generates. Either satisfies
:class:`DefinesNames`, which is all a names check reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from muster.worker.core.config.fields import Name


class SeverityNames(Protocol):
    """The severity matrix's names."""

    @property
    def impacts(self) -> Sequence[str]: ...

    @property
    def urgencies(self) -> Sequence[str]: ...

    @property
    def matrix(self) -> Mapping[str, Mapping[str, str]]: ...


class DefinesNames(Protocol):
    """What a config defines, by name."""

    @property
    def severity(self) -> SeverityNames: ...

    @property
    def roles(self) -> Mapping[str, object]: ...

    @property
    def services(self) -> Mapping[str, object]: ...

    @property
    def fallback_service(self) -> str | None: ...

    @property
    def people(self) -> Mapping[str, object]: ...

    @property
    def heartbeats(self) -> Mapping[str, object]: ...


class _Names(BaseModel):
    # The other keys are the whole config's to validate; each model's validator is built when
    # first used.
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


class SeverityMatrixNames(_Names):
    """``severity``: its impacts, urgencies and matrix (``RoutingConfig.severity``'s types)."""

    impacts: list[Name] = Field(min_length=1)
    urgencies: list[Name] = Field(min_length=1)
    matrix: dict[Name, dict[Name, Name]]


class ConfigNames(_Names):
    """The names of a routing config document (``RoutingConfig``'s keys and name types)."""

    severity: SeverityMatrixNames
    roles: dict[Name, Any] = Field(default_factory=dict)
    services: dict[Name, Any] = Field(default_factory=dict)
    fallback_service: Name | None = None
    people: dict[Name, Any] = Field(default_factory=dict)
    heartbeats: dict[Name, Any] = Field(default_factory=dict)
