"""Strategic merge patch, `application/strategic-merge-patch+json` (the server side: applying
a patch to a stored object).

A JSON merge patch whose lists can merge instead of being replaced. How each field merges
comes from the schema (`kroll.api.schema`), i.e. from the `x-kubernetes-patch-strategy` and
`x-kubernetes-patch-merge-key` extensions that mirror the Go struct tags:

* maps merge key by key; `null` deletes a key;
* a list with strategy `merge` and a merge key (containers by `name`, ports by
  `containerPort`, ownerReferences by `uid`, conditions by `type`, ...) merges element by
  element: a patch element updates the live element with the same merge-key value, or is
  appended; a patch element without the merge key is an error;
* a list of scalars with strategy `merge` (finalizers) is a set union;
* every other list (args, command, tolerations, ...) is replaced whole;
* free-form fields (ControllerRevision `data`, managedFields `fieldsV1`) merge as plain JSON
  merge patch; fields the schema does not know merge as maps, their lists are replaced.

Directives (apimachinery `pkg/util/strategicpatch/patch.go` is the reference behaviour):

* `{"$patch": "replace", ...}` in a map: the map becomes the rest of the patch map.
  `{"$patch": "delete"}`: the map becomes `{}` (and a new key carrying it is not added).
  `{"$patch": "merge"}`: the default; accepted and ignored (upstream rejects it).
* In a merge list, an element `{"$patch": "delete", <key>: v}` removes every live element
  with that key; an element `{"$patch": "replace"}` makes the list exactly the patch's other
  elements.
* `"$retainKeys": [...]` in a map: live keys not listed are dropped before merging; a patch
  key (other than nulls and directives) missing from the list is an error. kubectl apply sends
  it for `spec.strategy` so that switching to `Recreate` drops `rollingUpdate`.
* `"$setElementOrder/<list>": [...]`: after merging, the listed elements come in that order;
  live elements not listed keep their place relative to the listed ones (see `_merge_sorted`).
* `"$deleteFromPrimitiveList/<list>": [...]`: remove those values from a scalar list.

Order of merged list elements follows upstream exactly, because kubectl's output (and the
pod's container order) depends on it. Worked example, live `[a, b, c]` (scalars), patch
`[c, a]`: the result is the union `[a, b, c]` split into patch items `[c, a]` (in patch order)
and live-only items `[b]`; then the live-only items are slotted in front of the first patch
item that comes after them in the live order: `b` (live index 1) before `c` (live index 2),
so `[b, c, a]`. A new item (not in the live list) is never "after" anything, so live-only
items wait behind it: live `[a]`, patch `[b]` gives `[b, a]`.

Values added where the live object has nothing to merge with are cleaned the way upstream
cleans them (nulls dropped, directive elements removed), except that a new map carrying
`$patch: replace` keeps its content where upstream drops it.

Errors: a merge-list element without its merge key, malformed directives and an unknown
`$patch` value answer 400 BadRequest with upstream's messages (upstream returns the
merge-key error unwrapped, i.e. as a 500 without reason; we classify it as the client error it
is); lists of lists answer upstream's 422. `metadata.uid` / `metadata.resourceVersion` in a patch
are merged like any field: checking them as preconditions is the caller's job.
"""

from __future__ import annotations

from typing import Any

import orjson

from kroll.api import schema
from kroll.api.errors import ApiError, bad_request
from kroll.api.patch.merge import merge_patch
from kroll.api.schema import ANY, ARRAY, MAP, OBJECT, UNKNOWN, UNKNOWN_FIELD, UNKNOWN_NODE, Field, Node
from kroll.api.types import Obj

DIRECTIVE = "$patch"
RETAIN_KEYS = "$retainKeys"
SET_ORDER_PREFIX = "$setElementOrder/"
DELETE_PRIMITIVE_PREFIX = "$deleteFromPrimitiveList/"

