"""Fixtures of the core's tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from muster.config.loader import LoadedConfig
from muster.worker.core.paging.rotations import CompiledRotation
from tests.harness.rotation_shapes import Shape


@pytest.fixture
def compile_shape(load_yaml: Callable[..., LoadedConfig]) -> Callable[[Shape], CompiledRotation]:
    """Write a shape's config to a real YAML file, load it, and return rotation ``duty``."""

    def compile_it(shape: Shape) -> CompiledRotation:
        return load_yaml(shape.document()).routing.rotations["duty"]

    return compile_it
