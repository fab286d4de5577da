"""JSON merge patch (RFC 7386): the RFC's examples, request-level errors, and its laws."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kroll.api.errors import ApiError
from kroll.api.patch.merge import apply_merge_patch, merge_patch

# (original, patch, expected): the example table of RFC 7386 appendix A
RFC_CASES = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("original", "patch", "expected"), RFC_CASES)
def test_rfc7386_examples(original, patch, expected):
    assert merge_patch(original, patch) == expected


@pytest.mark.parametrize(
    ("original", "patch", "expected"),
    [
        # what kubectl sends
        ({"spec": {"replicas": 1}}, {"spec": {"replicas": 5}}, {"spec": {"replicas": 5}}),
        (
            {"metadata": {"annotations": {"a": "1", "b": "2"}}},
            {"metadata": {"annotations": {"kubernetes.io/change-cause": "x", "a": None}}},
            {"metadata": {"annotations": {"b": "2", "kubernetes.io/change-cause": "x"}}},
        ),
        (
            {"metadata": {"labels": {"app": "x"}}},
            {"metadata": {"labels": {"tier": "fe"}}},
            {"metadata": {"labels": {"app": "x", "tier": "fe"}}},
        ),
        # lists are replaced, never merged
        (
            {"spec": {"c": [{"name": "a"}, {"name": "b"}]}},
            {"spec": {"c": [{"name": "b"}]}},
            {"spec": {"c": [{"name": "b"}]}},
        ),
        # patch with no effect
        ({"a": 1}, {}, {"a": 1}),
        ({"a": 1}, {"b": None}, {"a": 1}),
    ],
)
def test_kubernetes_shaped_patches(original, patch, expected):
    assert merge_patch(original, patch) == expected


def test_apply_merge_patch_rejects_non_object_bodies():
    assert apply_merge_patch({"a": 1}, {"b": 2}) == {"a": 1, "b": 2}
    for body in (None, "x", 3, True):
        with pytest.raises(ApiError) as e:
            apply_merge_patch({"a": 1}, body)
        assert (e.value.code, e.value.reason, e.value.message) == (400, "BadRequest", "Invalid JSON Patch")
    with pytest.raises(ApiError) as e:
        apply_merge_patch({"a": 1}, [1])
    assert (e.value.code, e.value.reason) == (422, "Invalid")


def test_inputs_untouched_and_nothing_shared():
    original = {"a": {"b": [1, {"c": 2}]}, "d": {"e": 1}}
    patch = {"a": {"x": [{"y": 1}]}, "d": {"e": None}}
    original_copy, patch_copy = copy.deepcopy(original), copy.deepcopy(patch)
    out = merge_patch(original, patch)
    assert out == {"a": {"b": [1, {"c": 2}], "x": [{"y": 1}]}, "d": {}}
    out["a"]["b"][1]["c"] = 99
    out["a"]["x"][0]["y"] = 99
    assert original == original_copy
    assert patch == patch_copy


# ---------------------------------------------------------------------------
# Laws

_keys = st.sampled_from(["a", "b", "c", "d", "e"])
_scalars = st.one_of(st.integers(-3, 3), st.text(alphabet="pq", max_size=2), st.booleans())
_values = st.recursive(
    _scalars | st.lists(_scalars, max_size=3),
    lambda children: st.dictionaries(_keys, children, max_size=4) | st.lists(children, max_size=2),
    max_leaves=15,
)
# JSON documents without nulls (a null in a document cannot be told apart from "delete")
_docs = st.dictionaries(_keys, _values, max_size=5)
_patches = st.recursive(
    st.dictionaries(_keys, st.one_of(_scalars, st.none(), st.lists(_scalars, max_size=2)), max_size=4),
    lambda children: st.dictionaries(_keys, st.one_of(_scalars, st.none(), children), max_size=4),
    max_leaves=15,
)


def make_merge_patch(source: Any, target: Any) -> Any:
    """The smallest merge patch turning `source` into `target` (test oracle)."""
    if not (isinstance(source, dict) and isinstance(target, dict)):
        return copy.deepcopy(target)
    patch: dict[str, Any] = {}
    for key in source:
        if key not in target:
            patch[key] = None
    for key, value in target.items():
        if key not in source:
            patch[key] = copy.deepcopy(value)
        elif source[key] != value:
            patch[key] = make_merge_patch(source[key], value)
    return patch


def has_null_in_objects(value: Any) -> bool:
    if isinstance(value, dict):
        return any(v is None or has_null_in_objects(v) for v in value.values())
    return False


@settings(deadline=None, max_examples=200)
@given(_docs, _docs)
def test_patch_of_a_diff_reproduces_the_target(source, target):
    assert merge_patch(source, make_merge_patch(source, target)) == target


@settings(deadline=None, max_examples=200)
@given(_docs, _patches)
def test_idempotent(doc, patch):
    once = merge_patch(doc, patch)
    assert merge_patch(once, patch) == once


@settings(deadline=None, max_examples=200)
@given(_docs, _patches)
def test_empty_patch_is_identity_and_result_has_no_nulls(doc, patch):
    assert merge_patch(doc, {}) == doc
    assert not has_null_in_objects(merge_patch(doc, patch))


@settings(deadline=None, max_examples=200)
@given(_docs, _patches, _patches)
def test_patches_on_disjoint_keys_commute(doc, p1, p2):
    p2 = {k: v for k, v in p2.items() if k not in p1}
    assert merge_patch(merge_patch(doc, p1), p2) == merge_patch(merge_patch(doc, p2), p1)


@settings(deadline=None, max_examples=200)
@given(_docs, _patches)
def test_never_mutates(doc, patch):
    doc_copy, patch_copy = copy.deepcopy(doc), copy.deepcopy(patch)
    merge_patch(doc, patch)
    assert doc == doc_copy
    assert patch == patch_copy