_GENERIC_INVALID = "the server rejected our request due to an error in our request"
_DROP = object()  # "no value": the key is removed / the element left out
_MISSING = object()
_MAPLIKE = (OBJECT, MAP, UNKNOWN)


# ---------------------------------------------------------------------------
# Public entry point


def strategic_merge_patch(original: Obj, patch: Any, *, api_version: str, kind: str) -> Obj:
    """Apply a strategic merge patch to `original`; returns a new object, inputs untouched.

    Kinds missing from the schema are merged with the generic rules (maps merge, lists are
    replaced); kube-apiserver refuses strategic patches for custom resources (415), which is a
    decision for the caller.
    """
    if patch is None:  # Go decodes `null` into an empty patch
        return _copy(original)
    if not isinstance(patch, dict):
        raise bad_request(
            f"json: cannot unmarshal {_go_json_type(patch)} into Go value of type map[string]interface {{}}"
        )
    root = schema.root_node(api_version, kind) or UNKNOWN_NODE
    target = _copy(original) if isinstance(original, dict) else {}
    result = _merge_map(target, _copy(patch), root)
    return result


# ---------------------------------------------------------------------------
# Maps


def _merge_map(orig: dict[str, Any], patch: dict[str, Any], node: Node) -> dict[str, Any]:
    """Merge `patch` into `orig`. Both are ours (copies): they are modified in place."""
    if DIRECTIVE in patch:
        directive = patch.pop(DIRECTIVE)
        if directive == "replace":
            return _merge_map({}, patch, node)  # the patch map, cleaned of directives and nulls
        if directive == "delete":
            return {}
        if directive != "merge":
            patch[DIRECTIVE] = directive
            raise _unknown_patch_type(directive, patch)

    if RETAIN_KEYS in patch:
        _apply_retain_keys(orig, patch)

    for key in [k for k in patch if k.startswith(SET_ORDER_PREFIX)]:
        _apply_set_element_order(orig, patch, key, node)

    for key, value in patch.items():
        if key.startswith(DELETE_PRIMITIVE_PREFIX):
            _apply_delete_from_primitive_list(orig, key, value)
            continue
        if value is None:
            orig.pop(key, None)
            continue
        f = node.child(key) if node.kind in _MAPLIKE else UNKNOWN_FIELD
        current = orig.get(key, _MISSING)
        merged = _fresh(value, f) if current is _MISSING else _merge_value(current, value, f)
        if merged is _DROP:
            orig.pop(key, None)
        else:
            orig[key] = merged
    return orig


def _merge_value(current: Any, value: Any, f: Field) -> Any:
    node = f.node
    if node.kind is ANY:
        return merge_patch(current, value)
    if isinstance(current, dict) and isinstance(value, dict):
        if f.replace:
            return _fresh(value, f)
        return _merge_map(current, value, node if node.kind in _MAPLIKE else UNKNOWN_NODE)
    if isinstance(current, list) and isinstance(value, list) and f.merge:
        return _merge_list(current, value, f)
    return _fresh(value, f)


def _fresh(value: Any, f: Field) -> Any:
    """A patch value stored where there is nothing to merge it with: directives applied to an
    empty value, nulls in maps dropped. `_DROP` when the value deletes itself."""
    node = f.node
    if node.kind is ANY:
        return merge_patch(None, value)
    if isinstance(value, dict):
        directive = value.get(DIRECTIVE, _MISSING)
        if directive == "delete":
            return _DROP
        if directive is not _MISSING and directive not in ("replace", "merge"):
            raise _unknown_patch_type(directive, value)
        return _merge_map({}, value, node if node.kind in _MAPLIKE else UNKNOWN_NODE)
    if isinstance(value, list):
        item_field = _item_field(f)
        out = []
        for element in value:
            if isinstance(element, dict) and DIRECTIVE in element:
                continue  # a directive element has nothing to act on in a new list
            cleaned = _fresh(element, item_field)
            if cleaned is not _DROP:
                out.append(cleaned)
        return out
    return value


