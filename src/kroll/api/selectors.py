"""Label and field selectors: parsing, matching, printing, validation.

Label selectors follow apimachinery's `labels.Parse` grammar (pkg/labels/selector.go):

    a=b, a==b, a!=b, a in (x,y), a notin (x), a, !a, a>3, a<3     (comma = AND)

Whitespace separates tokens and is otherwise ignored; `in`/`notin` are keywords only in
operator position (`x in (in)` is fine). Values inside `( )` form a set (sorted, duplicates
dropped, `()` is the set of the empty string). Requirements are kept sorted by key, so
`String()` is canonical: `tier in (a,b),app=x` prints as `app=x,tier in (a,b)`.

A `LabelSelector` object (`matchLabels` + `matchExpressions`) converts the way
`metav1.LabelSelectorAsSelector` does: `None` selects nothing, `{}` selects everything,
matchLabels become `=` requirements and In/NotIn/Exists/DoesNotExist map onto
`in`/`notin`/exists/`!`. Its string form is what kubectl and the Scale subresource print.

Field selectors follow pkg/fields/selector.go: comma-separated `field=value`, `field==value`,
`field!=value` terms with `\\`, `\\,` and `\\=` escapes in values; a missing field reads
as "". Which fields a kind supports is the strategy's business (`field label not
supported: spec.foo`).

Matching is compiled once into closures over plain dicts; parsed selectors are immutable
and cached, so repeated list/watch calls with the same selector string cost a dict lookup.
Errors are `ApiError` 400 (`bad_request`) with upstream's messages.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import orjson

from kroll.api import errors
from kroll.api.errors import FieldError

# selection.Operator values
EQUALS = "="
DOUBLE_EQUALS = "=="
NOT_EQUALS = "!="
IN = "in"
NOT_IN = "notin"
EXISTS = "exists"
DOES_NOT_EXIST = "!"
GREATER_THAN = "gt"
LESS_THAN = "lt"

_BINARY_OPERATORS = (IN, NOT_IN, EQUALS, DOUBLE_EQUALS, NOT_EQUALS, GREATER_THAN, LESS_THAN)
_VALID_OPERATORS = (*_BINARY_OPERATORS, EXISTS, DOES_NOT_EXIST)


# ----------------------------------------------------------------------------------------------
# Name rules used by selectors (kept here, not in validation.py, so validation can import us)

def _regex_error(msg: str, fmt: str, *examples: str) -> str:
    """apimachinery's RegexError: `msg (e.g. 'a',  or 'b', regex used for validation is 'fmt')`."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    return msg + " (e.g. " + " or ".join(f"'{e}', " for e in examples) + f"regex used for validation is '{fmt}')"


def _max_len_error(n: int) -> str:
    return f"must be no more than {n} characters"


_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL_FMT + "(\\." + _DNS1123_LABEL_FMT + ")*"
_DNS1123_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                          "'-' or '.', and must start and end with an alphanumeric character")
_LABEL_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_KEY_MSG = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
                  "alphanumeric character")
_LABEL_VALUE_FMT = "(" + _LABEL_KEY_FMT + ")?"
_LABEL_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
                    "and must start and end with an alphanumeric character")

_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_LABEL_EXT = _ALNUM | frozenset("-_.")
_LOWER_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_LOWER_LABEL_EXT = _LOWER_ALNUM | frozenset("-")


def _is_label_chars(s: str) -> bool:
    """Matches ^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$ (non-empty)."""
    return bool(s) and s[0] in _ALNUM and s[-1] in _ALNUM and all(c in _LABEL_EXT for c in s)


def _is_dns_label_chars(s: str) -> bool:
    return bool(s) and s[0] in _LOWER_ALNUM and s[-1] in _LOWER_ALNUM and all(c in _LOWER_LABEL_EXT for c in s)


def _is_dns_subdomain_chars(s: str) -> bool:
    return all(_is_dns_label_chars(part) for part in s.split("."))


