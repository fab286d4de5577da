"""Kubernetes 1.37 object schemas, compiled for patching and field validation.

The data is the `_definitions.json` that the `kubernetes-validate` package ships
(JSON Schema 2020-12, ~860 `$defs` named like `io.k8s.api.apps.v1.Deployment`). It keeps
the extensions we need: `x-kubernetes-group-version-kind` on top-level kinds,
`x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key` on fields, list and map
types. It is loaded lazily, once, with orjson.

Three consumers:

* the strategic merge patch (`kroll.api.patch.strategic`) asks, for each field it merges,
  for the field's patch strategy and merge key (`Field`) and the schema of its value (`Node`);
* the unknown-field walker (`kroll.api.fieldvalidation`) walks an object against `Node`s;
* the OpenAPI v3 builder (`kroll.server.openapi`) copies raw definitions (`definitions()`).

A definition compiles to one `Node`, shared by every field that refers to it, so a kind's
whole schema graph is compiled once and cached (recursive definitions are fine: the node is
registered before its fields are filled in).

Node kinds:

    OBJECT  a struct: fixed `properties`; anything else is an unknown field
    MAP     `additionalProperties`: any key, values of one schema (labels, resources.limits)
    ARRAY   `items`
    SCALAR  strings, numbers, booleans, IntOrString, Quantity, Time
    ANY     free-form JSON: RawExtension (ControllerRevision.data), FieldsV1, objects marked
            `x-kubernetes-preserve-unknown-fields`, or an object schema with neither
            properties nor additionalProperties
    UNKNOWN a field the schema does not know; its value is merged as plain maps
            (lists replaced) and not validated further

Patch strategy lives on the *field* (the property that refers to a type), not on the type:
`PodSpec.containers` is `merge` by `name`, while a `Container` list elsewhere could be atomic.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

_DATA_DIR = "kubernetes-json-schema/v1.37.0-local"
_DATA_FILE = "_definitions.json"

OBJECT = "object"
MAP = "map"
ARRAY = "array"
SCALAR = "scalar"
ANY = "any"
UNKNOWN = "unknown"

_REF_PREFIXES = ("#/$defs/", "#/components/schemas/", "#/definitions/")


@dataclass(eq=False, slots=True)
class Node:
    """One compiled schema: what a JSON value at some place in an object may look like."""

    kind: str
    name: str = ""  # the definition name for named types, "" for inline schemas
    fields: dict[str, Field] = field(default_factory=dict)  # OBJECT: property name -> Field
    items: Node | None = None  # ARRAY: element schema
    values: Field | None = None  # MAP: the (strategy-less) field every key maps to

    def child(self, key: str) -> Field:
        """The field `key` of this node, `UNKNOWN_FIELD` when the schema does not know it."""
        if self.kind is OBJECT:
            return self.fields.get(key, UNKNOWN_FIELD)
        if self.kind is MAP:
            return self.values or ANY_FIELD
        if self.kind is ANY:
            return ANY_FIELD
        return UNKNOWN_FIELD

    def __repr__(self) -> str:  # the graph is cyclic: keep repr shallow
        return f"Node({self.kind}, {self.name!r})"


@dataclass(eq=False, slots=True)
class Field:
    """A property of an object: the schema of its value plus its patch metadata."""

    node: Node
    strategy: str = ""  # x-kubernetes-patch-strategy as written: "merge", "merge,retainKeys", ...
    merge_key: str = ""  # x-kubernetes-patch-merge-key
    # derived from `strategy`
    merge: bool = False  # list elements are merged (by merge_key for maps, by value for scalars)
    replace: bool = False  # the value is replaced whole, never merged
    retain_keys: bool = False  # the value may carry a `$retainKeys` directive

    def __repr__(self) -> str:
        return f"Field({self.node!r}, strategy={self.strategy!r}, merge_key={self.merge_key!r})"


def _make_field(node: Node, strategy: str = "", merge_key: str = "") -> Field:
    parts = {p.strip() for p in strategy.split(",") if p.strip()}
    return Field(
        node=node,
        strategy=strategy,
        merge_key=merge_key,
        merge="merge" in parts,
        replace="replace" in parts,
        retain_keys="retainKeys" in parts,
    )


UNKNOWN_NODE = Node(UNKNOWN)
ANY_NODE = Node(ANY)
SCALAR_NODE = Node(SCALAR)
UNKNOWN_FIELD = _make_field(UNKNOWN_NODE)
ANY_FIELD = _make_field(ANY_NODE)


@dataclass(frozen=True, slots=True)
class PatchMeta:
    """What the strategic merge patch needs to know about one field."""

    is_list: bool
    strategy: str  # "", "merge", "replace", "retainKeys" or "merge,retainKeys"
    merge_key: str | None
    element: Node  # the list's item schema, or the field's own schema when not a list
    is_map: bool  # the value is a map (additionalProperties), merged key by key


# ---------------------------------------------------------------------------
# Raw data


@functools.cache
def definitions() -> dict[str, dict[str, Any]]:
    """All raw definitions by name (`io.k8s.api.apps.v1.Deployment`). Do not mutate."""
    with open(data_path(), "rb") as f:
        return orjson.loads(f.read())["$defs"]


def data_path() -> str:
    """Where the schema file is. Found without importing `kubernetes_validate` (its import
    pulls in jsonschema, ~150 ms)."""
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the kubernetes-validate package (schema data) is not installed")
    return os.path.join(next(iter(spec.submodule_search_locations)), _DATA_DIR, _DATA_FILE)


@functools.cache
def _gvk_index() -> dict[tuple[str, str], str]:
    index: dict[tuple[str, str], str] = {}
    for name, schema in definitions().items():
        for gvk in schema.get("x-kubernetes-group-version-kind") or ():
            group, version = gvk.get("group", ""), gvk.get("version", "")
            api_version = f"{group}/{version}" if group else version
            # DeleteOptions, WatchEvent and friends claim many GVKs; a real kind claims one.
            # When two definitions claim the same GVK, the one that claims fewer wins.
            key = (api_version, gvk.get("kind", ""))
            other = index.get(key)
            if other is None or len(definitions()[other]["x-kubernetes-group-version-kind"]) > len(
                schema["x-kubernetes-group-version-kind"]
            ):
                index[key] = name
    return index


def definition_for_kind(api_version: str, kind: str) -> str | None:
    """The definition name for a kind (`("apps/v1", "Deployment")` -> `io.k8s.api.apps.v1.Deployment`)."""
    return _gvk_index().get((api_version, kind))


def ref_name(ref: str) -> str:
    """`#/$defs/X`, `#/components/schemas/X` or a bare `X` -> `X`."""
    for prefix in _REF_PREFIXES:
        if ref.startswith(prefix):
            return ref[len(prefix) :]
    return ref


def resolve(ref: str) -> dict[str, Any]:
    """The raw definition a `$ref` (or a bare definition name) points at. KeyError if unknown."""
    return definitions()[ref_name(ref)]


# ---------------------------------------------------------------------------
# Compilation


def _types(schema: dict[str, Any]) -> set[str]:
    t = schema.get("type")
    if t is None:
        return set()
    if isinstance(t, str):
        return {t}
    return {x for x in t if x != "null"}


def _ref_of(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref")
    if ref:
        return ref
    # OpenAPI v3 as kube-apiserver serves it wraps references: {"allOf": [{"$ref": ...}]}
    all_of = schema.get("allOf")
    if all_of and len(all_of) == 1 and isinstance(all_of[0], dict) and all_of[0].get("$ref"):
        return all_of[0]["$ref"]
    return None


class _Compiler:
    def __init__(self, defs: dict[str, dict[str, Any]]) -> None:
        self.defs = defs
        self.named: dict[str, Node] = {}
        self.filling: set[str] = set()

    def named_node(self, name: str) -> Node:
        node = self.named.get(name)
        if node is not None:
            return node
        schema = self.defs.get(name)
        if schema is None:
            return UNKNOWN_NODE
        node = Node(SCALAR, name)
        self.named[name] = node  # registered before filling: recursive types terminate
        self.filling.add(name)
        try:
            self._fill(node, schema)
        finally:
            self.filling.discard(name)
        return node

    def node(self, schema: dict[str, Any]) -> Node:
        ref = _ref_of(schema)
        if ref is not None:
            return self.named_node(ref_name(ref))
        node = Node(SCALAR)
        self._fill(node, schema)
        if node.kind is SCALAR:
            return SCALAR_NODE
        return node

    def field(self, schema: dict[str, Any]) -> Field:
        return _make_field(
            self.node(schema),
            schema.get("x-kubernetes-patch-strategy", "") or "",
            schema.get("x-kubernetes-patch-merge-key", "") or "",
        )

    def _fill(self, node: Node, schema: dict[str, Any]) -> None:
        types = _types(schema)
        if schema.get("x-kubernetes-preserve-unknown-fields"):
            node.kind = ANY
            return
        props = schema.get("properties")
        if props is not None:
            node.kind = OBJECT
            node.fields = {k: self.field(v) for k, v in props.items()}
            return
        addl = schema.get("additionalProperties")
        if addl is not None and addl is not False:
            node.kind = MAP
            node.values = _make_field(self.node(addl)) if isinstance(addl, dict) else ANY_FIELD
            return
        if "array" in types or "items" in schema:
            node.kind = ARRAY
            items = schema.get("items")
            node.items = self.node(items) if isinstance(items, dict) else ANY_NODE
            return
        if "object" in types or not (types or "oneOf" in schema or "anyOf" in schema):
            # An object without properties (RawExtension, FieldsV1) or a schema without any
            # type at all (apiextensions JSON): free-form.
            node.kind = ANY
            return
        node.kind = SCALAR


@functools.cache
def _compiler() -> _Compiler:
    return _Compiler(definitions())


_COMPILE_LOCK = threading.Lock()


def node_for_definition(name: str) -> Node:
    """The compiled node of a definition (UNKNOWN_NODE when there is no such definition)."""
    compiler = _compiler()
    node = compiler.named.get(name)
    if node is not None and name not in compiler.filling:
        return node
    # A node is registered before its fields are filled in (that is how recursion ends), so
    # compile under a lock: another thread must not see a half-filled node.
    with _COMPILE_LOCK:
        return compiler.named_node(name)


@functools.cache
def root_node(api_version: str, kind: str) -> Node | None:
    """The compiled schema of a kind, or None when the kind is not in the schema data."""
    name = definition_for_kind(api_version, kind)
    if name is None:
        return None
    return node_for_definition(name)


# ---------------------------------------------------------------------------
# Patch meta by path


def _meta_of(f: Field) -> PatchMeta:
    node = f.node
    if node.kind is ARRAY:
        return PatchMeta(True, f.strategy, f.merge_key or None, node.items or ANY_NODE, False)
    return PatchMeta(False, f.strategy, f.merge_key or None, node, node.kind is MAP)


def field_at(api_version: str, kind: str, path: Sequence[str]) -> Field | None:
    """The `Field` reached by walking `path` (field names; list levels are stepped through).

    `("spec", "template", "spec", "containers", "env")` reaches `Container.env`.
    None when the kind is unknown; UNKNOWN_FIELD when a segment is not in the schema.
    """
    return _field_at(api_version, kind, tuple(path))


@functools.lru_cache(maxsize=4096)
def _field_at(api_version: str, kind: str, path: tuple[str, ...]) -> Field | None:
    root = root_node(api_version, kind)
    if root is None:
        return None
    current = _make_field(root)
    for segment in path:
        node = current.node
        while node.kind is ARRAY:  # list levels are transparent: a path names fields only
            node = node.items or ANY_NODE
        current = node.child(segment)
    return current


def patch_meta(api_version: str, kind: str, path: Sequence[str]) -> PatchMeta | None:
    """Patch metadata of the field at `path`, e.g. `("spec", "template", "spec", "volumes")` ->
    `PatchMeta(is_list=True, strategy="merge,retainKeys", merge_key="name", element=<Volume>, is_map=False)`.

    None when the kind is not in the schema. Unknown fields come back as a non-list with
    no strategy and an UNKNOWN element.
    """
    f = _field_at(api_version, kind, tuple(path))
    if f is None:
        return None
    return _meta_of(f)