def _item_field(f: Field) -> Field:
    node = f.node
    if node.kind is ARRAY and node.items is not None:
        return Field(node.items)
    return UNKNOWN_FIELD


# ---------------------------------------------------------------------------
# Directives on maps


def _apply_retain_keys(orig: dict[str, Any], patch: dict[str, Any]) -> None:
    keep = patch.pop(RETAIN_KEYS)
    if not isinstance(keep, list):
        raise bad_request("invalid patch format of retainKeys")
    keys = {k for k in keep if isinstance(k, str)}
    for key, value in patch.items():
        if value is None or key.startswith((SET_ORDER_PREFIX, DELETE_PRIMITIVE_PREFIX)) or key == DIRECTIVE:
            continue
        if key not in keys:
            raise bad_request("invalid patch format of retainKeys")
    for key in [k for k in orig if k not in keys]:
        del orig[key]


def _apply_delete_from_primitive_list(orig: dict[str, Any], key: str, values: Any) -> None:
    name = key[len(DELETE_PRIMITIVE_PREFIX) :]
    if not name or not isinstance(values, list):
        raise bad_request("invalid patch format of primitive list")
    current = orig.get(name)
    if not isinstance(current, list):
        return
    doomed = _ScalarSet(values)
    orig[name] = [v for v in current if isinstance(v, dict | list) or v not in doomed]


def _apply_set_element_order(orig: dict[str, Any], patch: dict[str, Any], key: str, node: Node) -> None:
    order = patch.pop(key)
    name = key[len(SET_ORDER_PREFIX) :]
    if not name or not isinstance(order, list):
        raise bad_request("invalid patch format of setElementOrder list")
    f = node.child(name) if node.kind in _MAPLIKE else UNKNOWN_FIELD
    if not (f.merge and f.node.kind is ARRAY):
        return  # ordering is only defined for merge lists; the list itself merges as usual
    patch_list = patch.get(name, _MISSING)
    if patch_list is not _MISSING and not isinstance(patch_list, list):
        return  # e.g. `null`: the main loop deletes the list
    live = orig.get(name, _MISSING)
    live_list = live if isinstance(live, list) else None
    merge_key = f.merge_key
    _validate_order(patch_list if isinstance(patch_list, list) else [], order, merge_key)
    if live_list is None and patch_list is _MISSING:
        return
    if patch_list is _MISSING:
        merged = live_list or []
    else:
        merged = _merge_list(live_list if live_list is not None else [], patch_list, f)
        del patch[name]  # merged here: the main loop must not merge it again
    ordered_items, live_only = _partition(merged, order, merge_key)
    orig[name] = _normalize_order(ordered_items, live_only, order, live_list or [], merge_key)


def _validate_order(patch_list: list[Any], order: list[Any], merge_key: str) -> None:
    """The patch list's elements must appear in `order`, in the same relative order."""
    if not patch_list or not order:
        return
    items = patch_list
    if merge_key:
        for element in patch_list:
            if not isinstance(element, dict):
                raise bad_request(f"expected a map, but received a {_go_json_type(element)}: {_go(element)}")
        items = [e for e in patch_list if e.get(DIRECTIVE) != "delete"]
    i = j = 0
    while i < len(items) and j < len(order):
        element = items[i]
        if isinstance(element, dict) and DIRECTIVE in element:
            i += 1
            continue
        if _key_equal(element, order[j], merge_key):
            i += 1
        j += 1
    if i < len(items) and j >= len(order):
        raise bad_request(
            f"the order of the patch list {_go(patch_list)} doesn't match the {SET_ORDER_PREFIX[:-1]} list {_go(order)}"
        )


def _key_equal(left: Any, right: Any, merge_key: str) -> bool:
    if not merge_key:
        return _same(left, right)
    for m in (left, right):
        if not isinstance(m, dict):
            raise bad_request(f"expected a map, but received a {_go_json_type(m)}: {_go(m)}")
        if merge_key not in m:
            raise _no_merge_key(m, merge_key)
    return _same(left[merge_key], right[merge_key])


