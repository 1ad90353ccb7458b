"""A team's files sorted for a source: Terraform resources of its provider, and API dumps.

Every source reads ``.tf`` files, ``terraform show -json`` state and JSON dumps of its API
alike; this gathers the resources from both kinds of Terraform, and files each resource under
the source's name for it — reporting (❌) what is not the source's, or is ``count``/``for_each``
that only the state expands.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from muster.config.importers.report import Skipped
from muster.config.importers.sources import Documents
from muster.config.importers.terraform import (
    TerraformResource,
    is_state,
    read_configuration,
    read_state,
)


def gather(documents: Documents) -> tuple[list[TerraformResource], list[tuple[str, Any]]]:
    """The Terraform resources (``.tf`` and state) and the other JSON documents (dumps)."""
    resources = read_configuration(documents.terraform, documents.tfvars)
    dumps = []
    for name, document in documents.json:
        if is_state(document):
            resources += read_state(document)
        else:
            dumps.append((name, document))
    return resources, dumps


def known_resources(
    resources: Iterable[TerraformResource],
    kinds: Mapping[str, str],
    provider: tuple[str, str],
    skipped: list[Skipped],
    looked_up: Iterable[str] = ("users",),
) -> Iterator[tuple[str, TerraformResource]]:
    """Each resource of ``kinds`` (provider type → the source's kind) with its kind; the rest
    are ``skipped``. ``provider`` is the type prefix and the source's name (``opsgenie_``,
    ``Opsgenie``). A data source is kept only for ``looked_up`` kinds: another looked up by
    name is defined elsewhere, and references to it still match."""
    prefix, source = provider
    for resource in resources:
        kind = kinds.get(resource.type)
        if kind is None:
            why = (
                f"a resource of {source} muster does not import"
                if resource.type.startswith(prefix)
                else f"not a resource of {source}"
            )
            skipped.append(Skipped("resource", resource.address, why))
        elif resource.mode == "data" and kind not in looked_up:
            continue
        elif resource.repeated is not None:
            skipped.append(
                Skipped(
                    "resource",
                    resource.address,
                    f"count/for_each = {resource.repeated} is not expanded: import its state"
                    " (terraform show -json) instead",
                )
            )
        else:
            yield kind, resource