def dns1123_subdomain_errors(value: str) -> list[str]:
    errs = []
    if len(value) > 253:
        errs.append(_max_len_error(253))
    if not _is_dns_subdomain_chars(value):
        errs.append(_regex_error(_DNS1123_SUBDOMAIN_MSG, _DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


@functools.lru_cache(maxsize=4096)
def _label_key_errors(value: str) -> tuple[str, ...]:
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + m for m in dns1123_subdomain_errors(prefix))
    else:
        return ("a valid label key " + _regex_error(_LABEL_KEY_MSG, _LABEL_KEY_FMT, "MyName", "my.name", "123-abc")
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",)
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part " + _max_len_error(63))
    if not _is_label_chars(name):
        errs.append("name part " + _regex_error(_LABEL_KEY_MSG, _LABEL_KEY_FMT, "MyName", "my.name", "123-abc"))
    return tuple(errs)


def label_key_errors(value: str) -> list[str]:
    """IsLabelKey / IsQualifiedName: `[prefix/]name`, name ≤ 63 characters."""
    return list(_label_key_errors(value))


@functools.lru_cache(maxsize=4096)
def _label_value_errors(value: str) -> tuple[str, ...]:
    errs = []
    if len(value) > 63:
        errs.append(_max_len_error(63))
    if value and not _is_label_chars(value):
        errs.append(_regex_error(_LABEL_VALUE_MSG, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return tuple(errs)


def label_value_errors(value: str) -> list[str]:
    """IsValidLabelValue: empty, or label characters, ≤ 63."""
    return list(_label_value_errors(value))


# ----------------------------------------------------------------------------------------------
# Requirements and compiled label selectors

def _req_string(key: str, op: str, values: tuple[str, ...]) -> str:
    if op == DOES_NOT_EXIST:
        return "!" + key
    if op == EXISTS:
        return key
    if op in (IN, NOT_IN):
        return f"{key} {op} ({','.join(sorted(values))})"
    sym = {EQUALS: "=", DOUBLE_EQUALS: "==", NOT_EQUALS: "!=", GREATER_THAN: ">", LESS_THAN: "<"}[op]
    return key + sym + (values[0] if len(values) == 1 else ",".join(sorted(values)))


def _parse_int(s: Any) -> int | None:
    """Go's strconv.ParseInt(s, 10, 64): optional sign, decimal digits, 64-bit range."""
    if not isinstance(s, str) or not s:
        return None
    body = s[1:] if s[0] in "+-" else s
    if not body.isdigit() or not body.isascii():
        return None
    n = int(s)
    return n if -(1 << 63) <= n < (1 << 63) else None


def _compile_requirement(key: str, op: str, values: tuple[str, ...]) -> Callable[[Mapping[str, str]], bool]:
    if op in (EQUALS, DOUBLE_EQUALS, IN):
        if len(values) == 1:
            want = values[0]
            return lambda labels: labels.get(key) == want
        wanted = frozenset(values)

        def match_in(labels: Mapping[str, str]) -> bool:
            value = labels.get(key)
            return value is not None and value in wanted
        return match_in
    if op in (NOT_EQUALS, NOT_IN):
        if len(values) == 1:
            unwanted = values[0]
            return lambda labels: labels.get(key) != unwanted
        unwanted_set = frozenset(values)
        return lambda labels: labels.get(key) not in unwanted_set
    if op == EXISTS:
        return lambda labels: key in labels
    if op == DOES_NOT_EXIST:
        return lambda labels: key not in labels
    if op in (GREATER_THAN, LESS_THAN):
        bound = _parse_int(values[0]) if len(values) == 1 else None
        if bound is None:
            return lambda labels: False
        greater = op == GREATER_THAN

        def match_cmp(labels: Mapping[str, str]) -> bool:
            n = _parse_int(labels.get(key))
            if n is None:
                return False
            return n > bound if greater else n < bound
        return match_cmp
    return lambda labels: False


class LabelSelector:
    """A parsed label selector: an AND of requirements, sorted by key.

    `nothing=True` is `labels.Nothing()` (what a nil LabelSelector converts to): it matches
    no object and prints as "".
    """

    __slots__ = ("_match", "nothing", "requirements")

    def __init__(self, requirements: Iterable[tuple[str, str, tuple[str, ...]]] = (), *, nothing: bool = False):
        reqs = tuple(sorted(requirements, key=lambda r: r[0]))
        self.requirements: tuple[tuple[str, str, tuple[str, ...]], ...] = reqs
        self.nothing = nothing
        if nothing:
            self._match: Callable[[Mapping[str, str]], bool] = lambda labels: False
        elif not reqs:
            self._match = lambda labels: True
        elif len(reqs) == 1:
            self._match = _compile_requirement(*reqs[0])
        else:
            funcs = tuple(_compile_requirement(*r) for r in reqs)

            def match_all(labels: Mapping[str, str]) -> bool:
                # a plain loop: about twice as fast as all() over a generator
                for f in funcs:  # noqa: SIM110
                    if not f(labels):
                        return False
                return True
            self._match = match_all

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        return self._match(labels or {})

    def __call__(self, labels: Mapping[str, str] | None) -> bool:
        return self._match(labels or {})

    def empty(self) -> bool:
        """True when the selector does not restrict anything (Everything)."""
        return not self.nothing and not self.requirements

    def requires_exact_match(self, key: str) -> str | None:
        """The single value `key` must have (`k=v`, `k==v`, `k in (v)`), if the selector says so."""
        for k, op, values in self.requirements:
            if k == key:
                if op in (EQUALS, DOUBLE_EQUALS, IN) and len(values) == 1:
                    return values[0]
                return None
        return None

    def __str__(self) -> str:
        if self.nothing:
            return ""
        return ",".join(_req_string(*r) for r in self.requirements)

    def __repr__(self) -> str:
        return f"LabelSelector({str(self)!r}{', nothing=True' if self.nothing else ''})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, LabelSelector) and self.requirements == other.requirements
                and self.nothing == other.nothing)

    def __hash__(self) -> int:
        return hash((self.requirements, self.nothing))


EVERYTHING = LabelSelector()
NOTHING = LabelSelector(nothing=True)


def _requirement_errors(key: str, op: str, values: list[str], path: str) -> list[FieldError]:
    """NewRequirement's checks. `path` "" reproduces the parser's unrooted paths."""
    errs: list[FieldError] = []

    def child(name: str) -> str:
        return f"{path}.{name}" if path else name

    key_errs = label_key_errors(key)
    if key_errs:
        errs.append(errors.invalid(child("key"), key, "; ".join(key_errs)))
    vpath = child("values")
    if op in (IN, NOT_IN):
        if not values:
            errs.append(errors.invalid(vpath, values, "for 'in', 'notin' operators, values set can't be empty"))
    elif op in (EQUALS, DOUBLE_EQUALS, NOT_EQUALS):
        if len(values) != 1:
            errs.append(errors.invalid(vpath, values, "exact-match compatibility requires one single value"))
    elif op in (EXISTS, DOES_NOT_EXIST):
        if values:
            errs.append(errors.invalid(vpath, values, "values set must be empty for exists and does not exist"))
    elif op in (GREATER_THAN, LESS_THAN):
        if len(values) != 1:
            errs.append(errors.invalid(vpath, values, "for 'Gt', 'Lt' operators, exactly one value is required"))
        for i, v in enumerate(values):
            if _parse_int(v) is None:
                errs.append(errors.invalid(f"{vpath}[{i}]", v, "for 'Gt', 'Lt' operators, the value must be an integer"))
    else:
        errs.append(errors.not_supported(child("operator"), op, _VALID_OPERATORS))
    for i, v in enumerate(values):
        v_errs = label_value_errors(v)
        if v_errs:
            errs.append(errors.invalid(f"{vpath}[{i}][{key}]", v, "; ".join(v_errs)))
    return errs


def _aggregate(errs: list[FieldError]) -> str:
    """utilerrors.Aggregate's Error(): one message bare, several de-duplicated in brackets."""
    msgs = list(dict.fromkeys(e.message() for e in errs))
    return msgs[0] if len(msgs) == 1 else "[" + ", ".join(msgs) + "]"


# ----------------------------------------------------------------------------------------------
# The label selector lexer and parser (query-string grammar)

_T_ERROR, _T_END, _T_CLOSE, _T_COMMA, _T_NOT, _T_DEQ, _T_EQ, _T_GT, _T_ID, _T_IN, _T_LT, _T_NEQ, _T_NOTIN, _T_OPEN = \
    range(14)
_LITERALS = {")": _T_CLOSE, ",": _T_COMMA, "!": _T_NOT, "==": _T_DEQ, "=": _T_EQ, ">": _T_GT, "in": _T_IN,
             "<": _T_LT, "!=": _T_NEQ, "notin": _T_NOTIN, "(": _T_OPEN}
_SPECIAL = frozenset("=!(),><")
_WHITESPACE = frozenset(" \t\r\n")


def _lex(s: str) -> list[tuple[int, str]]:
    items: list[tuple[int, str]] = []
    i, n = 0, len(s)
    while True:
        while i < n and s[i] in _WHITESPACE:
            i += 1
        if i >= n:
            items.append((_T_END, ""))
            return items
        ch = s[i]
        if ch in _SPECIAL:
            # longest run of special characters that still forms a known operator
            j = i
            buf = ""
            last: tuple[int, str] | None = None
            while j < n and s[j] in _SPECIAL:
                buf += s[j]
                tok = _LITERALS.get(buf)
                if tok is not None:
                    last = (tok, buf)
                elif last is not None:
                    break
                j += 1
            if last is None:
                items.append((_T_ERROR, f"error expected: keyword found '{buf}'"))
                i = j
            else:
                items.append(last)
                i += len(last[1])
        else:
            j = i
            while j < n and s[j] not in _SPECIAL and s[j] not in _WHITESPACE:
                j += 1
            word = s[i:j]
            items.append((_LITERALS.get(word, _T_ID), word))
            i = j


class _ParseError(Exception):
    pass


class _Parser:
    def __init__(self, s: str):
        self.items = _lex(s)
        self.pos = 0

    def lookahead(self, values: bool) -> tuple[int, str]:
        tok, lit = self.items[self.pos]
        if values and tok in (_T_IN, _T_NOTIN):
            tok = _T_ID
        return tok, lit

    def consume(self, values: bool) -> tuple[int, str]:
        tok, lit = self.lookahead(values)
        self.pos += 1
        return tok, lit

    def parse(self) -> list[tuple[str, str, tuple[str, ...]]]:
        reqs: list[tuple[str, str, tuple[str, ...]]] = []
        while True:
            tok, lit = self.lookahead(True)
            if tok in (_T_ID, _T_NOT):
                try:
                    reqs.append(self.requirement())
                except _ParseError as exc:
                    raise _ParseError(f"unable to parse requirement: {exc}")
                t, lit2 = self.consume(True)
                if t == _T_END:
                    return reqs
                if t == _T_COMMA:
                    t2, l2 = self.lookahead(True)
                    if t2 not in (_T_ID, _T_NOT):
                        raise _ParseError(f"found '{l2}', expected: identifier after ','")
                else:
                    raise _ParseError(f"found '{lit2}', expected: ',' or 'end of string'")
            elif tok == _T_END:
                return reqs
            else:
                raise _ParseError(f"found '{lit}', expected: !, identifier, or 'end of string'")

    def requirement(self) -> tuple[str, str, tuple[str, ...]]:
        op = ""
        tok, lit = self.consume(True)
        if tok == _T_NOT:
            op = DOES_NOT_EXIST
            tok, lit = self.consume(True)
        if tok != _T_ID:
            raise _ParseError(f"found '{lit}', expected: identifier")
        key = lit
        key_errs = label_key_errors(key)
        if key_errs:
            raise _ParseError(errors.invalid("<nil>", key, "; ".join(key_errs)).message())
        t, _ = self.lookahead(True)
        if t in (_T_END, _T_COMMA):
            op = op or EXISTS
        if op in (EXISTS, DOES_NOT_EXIST):
            return self.checked(key, op, [])
        tok, lit = self.consume(False)
        op = {_T_IN: IN, _T_EQ: EQUALS, _T_DEQ: DOUBLE_EQUALS, _T_GT: GREATER_THAN, _T_LT: LESS_THAN,
              _T_NOTIN: NOT_IN, _T_NEQ: NOT_EQUALS}.get(tok, "")
        if not op:
            raise _ParseError(f"found '{lit}', expected: {', '.join(_BINARY_OPERATORS)}")
        values = self.values() if op in (IN, NOT_IN) else self.exact_value()
        return self.checked(key, op, sorted(values))

    @staticmethod
    def checked(key: str, op: str, values: list[str]) -> tuple[str, str, tuple[str, ...]]:
        errs = _requirement_errors(key, op, values, "")
        if errs:
            raise _ParseError(_aggregate(errs))
        return key, op, tuple(values)

    def values(self) -> set[str]:
        tok, lit = self.consume(True)
        if tok != _T_OPEN:
            raise _ParseError(f"found '{lit}' expected: '('")
        tok, lit = self.lookahead(True)
        if tok in (_T_ID, _T_COMMA):
            found = self.identifiers()
            if self.consume(True)[0] != _T_CLOSE:
                raise _ParseError(f"found '{lit}', expected: ')'")
            return found
        if tok == _T_CLOSE:
            self.consume(True)
            return {""}
        raise _ParseError(f"found '{lit}', expected: ',', ')' or identifier")

    def identifiers(self) -> set[str]:
        found: set[str] = set()
        while True:
            tok, lit = self.consume(True)
            if tok == _T_ID:
                found.add(lit)
                t2, l2 = self.lookahead(True)
                if t2 == _T_COMMA:
                    continue
                if t2 == _T_CLOSE:
                    return found
                raise _ParseError(f"found '{l2}', expected: ',' or ')'")
            if tok == _T_COMMA:
                if not found:
                    found.add("")  # "(,"
                t2, _ = self.lookahead(True)
                if t2 in (_T_CLOSE, _T_COMMA):
                    found.add("")  # ",)" and ",,"
                    if t2 == _T_CLOSE:
                        return found
                continue
            raise _ParseError(f"found '{lit}', expected: ',', or identifier")

    def exact_value(self) -> set[str]:
        tok, _ = self.lookahead(True)
        if tok in (_T_END, _T_COMMA):
            return {""}
        tok, lit = self.consume(True)
        if tok == _T_ID:
            return {lit}
        raise _ParseError(f"found '{lit}', expected: identifier")


@functools.lru_cache(maxsize=1024)
def _parse_label_selector(selector: str) -> LabelSelector:
    try:
        reqs = _Parser(selector).parse()
    except _ParseError as exc:
        raise errors.bad_request(str(exc))
    return LabelSelector(reqs)


def parse_label_selector(selector: str | None) -> LabelSelector:
    """Parse the `labelSelector` query grammar; raises ApiError 400 with upstream's message."""
    if not selector:
        return EVERYTHING
    return _parse_label_selector(selector)


# ----------------------------------------------------------------------------------------------
# metav1.LabelSelector objects

_EXPR_OPS = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS, "DoesNotExist": DOES_NOT_EXIST}


def _selector_key(sel: Any) -> str:
    return orjson.dumps(sel, option=orjson.OPT_SORT_KEYS).decode()


def selector_from_object(sel: Mapping[str, Any] | None) -> LabelSelector:
    """metav1.LabelSelectorAsSelector. None → Nothing, {} → Everything; raises 400 on bad input."""
    if sel is None:
        return NOTHING
    if not isinstance(sel, Mapping):
        raise errors.bad_request(f"invalid label selector: {sel!r}")
    if not sel.get("matchLabels") and not sel.get("matchExpressions"):
        return EVERYTHING
    try:
        return _selector_from_object_cached(_selector_key(sel))
    except TypeError:
        raise errors.bad_request("invalid label selector")


@functools.lru_cache(maxsize=1024)
def _selector_from_object_cached(key: str) -> LabelSelector:
    sel = orjson.loads(key)
    reqs: list[tuple[str, str, tuple[str, ...]]] = []
    match_labels = sel.get("matchLabels") or {}
    if not isinstance(match_labels, dict):
        raise errors.bad_request("invalid label selector: matchLabels must be a map")
    for k, v in match_labels.items():
        if not isinstance(v, str):
            raise errors.bad_request(f"invalid label selector: value of {k} must be a string")
        errs = _requirement_errors(k, EQUALS, [v], "")
        if errs:
            raise errors.bad_request(_aggregate(errs))
        reqs.append((k, EQUALS, (v,)))
    exprs = sel.get("matchExpressions") or []
    if not isinstance(exprs, list):
        raise errors.bad_request("invalid label selector: matchExpressions must be a list")
    for expr in exprs:
        if not isinstance(expr, dict):
            raise errors.bad_request("invalid label selector: matchExpressions entries must be objects")
        operator = expr.get("operator")
        op = _EXPR_OPS.get(operator) if isinstance(operator, str) else None
        if op is None:
            raise errors.bad_request(f"{_go_quote(operator)} is not a valid label selector operator")
        key = expr.get("key") if isinstance(expr.get("key"), str) else ""
        values = expr.get("values") or []
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise errors.bad_request("invalid label selector: values must be a list of strings")
        errs = _requirement_errors(key, op, list(values), "")
        if errs:
            raise errors.bad_request(_aggregate(errs))
        reqs.append((key, op, tuple(values)))
    return LabelSelector(reqs)


def _go_quote(value: Any) -> str:
    return orjson.dumps(value if isinstance(value, str) else "" if value is None else str(value)).decode()


def selector_string(sel: Mapping[str, Any] | None) -> str:
    """The string form of a LabelSelector object (`app=nginx,tier in (a,b)`); "" if invalid."""
    try:
        return str(selector_from_object(sel))
    except errors.ApiError:
        return ""


def selector_matches(sel: Mapping[str, Any] | None, labels: Mapping[str, str] | None) -> bool:
    """Whether a LabelSelector object matches a label set (invalid selectors match nothing)."""
    try:
        return selector_from_object(sel).matches(labels)
    except errors.ApiError:
        return False


def validate_label_selector(sel: Any, path: str, *, allow_invalid_label_value: bool = False) -> list[FieldError]:
    """metav1validation.ValidateLabelSelector: matchLabels and each matchExpressions entry."""
    errs: list[FieldError] = []
    if sel is None:
        return errs
    if not isinstance(sel, dict):
        return [errors.invalid(path, sel, "must be an object")]
    errs += validate_labels(sel.get("matchLabels"), f"{path}.matchLabels")
    exprs = sel.get("matchExpressions")
    if exprs is None:
        return errs
    if not isinstance(exprs, list):
        return [*errs, errors.invalid(f"{path}.matchExpressions", exprs, "must be a list")]
    for i, expr in enumerate(exprs):
        p = f"{path}.matchExpressions[{i}]"
        if not isinstance(expr, dict):
            errs.append(errors.invalid(p, expr, "must be an object"))
            continue
        operator = expr.get("operator")
        values = expr.get("values") or []
        if not isinstance(values, list):
            errs.append(errors.invalid(f"{p}.values", values, "must be a list of strings"))
            values = []
        if operator in ("In", "NotIn"):
            if not values:
                errs.append(errors.required(f"{p}.values", "must be specified when `operator` is 'In' or 'NotIn'"))
        elif operator in ("Exists", "DoesNotExist"):
            if values:
                errs.append(errors.forbidden(f"{p}.values",
                                             "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
        else:
            errs.append(errors.invalid(f"{p}.operator", operator if operator is not None else "",
                                       "not a valid selector operator"))
        key = expr.get("key")
        key = key if isinstance(key, str) else ""
        errs += [errors.invalid(f"{p}.key", key, m) for m in label_key_errors(key)]
        if not allow_invalid_label_value:
            for j, v in enumerate(values):
                if not isinstance(v, str):
                    errs.append(errors.invalid(f"{p}.values[{j}]", v, "must be a string"))
                    continue
                errs += [errors.invalid(f"{p}.values[{j}]", v, m) for m in label_value_errors(v)]
    return errs


def validate_labels(labels: Any, path: str) -> list[FieldError]:
    """ValidateLabels: every key a qualified name, every value a label value, errors at `path`."""
    if labels is None:
        return []
    if not isinstance(labels, dict):
        return [errors.invalid(path, labels, "must be a map of string keys to string values")]
    errs: list[FieldError] = []
    for k, v in labels.items():
        errs += [errors.invalid(path, k, m) for m in label_key_errors(k)]
        if not isinstance(v, str):
            errs.append(errors.invalid(path, v, "must be a string"))
            continue
        errs += [errors.invalid(path, v, m) for m in label_value_errors(v)]
    return errs


# ----------------------------------------------------------------------------------------------
# Field selectors

class FieldSelector:
    """An AND of `field=value` / `field!=value` terms, sorted as upstream sorts its terms."""

    __slots__ = ("_match", "terms")

    def __init__(self, terms: Iterable[tuple[str, str, str]] = ()):
        self.terms: tuple[tuple[str, str, str], ...] = tuple(terms)  # (field, "=" or "!=", value)
        checks = tuple((f, op == "=", v) for f, op, v in self.terms)
        if not checks:
            self._match: Callable[[Mapping[str, Any]], bool] = lambda fields: True
        elif len(checks) == 1:
            f, eq, v = checks[0]
            if eq:
                self._match = lambda fields: fields.get(f, "") == v
            else:
                self._match = lambda fields: fields.get(f, "") != v
        else:
            def match_all(fields: Mapping[str, Any]) -> bool:
                for f, eq, v in checks:  # noqa: SIM110
                    if (fields.get(f, "") == v) != eq:
                        return False
                return True
            self._match = match_all

    def matches(self, fields: Mapping[str, Any] | None) -> bool:
        return self._match(fields or {})

    def __call__(self, fields: Mapping[str, Any] | None) -> bool:
        return self._match(fields or {})

    def fields(self) -> list[str]:
        return [f for f, _, _ in self.terms]

    def empty(self) -> bool:
        return not self.terms

    def requires_exact_match(self, field: str) -> str | None:
        for f, op, v in self.terms:
            if f == field and op == "=":
                return v
        return None

    def __str__(self) -> str:
        return ",".join(f"{f}{op}{escape_field_value(v)}" for f, op, v in self.terms)

    def __repr__(self) -> str:
        return f"FieldSelector({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldSelector) and self.terms == other.terms

    def __hash__(self) -> int:
        return hash(self.terms)


def escape_field_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def _split_terms(selector: str) -> list[str]:
    terms, start, escaped = [], 0, False
    for i, ch in enumerate(selector):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            terms.append(selector[start:i])
            start = i + 1
    terms.append(selector[start:])
    return terms


def _split_term(term: str) -> tuple[str, str, str] | None:
    i, escaped = 0, False
    while i < len(term):
        if escaped:
            escaped = False
        elif term[i] == "\\":
            escaped = True
        else:
            for op in ("!=", "==", "="):
                if term.startswith(op, i):
                    return term[:i], op, term[i + len(op):]
        i += 1
    return None


def _unescape(value: str) -> str:
    if "\\" not in value and "=" not in value and "," not in value:
        return value
    out, i = [], 0
    while i < len(value):
        ch = value[i]
        if ch == "\\":
            if i + 1 >= len(value):
                raise errors.bad_request("invalid field selector: invalid escape sequence: \\")
            nxt = value[i + 1]
            if nxt not in "\\,=":
                raise errors.bad_request(f"invalid field selector: invalid escape sequence: \\{nxt}")
            out.append(nxt)
            i += 2
            continue
        if ch in ",=":
            raise errors.bad_request(f"invalid field selector: unescaped character in value: {ch}")
        out.append(ch)
        i += 1
    return "".join(out)


@functools.lru_cache(maxsize=1024)
def _parse_field_selector(selector: str) -> FieldSelector:
    parts = sorted(_split_terms(selector))
    terms: list[tuple[str, str, str]] = []
    for part in parts:
        if not part:
            continue
        split = _split_term(part)
        if split is None:
            raise errors.bad_request(f"invalid selector: '{selector}'; can't understand '{part}'")
        lhs, op, rhs = split
        terms.append((lhs, "!=" if op == "!=" else "=", _unescape(rhs)))
    return FieldSelector(terms)


def parse_field_selector(selector: str | None, supported: Iterable[str] | None = None) -> FieldSelector:
    """Parse a `fieldSelector`; with `supported`, reject other fields as the apiserver does."""
    if not selector:
        return FieldSelector()
    parsed = _parse_field_selector(selector)
    if supported is not None:
        allowed = supported if isinstance(supported, set | frozenset | dict) else set(supported)
        for f in parsed.fields():
            if f not in allowed:
                raise errors.bad_request(f"field label not supported: {f}")
    return parsed