# ---------------------------------------------------------------------------
# Merge lists


def _merge_list(live: list[Any], patch_list: list[Any], f: Field) -> list[Any]:
    if not live and not patch_list:
        return live
    if _element_kind(live, patch_list) == "scalar":
        merged = _dedup([*live, *patch_list])
        in_patch, live_only = _partition(merged, patch_list, "")
        return _normalize_order(in_patch, live_only, patch_list, live, "")

    merge_key = f.merge_key
    if not merge_key:
        raise bad_request("cannot merge lists without merge key for type struct")
    element_node = f.node.items if f.node.kind is ARRAY and f.node.items is not None else UNKNOWN_NODE
    element_field = Field(element_node)

    # Directive elements first: deletions act on the live list, a replace marker replaces it.
    current = list(live)
    plain: list[dict[str, Any]] = []
    replace = False
    for element in patch_list:
        directive = element.get(DIRECTIVE, _MISSING)
        if directive is _MISSING:
            plain.append(element)
        elif directive == "delete":
            if merge_key not in element:
                raise _no_merge_key(element, merge_key)
            doomed = element[merge_key]
            current = [e for e in current if not (isinstance(e, dict) and _same(e.get(merge_key, _MISSING), doomed))]
        elif directive == "replace":
            replace = True
        elif directive == "merge":
            plain.append({k: v for k, v in element.items() if k != DIRECTIVE})
        else:
            raise _unknown_patch_type(directive, element)
    if replace:
        out = []
        for element in plain:
            cleaned = _fresh(element, element_field)
            if cleaned is not _DROP:
                out.append(cleaned)
        return out

    live_order = list(current)  # live elements after deletions: the order live-only items keep
    for element in plain:
        if merge_key not in element:
            raise _no_merge_key(element, merge_key)
        index = _find(current, merge_key, element[merge_key])
        if index >= 0:
            current[index] = _merge_map(
                current[index], element, element_node if element_node.kind in _MAPLIKE else UNKNOWN_NODE
            )
        else:
            cleaned = _fresh(element, element_field)
            if cleaned is not _DROP:
                current.append(cleaned)
    in_patch, live_only = _partition(current, plain, merge_key)
    return _normalize_order(in_patch, live_only, plain, live_order, merge_key)


def _element_kind(*lists: list[Any]) -> str:
    """Either "map" or "scalar"; lists of lists and lists mixing maps with scalars are errors."""
    kind = None
    for values in lists:
        for v in values:
            if isinstance(v, list):
                raise ApiError(422, "Invalid", _GENERIC_INVALID, {})  # upstream: "lists of lists are not supported"
            k = "map" if isinstance(v, dict) else "scalar"
            if kind is None:
                kind = k
            elif kind != k:
                raise bad_request(f"list element types are not identical: {_go(list(lists))}")
    return kind or "scalar"


def _find(items: list[Any], merge_key: str, value: Any) -> int:
    for i, item in enumerate(items):
        if isinstance(item, dict) and merge_key in item and _same(item[merge_key], value):
            return i
    return -1


def _dedup(values: list[Any]) -> list[Any]:
    seen = _ScalarSet(())
    out = []
    for v in values:
        if v in seen:
            continue
        seen.add(v)
        out.append(v)
    return out


# ---------------------------------------------------------------------------
# Ordering (apimachinery's normalizeElementOrder / mergeSortedSlice, re-derived)


