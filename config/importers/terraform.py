"""Terraform resources as plain data: from ``.tf`` files (python-hcl2) or ``terraform show -json``.

Every source written in Terraform reads through here. Values that are literal — strings,
numbers, lists, ``var.*`` with a default or a tfvars value, ``local.*``, integer arithmetic like
``60 * 30``, and references to other resources — are resolved; anything else (a function call,
a module output, ``count.index``) stays an :class:`Unresolved` holding its expression, for the
source's translation to report. A reference to another resource's ``id`` resolves to that
resource's address in ``.tf`` files and to its real id in state, so either way a source matches
resources by :attr:`TerraformResource.id`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import hcl2
from hcl2 import SerializationOptions

from muster.config.importers.sources import SourceError

_OPTIONS = SerializationOptions(
    strip_string_quotes=True, explicit_blocks=False, with_comments=False
)
_INTERPOLATION = re.compile(r"\$\{([^{}]*)\}")
_REFERENCE = re.compile(r"^(?P<address>(?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+)\.(?P<attr>\w+)$")
_NESTING = 20


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A value that is not literal: its Terraform expression, as written."""

    expression: str

    def __str__(self) -> str:
        return self.expression


@dataclass(frozen=True)
class TerraformResource:
    """One resource or data source, its values resolved where they are literal."""

    address: str  # grafana_oncall_schedule.primary, data.grafana_oncall_user.alice
    mode: str  # "managed" or "data"
    type: str
    name: str
    values: Mapping[str, Any]
    repeated: Unresolved | None = None  # count or for_each: one resource stands for several

    @property
    def id(self) -> str:
        """What other resources' references to this one's ``id`` resolve to."""
        value = self.values.get("id")
        return value if isinstance(value, str) and value else self.address


def is_state(document: Any) -> bool:
    """Whether a JSON document is ``terraform show -json`` output."""
    return isinstance(document, dict) and "format_version" in document and "values" in document


def _modules(module: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield module
    for child in module.get("child_modules") or []:
        yield from _modules(child)


def read_state(document: Mapping[str, Any]) -> list[TerraformResource]:
    """Every resource of a ``terraform show -json`` document, child modules included."""
    root = (document.get("values") or {}).get("root_module") or {}
    return [
        TerraformResource(
            address=str(item.get("address", "")),
            mode=str(item.get("mode", "managed")),
            type=str(item.get("type", "")),
            name=str(item.get("name", "")),
            values=item.get("values") or {},
        )
        for module in _modules(root)
        for item in module.get("resources") or []
    ]


def _parse(path: str, text: str) -> dict[str, Any]:
    try:
        return dict(hcl2.loads(text, serialization_options=_OPTIONS))
    except Exception as failure:  # noqa: BLE001 - the parser raises lark's many error kinds
        where = getattr(failure, "line", None)
        place = f" at line {where}" if isinstance(where, int) and where > 0 else ""
        raise SourceError(f"{path}: not valid Terraform (HCL){place}") from None


def _blocks(parsed: Mapping[str, Any], kind: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for group in parsed.get(kind) or []:
        for type_, named in group.items():
            for name, body in named.items():
                yield type_, name, body


def _arithmetic(text: str) -> int | None:
    """``60 * 30`` → 1800: integer arithmetic of literals, nothing else."""
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None

    def value(node: ast.expr) -> int | None:
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult):
            left, right = value(node.left), value(node.right)
            if left is None or right is None:
                return None
            if isinstance(node.op, ast.Add):
                return left + right
            return left - right if isinstance(node.op, ast.Sub) else left * right
        return None

    return value(tree)


class _Resolver:
    """Resolves the literal part of a configuration's values."""

    def __init__(
        self,
        variables: Mapping[str, Any],
        locals_: Mapping[str, Any],
        bodies: Mapping[str, Mapping[str, Any]],
    ) -> None:
        self.variables = variables
        self.locals = locals_
        self.bodies = bodies

    def value(self, raw: Any, depth: int = 0) -> Any:
        if isinstance(raw, list):
            return [self.value(item, depth) for item in raw]
        if isinstance(raw, dict):
            return {key: self.value(item, depth) for key, item in raw.items()}
        if not isinstance(raw, str) or "${" not in raw:
            return raw
        whole = _INTERPOLATION.fullmatch(raw)
        if whole is not None:
            return self.expression(whole[1].strip(), depth)
        pieces: list[str] = []
        last = 0
        for match in _INTERPOLATION.finditer(raw):
            resolved = self.expression(match[1].strip(), depth)
            if isinstance(resolved, Unresolved | list | dict) or resolved is None:
                return Unresolved(raw)
            pieces += [raw[last : match.start()], str(resolved)]
            last = match.end()
        return "".join([*pieces, raw[last:]])

    def expression(self, text: str, depth: int) -> Any:
        if depth > _NESTING:
            return Unresolved(text)
        head, _, rest = text.partition(".")
        if head == "var" and rest in self.variables:
            return self.value(self.variables[rest], depth + 1)
        if head == "local" and rest in self.locals:
            return self.value(self.locals[rest], depth + 1)
        reference = _REFERENCE.fullmatch(text)
        if reference is not None and reference["address"] in self.bodies:
            if reference["attr"] == "id":
                return reference["address"]
            body = self.bodies[reference["address"]]
            if reference["attr"] in body:
                return self.value(body[reference["attr"]], depth + 1)
        number = _arithmetic(text)
        return Unresolved(text) if number is None else number


def read_configuration(
    files: Sequence[tuple[str, str]], tfvars: Sequence[tuple[str, str]] = ()
) -> list[TerraformResource]:
    """Every resource and data source of a module's ``.tf`` files, values resolved."""
    parsed = [_parse(path, text) for path, text in files]
    variables: dict[str, Any] = {}
    locals_: dict[str, Any] = {}
    bodies: dict[str, dict[str, Any]] = {}
    found: list[tuple[str, str, str, str]] = []
    for document in parsed:
        for group in document.get("variable") or []:
            for name, body in group.items():
                if "default" in body:
                    variables[name] = body["default"]
        for group in document.get("locals") or []:
            locals_.update(group)
        for kind, mode, prefix in (("resource", "managed", ""), ("data", "data", "data.")):
            for type_, name, body in _blocks(document, kind):
                address = f"{prefix}{type_}.{name}"
                bodies[address] = body
                found.append((address, mode, type_, name))
    for path, text in tfvars:
        variables.update(_parse(path, text))
    resolver = _Resolver(variables, locals_, bodies)
    resources = []
    for address, mode, type_, name in found:
        body = bodies[address]
        repeat = next((body[key] for key in ("count", "for_each") if key in body), None)
        resources.append(
            TerraformResource(
                address=address,
                mode=mode,
                type=type_,
                name=name,
                values=resolver.value(body),
                repeated=None if repeat is None else Unresolved(f"{repeat}"),
            )
        )
    return resources
