"""Label and field selectors, table-driven after apimachinery's selector_test.go cases."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kroll.api import errors, selectors
from kroll.api.selectors import (
    FieldSelector,
    LabelSelector,
    parse_field_selector,
    parse_label_selector,
    selector_from_object,
    selector_matches,
    selector_string,
    validate_label_selector,
)

KEY_MSG = ("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
           "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
           "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
             "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used "
             "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")


@pytest.mark.parametrize(("text", "canonical"), [
    ("", ""),
    ("x=a", "x=a"),
    ("x==a", "x==a"),
    ("x!=a", "x!=a"),
    ("  x  =  a  ", "x=a"),
    ("x=a,y=b", "x=a,y=b"),
    ("y=b,x=a", "x=a,y=b"),
    ("x=", "x="),
    ("x= ", "x="),
    ("x=,z= ", "x=,z="),
    ("x", "x"),
    ("!x", "!x"),
    ("x>1", "x>1"),
    ("x<1", "x<1"),
    ("x in (a)", "x in (a)"),
    ("x in (b,a)", "x in (a,b)"),
    ("x in (a,a,b)", "x in (a,b)"),
    ("x notin (a)", "x notin (a)"),
    ("x in ()", "x in ()"),
    ("x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()"),
    ("x in (,)", "x in ()"),
    ("x in (in)", "x in (in)"),
    ("a=b,c!=d,e in (x,y),f notin (z),g,!h", "a=b,c!=d,e in (x,y),f notin (z),g,!h"),
    ("example.com/app=web", "example.com/app=web"),
    ("x\tin\t(a)", "x in (a)"),
])
def test_parse_canonical(text: str, canonical: str) -> None:
    assert str(parse_label_selector(text)) == canonical


@pytest.mark.parametrize(("text", "message"), [
    ("x=a b", "found 'b', expected: ',' or 'end of string'"),
    ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
    ("x in b", "unable to parse requirement: found 'b' expected: '('"),
    ("x in (a", "unable to parse requirement: found '', expected: ',' or ')'"),
    ("x in (a b)", "unable to parse requirement: found 'b', expected: ',' or ')'"),
    (",x", "found ',', expected: !, identifier, or 'end of string'"),
    ("x,", "found '', expected: identifier after ','"),
    ("!x=a", "found '=', expected: ',' or 'end of string'"),
    ("!", "unable to parse requirement: found '', expected: identifier"),
    ("x=a)", "found ')', expected: ',' or 'end of string'"),
    ("x<a", "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value "
            "must be an integer"),
    ("-x=a", f'unable to parse requirement: <nil>: Invalid value: "-x": {KEY_MSG}'),
    ("x=a$", f'unable to parse requirement: values[0][x]: Invalid value: "a$": {VALUE_MSG}'),
])
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(errors.ApiError) as exc:
        parse_label_selector(text)
    assert exc.value.code == 400
    assert exc.value.reason == "BadRequest"
    assert exc.value.message == message


@pytest.mark.parametrize(("text", "labels", "want"), [
    ("", {}, True),
    ("", {"x": "y"}, True),
    ("x=y", {"x": "y"}, True),
    ("x=y", {"x": "z"}, False),
    ("x=y", {}, False),
    ("x!=y", {}, True),
    ("x!=y", {"x": "y"}, False),
    ("x=", {"x": ""}, True),
    ("x=", {}, False),
    ("x in (a,b)", {"x": "b"}, True),
    ("x in (a,b)", {"x": "c"}, False),
    ("x in (a,b)", {}, False),
    ("x notin (a,b)", {}, True),
    ("x notin (a,b)", {"x": "a"}, False),
    ("x", {"x": ""}, True),
    ("x", {"y": "1"}, False),
    ("!x", {"y": "1"}, True),
    ("!x", {"x": "1"}, False),
    ("x>1", {"x": "2"}, True),
    ("x>1", {"x": "1"}, False),
    ("x<1", {"x": "0"}, True),
    ("x<1", {"x": "a"}, False),
    ("x>1", {}, False),
    ("x=a,y=b", {"x": "a", "y": "b"}, True),
    ("x=a,y=b", {"x": "a"}, False),
    ("x=a,!y", {"x": "a"}, True),
])
def test_matches(text: str, labels: dict, want: bool) -> None:
    sel = parse_label_selector(text)
    assert sel.matches(labels) is want
    assert sel(labels) is want


def test_matches_none_labels() -> None:
    assert parse_label_selector("!x").matches(None)
    assert not parse_label_selector("x").matches(None)


def test_parse_is_cached_and_immutable() -> None:
    assert parse_label_selector("a=b,c=d") is parse_label_selector("a=b,c=d")
    assert parse_label_selector("a=b") == LabelSelector([("a", "=", ("b",))])
    assert hash(parse_label_selector("a=b")) == hash(LabelSelector([("a", "=", ("b",))]))


def test_requires_exact_match() -> None:
    sel = parse_label_selector("app=web,tier in (a),x in (b,c),!y")
    assert sel.requires_exact_match("app") == "web"
    assert sel.requires_exact_match("tier") == "a"
    assert sel.requires_exact_match("x") is None
    assert sel.requires_exact_match("missing") is None


# ---- LabelSelector objects (metav1.LabelSelectorAsSelector)

@pytest.mark.parametrize(("obj", "string"), [
    ({"matchLabels": {"app": "nginx"}}, "app=nginx"),
    ({"matchLabels": {"tier": "a", "app": "nginx"}}, "app=nginx,tier=a"),
    ({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]}]}, "tier in (a,b)"),
    ({"matchLabels": {"app": "nginx"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}]},
     "app=nginx,tier in (a,b)"),
    ({"matchExpressions": [{"key": "z", "operator": "Exists"}, {"key": "a", "operator": "DoesNotExist"},
                           {"key": "m", "operator": "NotIn", "values": ["x"]}]}, "!a,m notin (x),z"),
    ({}, ""),
    (None, ""),
])
def test_selector_string(obj: dict | None, string: str) -> None:
    assert selector_string(obj) == string


def test_nil_selector_matches_nothing_empty_matches_everything() -> None:
    assert selector_from_object(None).matches({}) is False
    assert selector_from_object(None).empty() is False
    assert selector_from_object({}).matches({"a": "b"}) is True
    assert selector_from_object({}).empty() is True
    assert selector_from_object({"matchLabels": {}, "matchExpressions": []}).empty()


@pytest.mark.parametrize(("obj", "labels", "want"), [
    ({"matchLabels": {"app": "x"}}, {"app": "x", "pod-template-hash": "1"}, True),
    ({"matchLabels": {"app": "x"}}, {"app": "y"}, False),
    ({"matchExpressions": [{"key": "app", "operator": "In", "values": ["x", "y"]}]}, {"app": "y"}, True),
    ({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["x"]}]}, {}, True),
    ({"matchExpressions": [{"key": "app", "operator": "Exists"}]}, {}, False),
    ({"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]}, {}, True),
    ({"matchExpressions": [{"key": "app", "operator": "Bogus"}]}, {}, False),
])
def test_selector_matches(obj: dict, labels: dict, want: bool) -> None:
    assert selector_matches(obj, labels) is want


def test_selector_from_object_errors() -> None:
    with pytest.raises(errors.ApiError) as exc:
        selector_from_object({"matchExpressions": [{"key": "a", "operator": "Bogus"}]})
    assert exc.value.message == '"Bogus" is not a valid label selector operator'
    with pytest.raises(errors.ApiError) as exc:
        selector_from_object({"matchExpressions": [{"key": "a", "operator": "In", "values": []}]})
    assert exc.value.message == ("values: Invalid value: []: for 'in', 'notin' operators, values set can't be "
                                 "empty")


@pytest.mark.parametrize(("sel", "messages"), [
    ({"matchLabels": {"app": "x"}}, []),
    ({"matchLabels": {"-bad": "x"}}, [f'spec.selector.matchLabels: Invalid value: "-bad": {KEY_MSG}']),
    ({"matchLabels": {"app": "x y"}}, [f'spec.selector.matchLabels: Invalid value: "x y": {VALUE_MSG}']),
    ({"matchExpressions": [{"key": "a", "operator": "In"}]},
     ["spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or "
      "'NotIn'"]),
    ({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
     ["spec.selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or "
      "'DoesNotExist'"]),
    ({"matchExpressions": [{"key": "a", "operator": "Equals", "values": ["x"]}]},
     ['spec.selector.matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator']),
    ({"matchExpressions": [{"key": "a", "operator": "In", "values": ["x y"]}]},
     [f'spec.selector.matchExpressions[0].values[0]: Invalid value: "x y": {VALUE_MSG}']),
    ("garbage", ['spec.selector: Invalid value: "garbage": must be an object']),
])
def test_validate_label_selector(sel: object, messages: list[str]) -> None:
    assert [e.message() for e in validate_label_selector(sel, "spec.selector")] == messages


# ---- field selectors

@pytest.mark.parametrize(("text", "terms"), [
    ("", ()),
    ("metadata.name=x", (("metadata.name", "=", "x"),)),
    ("metadata.name==x", (("metadata.name", "=", "x"),)),
    ("spec.nodeName!=", (("spec.nodeName", "!=", ""),)),
    ("metadata.name=x,spec.nodeName!=", (("metadata.name", "=", "x"), ("spec.nodeName", "!=", ""))),
    ("spec.nodeName!=,metadata.name=x", (("metadata.name", "=", "x"), ("spec.nodeName", "!=", ""))),
    ("a=b\\,c", (("a", "=", "b,c"),)),
    ("a=b\\=c\\\\", (("a", "=", "b=c\\"),)),
    ("a=b,", (("a", "=", "b"),)),
])
def test_parse_field_selector(text: str, terms: tuple) -> None:
    assert parse_field_selector(text).terms == terms


@pytest.mark.parametrize(("text", "message"), [
    ("a", "invalid selector: 'a'; can't understand 'a'"),
    ("a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'"),
    ("a=b=c", "invalid field selector: unescaped character in value: ="),
    ("a=b\\x", "invalid field selector: invalid escape sequence: \\x"),
])
def test_field_selector_errors(text: str, message: str) -> None:
    with pytest.raises(errors.ApiError) as exc:
        parse_field_selector(text)
    assert exc.value.code == 400
    assert exc.value.message == message


def test_field_selector_unsupported_field() -> None:
    with pytest.raises(errors.ApiError) as exc:
        parse_field_selector("spec.foo=x", {"metadata.name", "metadata.namespace"})
    assert exc.value.message == "field label not supported: spec.foo"
    assert parse_field_selector("metadata.name=x", {"metadata.name"}).fields() == ["metadata.name"]


@pytest.mark.parametrize(("text", "fields", "want"), [
    ("metadata.name=x", {"metadata.name": "x"}, True),
    ("metadata.name=x", {"metadata.name": "y"}, False),
    ("spec.nodeName!=", {"spec.nodeName": "n1"}, True),
    ("spec.nodeName!=", {"spec.nodeName": ""}, False),
    ("spec.nodeName=", {}, True),
    ("metadata.name=x,status.phase!=Failed", {"metadata.name": "x", "status.phase": "Running"}, True),
    ("metadata.name=x,status.phase!=Failed", {"metadata.name": "x", "status.phase": "Failed"}, False),
])
def test_field_selector_matches(text: str, fields: dict, want: bool) -> None:
    assert parse_field_selector(text).matches(fields) is want


def test_field_selector_string_round_trip() -> None:
    sel = parse_field_selector("b=x\\,y,a!=z")
    assert str(sel) == "a!=z,b=x\\,y"
    assert parse_field_selector(str(sel)) == sel
    assert FieldSelector().matches(None)
    assert sel.requires_exact_match("b") == "x,y"


# ---- properties

_alnum = st.sampled_from("abcxyzABC019")
_inner = st.sampled_from("abcxyz019-_.")
_name = st.one_of(_alnum, st.builds(lambda a, mid, b: a + mid + b, _alnum, st.text(_inner, max_size=6), _alnum))
_key = st.one_of(_name, st.builds(lambda p, n: f"{p}/{n}", st.sampled_from(["example.com", "k8s.io", "a"]), _name))
_value = st.one_of(st.just(""), _name)
_requirement = st.one_of(
    st.tuples(_key, st.sampled_from(["=", "==", "!="]), st.lists(_value, min_size=1, max_size=1)),
    st.tuples(_key, st.sampled_from(["in", "notin"]), st.lists(_value, min_size=1, max_size=4)),
    st.tuples(_key, st.sampled_from(["exists", "!"]), st.just([])),
    st.tuples(_key, st.sampled_from(["gt", "lt"]), st.lists(st.integers(0, 99).map(str), min_size=1,
                                                            max_size=1)),
)


def _render(key: str, op: str, values: list[str]) -> str:
    if op == "exists":
        return key
    if op == "!":
        return "!" + key
    if op in ("in", "notin"):
        return f"{key} {op} ({','.join(values)})"
    return key + {"gt": ">", "lt": "<"}.get(op, op) + values[0]


def _reference_match(reqs: list, labels: dict) -> bool:
    for key, op, values in reqs:
        present, value = key in labels, labels.get(key)
        if op in ("=", "==", "in"):
            ok = present and value in values
        elif op in ("!=", "notin"):
            ok = not present or value not in values
        elif op == "exists":
            ok = present
        elif op == "!":
            ok = not present
        else:
            try:
                n = int(value) if present else None
            except ValueError:
                n = None
            ok = n is not None and (n > int(values[0]) if op == "gt" else n < int(values[0]))
        if not ok:
            return False
    return True


@settings(max_examples=300, deadline=None)
@given(st.lists(_requirement, max_size=5), st.dictionaries(_key, st.one_of(_value, st.integers(-99, 99).map(str)),
                                                           max_size=5))
def test_round_trip_and_matching(reqs: list, labels: dict) -> None:
    text = ",".join(_render(*r) for r in reqs)
    parsed = parse_label_selector(text)
    # the printed form is canonical: re-parsing it gives the same selector and prints the same
    again = parse_label_selector(str(parsed))
    assert again == parsed
    assert str(again) == str(parsed)
    assert parsed.matches(labels) is _reference_match(reqs, labels)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_key, _value, max_size=4),
       st.lists(st.tuples(_key, st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"]),
                          st.lists(_value, min_size=1, max_size=3)), max_size=3))
def test_object_string_parses_to_same_selector(match_labels: dict, exprs: list) -> None:
    obj = {"matchLabels": match_labels, "matchExpressions": [
        {"key": k, "operator": op, **({"values": vs} if op in ("In", "NotIn") else {})} for k, op, vs in exprs]}
    compiled = selector_from_object(obj)
    assert parse_label_selector(str(compiled)).requirements == tuple(
        (k, op, tuple(sorted(set(v)))) for k, op, v in compiled.requirements)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["metadata.name", "spec.nodeName", "status.phase"]),
                          st.sampled_from(["=", "!="]), st.text(st.sampled_from("ab,=\\ x"), max_size=5)),
                max_size=3))
def test_field_selector_round_trip(terms: list) -> None:
    text = ",".join(f"{f}{op}{selectors.escape_field_value(v)}" for f, op, v in terms)
    parsed = parse_field_selector(text)
    assert sorted(parsed.terms) == sorted((f, op, v) for f, op, v in terms)
    assert parse_field_selector(str(parsed)) == parsed