class _Positions:
    """First index of each element (by merge key for maps, by value for scalars) in a list.
    Equality is Go's interface equality: same type and value (1 != 1.0 != True)."""

    def __init__(self, items: list[Any], merge_key: str) -> None:
        self.merge_key = merge_key
        self.index: dict[Any, int] = {}
        self.unhashable: list[tuple[Any, int]] = []
        for i, item in enumerate(items):
            key = self._key(item)
            try:
                self.index.setdefault(key, i)
            except TypeError:
                self.unhashable.append((key, i))

    def _key(self, item: Any) -> Any:
        value = item.get(self.merge_key, _MISSING) if self.merge_key and isinstance(item, dict) else item
        return (type(value), value)

    def of(self, item: Any) -> int:
        key = self._key(item)
        try:
            return self.index.get(key, -1)
        except TypeError:
            for k, i in self.unhashable:
                if k == key:
                    return i
            return -1


def _partition(items: list[Any], by: list[Any], merge_key: str) -> tuple[list[Any], list[Any]]:
    """Split `items` into those present in `by` and the others, keeping their order."""
    positions = _Positions(by, merge_key)
    present, absent = [], []
    for item in items:
        (present if positions.of(item) >= 0 else absent).append(item)
    return present, absent


def _normalize_order(
    in_patch: list[Any], live_only: list[Any], patch_order: list[Any], live_order: list[Any], merge_key: str
) -> list[Any]:
    """Patch items in patch order, live-only items in live order, then interleaved."""
    patch_pos = _Positions(patch_order, merge_key)
    live_pos = _Positions(live_order, merge_key)
    in_patch = sorted(in_patch, key=lambda item: _rank(patch_pos.of(item)))
    live_only = sorted(live_only, key=lambda item: _rank(live_pos.of(item)))
    return _merge_sorted(live_only, in_patch, live_pos)


def _rank(index: int) -> float:
    # Every item is found in practice (patch items in the patch, live-only items in the live
    # list); anything else keeps its place after the found ones (the sort is stable).
    return index if index >= 0 else float("inf")


def _merge_sorted(live_only: list[Any], in_patch: list[Any], live_pos: _Positions) -> list[Any]:
    """Interleave two already-ordered lists. A live-only item goes before the next patch item
    when both are in the live list and it comes first there; otherwise the patch item goes
    first. Live `[1, 2, 3]`, patch items `[3, 1]`, live-only `[2]`: 2 (live 1) vs 3 (live 2):
    take 2; then 3, 1 -> `[2, 3, 1]`."""
    out: list[Any] = []
    i = j = 0
    while i < len(live_only) and j < len(in_patch):
        li = live_pos.of(live_only[i])
        pj = live_pos.of(in_patch[j])
        if li >= 0 and pj >= 0 and li < pj:
            out.append(live_only[i])
            i += 1
        else:
            out.append(in_patch[j])
            j += 1
    out.extend(in_patch[j:])
    out.extend(live_only[i:])
    return out


# ---------------------------------------------------------------------------
# Helpers


class _ScalarSet:
    """A set of JSON scalars with Go's equality (type and value)."""

    def __init__(self, values: Any) -> None:
        self.items: set[tuple[type, Any]] = set()
        self.other: list[Any] = []
        for v in values:
            self.add(v)

    def add(self, v: Any) -> None:
        try:
            self.items.add((type(v), v))
        except TypeError:
            self.other.append(v)

    def __contains__(self, v: Any) -> bool:
        try:
            return (type(v), v) in self.items
        except TypeError:
            return any(type(o) is type(v) and o == v for o in self.other)


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _copy(value: Any) -> Any:
    try:
        return orjson.loads(orjson.dumps(value))
    except TypeError:
        import copy

        return copy.deepcopy(value)


def _go_json_type(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    if value is None:
        return "null"
    return "number"


def _go(value: Any) -> str:
    """Render a JSON value the way Go's `%v` prints a decoded one (`map[a:1 b:[x y]]`)."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_go(v) for v in value) + "]"
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    return str(value)


def _no_merge_key(element: Any, merge_key: str) -> ApiError:
    return bad_request(f"map: {_go(element)} does not contain declared merge key: {merge_key}")


def _unknown_patch_type(directive: Any, where: dict[str, Any]) -> ApiError:
    return bad_request(f"unknown patch type: {_go(directive)} in map: {_go(where)}")
