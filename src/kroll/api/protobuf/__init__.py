"""Decode kubectl's protobuf request bodies (`application/vnd.kubernetes.protobuf`) into
the JSON-shaped dicts the rest of kroll works with.

A body is the 4 magic bytes `k8s\\x00` followed by a `runtime.Unknown` message:

    1 typeMeta         message: 1 apiVersion, 2 kind
    2 raw              bytes: the object's own message (e.g. a Deployment: 1 metadata, 2 spec, 3 status)
    3 contentEncoding  string (always empty in practice)
    4 contentType      string (likewise)

The object message is decoded by one generic routine driven by the descriptor tables in
`messages`. The result is what Go's JSON encoder would have written for the same object,
so a protobuf request and a JSON request from kubectl produce the same dict:

- gogo-protobuf writes every non-pointer field, zero or not; zero values of `omitempty`
  scalars are dropped again here (`paused: false`, `hostNetwork: false`, `nodeName: ""`).
- pointer fields are kept whenever present (`replicas: 0`, `automountServiceAccountToken:
  false`); fields without `omitempty` are always written (`containerPort: 0`).
- non-pointer structs are always written, even empty (`status: {}`, `resources: {}`).
- Time is RFC 3339 with second precision, MicroTime with microseconds; the zero time is
  null, and left out for `metadata.creationTimestamp` (its tag has `omitzero`).
- IntOrString becomes a JSON number or string, Quantity its string, bytes base64 text,
  RawExtension and FieldsV1 the JSON document they carry.
- unknown field numbers are skipped (newer clients may send fields we do not know).

Keys come out in Go's struct order. Everything here is pure: no IO, no clock.
"""

from __future__ import annotations

import base64
import datetime as _dt

import orjson

from kroll.api import errors
from kroll.api.protobuf import messages as m
from kroll.api.protobuf.wire import WireError, read_double, read_len, read_varint, signed, skip

__all__ = ["CONTENT_TYPE", "MAGIC", "decode", "decode_message"]

MAGIC = b"k8s\x00"
CONTENT_TYPE = "application/vnd.kubernetes.protobuf"

# Decoding operations, one per wire key. The length-delimited ones come first and in
# order of frequency, so that `_message` tests few of them for the common fields.
(_OP_STR_OMIT, _OP_MSG, _OP_STR, _OP_MAP, _OP_MSG_REP, _OP_STR_REP, _OP_INLINE,
 _OP_VARINT, _OP_VARINT_OMIT, _OP_PACKED, _OP_REP, _OP_SINGLE) = range(12)
# How a zero value that is on the wire is dropped: never, when falsy ("" 0 false), or
# when equal to the field's zero JSON (omitzero messages and times).
_KEEP, _DROP_FALSY, _DROP_EQUAL = range(3)
_TWO_63 = 1 << 63
_TWO_64 = 1 << 64

_STRING, _INT, _BOOL, _BYTES, _DOUBLE = m.STRING, m.INT, m.BOOL, m.BYTES, m.DOUBLE
_MESSAGE, _INT_OR_STRING, _QUANTITY = m.MESSAGE, m.INT_OR_STRING, m.QUANTITY
_TIME, _MICRO_TIME, _RAW_JSON = m.TIME, m.MICRO_TIME, m.RAW_JSON
_SINGLE, _REPEATED, _MAP, _INLINE = m.SINGLE, m.REPEATED, m.MAP, m.INLINE

_WIRE_TYPE = {_STRING: 2, _INT: 0, _BOOL: 0, _BYTES: 2, _DOUBLE: 1, _MESSAGE: 2, _INT_OR_STRING: 2,
              _QUANTITY: 2, _TIME: 2, _MICRO_TIME: 2, _RAW_JSON: 2}

# time.Time{} (0001-01-01T00:00:00Z) as Unix seconds: Go's zero time, printed as null.
_ZERO_TIME_SECONDS = -62135596800
_EPOCH = _dt.datetime(1970, 1, 1)


class _Compiled:
    """A message prepared for decoding."""

    __slots__ = ("by_key", "displaced", "fill", "fill_names", "maps", "name", "numbers", "order", "plain")

    def __init__(self, name: str) -> None:
        self.name = name
        # wire key ((number << 3) | wire type) -> (op, json name, sub-message, value code, drop, zero)
        self.by_key: dict[int, tuple] = {}
        self.numbers: frozenset[int] = frozenset()  # to tell a wrong wire type from an unknown field
        self.order: tuple[str, ...] = ()  # JSON keys in Go struct order, inlined structs expanded
        # Keys that arrive (in field-number order) out of struct order; only when one of them
        # is present does the dict need rebuilding in `order`.
        self.displaced: frozenset[str] = frozenset()
        self.maps: tuple[str, ...] = ()  # map fields, whose keys Go writes sorted
        # Fields Go writes even when absent from the wire: (json name, constant,
        # sub-message to decode from no bytes or None, inline?), and all the keys they make.
        self.fill: tuple[tuple, ...] = ()
        self.fill_names: frozenset[str] = frozenset()
        self.plain = True  # none of the three above: nothing to do after the field loop


def _op(f: m.Field, drop: int) -> int:
    if f.mode == _MAP:
        return _OP_MAP
    if f.mode == _INLINE:
        return _OP_INLINE
    repeated = f.mode == _REPEATED
    if f.code == _STRING:
        return _OP_STR_REP if repeated else _OP_STR_OMIT if drop else _OP_STR
    if f.code == _MESSAGE and not drop:
        return _OP_MSG_REP if repeated else _OP_MSG
    if f.code in (_INT, _BOOL) and not repeated:
        return _OP_VARINT_OMIT if drop else _OP_VARINT
    return _OP_REP if repeated else _OP_SINGLE


def _arrival(spec: m.Message) -> list[tuple[tuple[int, ...], str]]:
    """(field-number path, json key) of every key, inlined structs expanded: sorting by
    the path gives the order in which the keys land in the dict."""
    keys = []
    for f in spec.fields:
        if f.mode == _INLINE:
            assert f.message is not None
            keys.extend(((f.number, *path), k) for path, k in _arrival(f.message))
        else:
            keys.append(((f.number,), f.name))
    return keys


def _displaced(struct_order: list[str], arrival_order: list[str]) -> frozenset[str]:
    """Keys outside a longest run of arrival_order that is already in struct order.

    Example: struct order (a, b, c, d) arriving as (a, c, d, b): the run a, c, d is in
    order, so only b is displaced; a dict without b needs no reordering.
    """
    rank = {k: i for i, k in enumerate(struct_order)}
    seq = [rank[k] for k in arrival_order]
    best = [1] * len(seq)  # longest increasing subsequence ending at i
    prev = [-1] * len(seq)
    for i in range(len(seq)):
        for j in range(i):
            if seq[j] < seq[i] and best[j] + 1 > best[i]:
                best[i], prev[i] = best[j] + 1, j
    keep: set[str] = set()
    i = max(range(len(seq)), key=best.__getitem__, default=-1)
    while i >= 0:
        keep.add(arrival_order[i])
        i = prev[i]
    return frozenset(arrival_order) - keep


def _compile(specs: dict[str, m.Message]) -> dict[str, _Compiled]:
    compiled = {name: _Compiled(name) for name in specs}
    omitzero_fields: list[tuple[_Compiled, int, m.Field]] = []
    for name, spec in specs.items():
        c = compiled[name]
        c.numbers = frozenset(f.number for f in spec.fields)
        arrival = _arrival(spec)
        c.order = tuple(k for _, k in arrival)
        c.displaced = _displaced(list(c.order), [k for _, k in sorted(arrival)])
        c.maps = tuple(f.name for f in spec.fields if f.mode == _MAP)
        fill = []
        for f in spec.fields:
            sub = compiled[f.type_name] if f.code == _MESSAGE else None
            if not f.drop_zero:
                drop = _KEEP
            elif f.code in (_STRING, _INT, _BOOL, _BYTES, _DOUBLE):
                drop = _DROP_FALSY
            else:
                drop = _DROP_EQUAL
            wire_type = 2 if f.mode == _MAP else _WIRE_TYPE[f.code]
            key = (f.number << 3) | wire_type
            c.by_key[key] = (_op(f, drop), f.name, sub, f.code, drop, None)
            if drop == _DROP_EQUAL:
                omitzero_fields.append((c, key, f))
            if f.mode == _REPEATED and wire_type != 2:  # numbers may also come packed
                c.by_key[(f.number << 3) | 2] = (_OP_PACKED, f.name, None, f.code, _KEEP, None)
            absent = f.absent
            if absent is m.ZERO_MESSAGE:
                fill.append((f.name, None, sub, f.mode == _INLINE))
            elif absent is not m.NO_VALUE:
                fill.append((f.name, absent, None, False))
        c.fill = tuple(fill)
    # The keys each fill entry makes; inlined structs whose zero value writes nothing
    # (all their fields omitempty) need no filling in at all.
    zeros: dict[str, dict] = {}
    for c in compiled.values():
        fill, names = [], set()
        for entry in c.fill:
            if entry[3]:
                zero_keys = _zero_json(specs[entry[2].name], specs, zeros).keys()
                if not zero_keys:
                    continue
                names.update(zero_keys)
            else:
                names.add(entry[0])
            fill.append(entry)
        c.fill, c.fill_names = tuple(fill), frozenset(names)
        c.plain = not (c.fill or c.maps or c.displaced)
    # Zero JSON of the omitzero fields, to compare decoded values with.
    for c, key, f in omitzero_fields:
        zero = _zero_json(specs[f.type_name], specs, zeros) if f.code == _MESSAGE else None
        c.by_key[key] = (*c.by_key[key][:5], zero)
    return compiled


def _zero_json(spec: m.Message, specs: dict[str, m.Message], memo: dict[str, dict]) -> dict:
    """What Go writes for the zero value of a message (the same as decoding no bytes)."""
    if spec.name not in memo:
        out: dict = {}
        for f in spec.fields:
            absent = f.absent
            if absent is m.ZERO_MESSAGE:
                zero = _zero_json(specs[f.type_name], specs, memo)
                if f.mode == _INLINE:
                    out.update(zero)
                else:
                    out[f.name] = zero
            elif absent is not m.NO_VALUE:
                out[f.name] = absent
        memo[spec.name] = out
    return memo[spec.name]


def _fmt_time(seconds: int, micros: int | None) -> str:
    try:
        t = _EPOCH + _dt.timedelta(seconds=seconds)
    except OverflowError:
        raise WireError(f"time {seconds}s is outside the years 1-9999")
    text = f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}"
    if micros is None:
        return text + "Z"
    return f"{text}.{micros:06d}Z"


def _time(buf: bytes, pos: int, end: int, micro: bool) -> str | None:
    """metav1.Time / MicroTime: 1 seconds, 2 nanos. The zero time (sent as an empty
    message) is null in JSON."""
    if pos == end:
        return None
    seconds = nanos = 0
    while pos < end:
        key, pos = read_varint(buf, pos, end)
        if key == 0x08:
            v, pos = read_varint(buf, pos, end)
            seconds = signed(v)
        elif key == 0x10:
            v, pos = read_varint(buf, pos, end)
            nanos = signed(v)
        else:
            pos = skip(buf, pos, end, key & 7)
    if not micro:  # Time keeps whole seconds only, like its JSON form
        return None if seconds == _ZERO_TIME_SECONDS else _fmt_time(seconds, None)
    seconds += nanos // 1_000_000_000  # out-of-range nanos carry over, as time.Unix does
    nanos %= 1_000_000_000
    if seconds == _ZERO_TIME_SECONDS and nanos == 0:
        return None
    return _fmt_time(seconds, nanos // 1000)


def _int_or_string(buf: bytes, pos: int, end: int) -> int | str:
    """intstr.IntOrString: 1 type (0 int, 1 string), 2 intVal, 3 strVal."""
    kind = int_val = 0
    str_val = ""
    while pos < end:
        key, pos = read_varint(buf, pos, end)
        if key == 0x08:
            v, pos = read_varint(buf, pos, end)
            kind = signed(v)
        elif key == 0x10:
            v, pos = read_varint(buf, pos, end)
            int_val = signed(v)
        elif key == 0x1A:
            s, pos = read_len(buf, pos, end)
            str_val = buf[s:pos].decode("utf-8", "replace")
        else:
            pos = skip(buf, pos, end, key & 7)
    if kind == 0:
        return int_val
    if kind == 1:
        return str_val
    raise WireError(f"IntOrString has unknown type {kind}")


def _quantity(buf: bytes, pos: int, end: int) -> str:
    """resource.Quantity: 1 string, already in canonical form when Go wrote it. The text
    is passed through unparsed: validation judges it as it would the JSON string."""
    text = "0"  # Go prints a zero Quantity as "0"
    while pos < end:
        key, pos = read_varint(buf, pos, end)
        if key == 0x0A:
            s, pos = read_len(buf, pos, end)
            text = buf[s:pos].decode("utf-8", "replace")
        else:
            pos = skip(buf, pos, end, key & 7)
    return text


def _raw_json(buf: bytes, pos: int, end: int) -> object:
    """runtime.RawExtension / metav1.FieldsV1: 1 raw, a JSON document written out verbatim."""
    raw = None
    while pos < end:
        key, pos = read_varint(buf, pos, end)
        if key == 0x0A:
            s, pos = read_len(buf, pos, end)
            raw = buf[s:pos]
        else:
            pos = skip(buf, pos, end, key & 7)
    if not raw:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise WireError("embedded raw object is not JSON")


def _map_entry(buf: bytes, pos: int, end: int, code: int) -> tuple[str, object]:
    """A map entry message: 1 key (string), 2 value (string, bytes or Quantity)."""
    k = ""
    v: object = "0" if code == _QUANTITY else ""
    while pos < end:
        key = buf[pos]
        if key < 0x80:
            pos += 1
        else:
            key, pos = read_varint(buf, pos, end)
        if key == 0x0A:
            s, pos = read_len(buf, pos, end)
            k = buf[s:pos].decode("utf-8", "replace")
        elif key == 0x12:
            s, pos = read_len(buf, pos, end)
            if code == _STRING:
                v = buf[s:pos].decode("utf-8", "replace")
            elif code == _BYTES:
                v = base64.b64encode(buf[s:pos]).decode("ascii")
            else:
                v = _quantity(buf, s, pos)
        else:
            pos = skip(buf, pos, end, key & 7)
    return k, v


def _packed(buf: bytes, pos: int, end: int, code: int) -> list:
    values: list = []
    while pos < end:
        if code == _DOUBLE:
            d, pos = read_double(buf, pos, end)
            values.append(d)
            continue
        v, pos = read_varint(buf, pos, end)
        values.append(v != 0 if code == _BOOL else signed(v))
    return values


def _value(buf: bytes, pos: int, end: int, code: int, sub: _Compiled | None, wire: int) -> tuple[object, int]:
    """Decode one value of the less common kinds; returns (JSON value, position after it)."""
    if wire == 0:
        v, pos = read_varint(buf, pos, end)
        return (v != 0 if code == _BOOL else signed(v)), pos
    if wire == 1:
        return read_double(buf, pos, end)
    s, pos = read_len(buf, pos, end)
    if code == _STRING:
        return buf[s:pos].decode("utf-8", "replace"), pos
    if code == _MESSAGE:
        assert sub is not None
        return _message(buf, s, pos, sub), pos
    if code == _BYTES:
        return base64.b64encode(buf[s:pos]).decode("ascii"), pos
    if code == _QUANTITY:
        return _quantity(buf, s, pos), pos
    if code == _INT_OR_STRING:
        return _int_or_string(buf, s, pos), pos
    if code in (_TIME, _MICRO_TIME):
        return _time(buf, s, pos, code == _MICRO_TIME), pos
    return _raw_json(buf, s, pos), pos


def _message(buf: bytes, pos: int, end: int, msg: _Compiled) -> dict:
    """Decode buf[pos:end] as `msg` into its JSON dict.

    The hot kinds (strings, sub-messages, maps, varints) are decoded inline here, with
    one-byte keys and lengths read without a call; everything else goes through _value.
    """
    out: dict = {}
    by_key = msg.by_key
    while pos < end:
        key = buf[pos]
        pos += 1
        if key >= 0x80:
            key, pos = read_varint(buf, pos - 1, end)
        f = by_key.get(key)
        if f is None:
            if key >> 3 in msg.numbers:
                raise WireError(f"{msg.name} field {key >> 3} has the wrong wire type {key & 7}")
            pos = skip(buf, pos, end, key & 7)
            continue
        op = f[0]
        if op <= _OP_INLINE:  # length-delimited
            n = buf[pos] if pos < end else 0x80
            if n < 0x80:
                s = pos + 1
                pos = s + n
                if pos > end:
                    raise WireError("length-delimited field runs past the end of its message")
            else:
                s, pos = read_len(buf, pos, end)
            if op == _OP_STR_OMIT:
                if pos > s:
                    out[f[1]] = buf[s:pos].decode("utf-8", "replace")
                else:
                    out.pop(f[1], None)  # a later zero occurrence wins over an earlier value
            elif op == _OP_MSG:
                out[f[1]] = _message(buf, s, pos, f[2])
            elif op == _OP_STR:
                out[f[1]] = buf[s:pos].decode("utf-8", "replace")
            elif op == _OP_MAP:
                k, v = _map_entry(buf, s, pos, f[3])
                d = out.get(f[1])
                if d is None:
                    out[f[1]] = {k: v}
                else:
                    d[k] = v
            elif op == _OP_MSG_REP:
                v = _message(buf, s, pos, f[2])
                lst = out.get(f[1])
                if lst is None:
                    out[f[1]] = [v]
                else:
                    lst.append(v)
            elif op == _OP_STR_REP:
                v = buf[s:pos].decode("utf-8", "replace")
                lst = out.get(f[1])
                if lst is None:
                    out[f[1]] = [v]
                else:
                    lst.append(v)
            else:  # _OP_INLINE
                out.update(_message(buf, s, pos, f[2]))
            continue
        if op <= _OP_VARINT_OMIT:
            v = buf[pos] if pos < end else 0x80
            if v < 0x80:
                pos += 1
            else:
                v, pos = read_varint(buf, pos, end)
            if v >= _TWO_63:
                v -= _TWO_64
            if f[3] == _BOOL:
                v = v != 0
            if op == _OP_VARINT or v:
                out[f[1]] = v
            else:
                out.pop(f[1], None)
            continue
        _, name, sub, code, drop, zero = f
        if op == _OP_PACKED:
            s, pos = read_len(buf, pos, end)
            v = _packed(buf, s, pos, code)
            lst = out.get(name)
            if lst is None:
                out[name] = v
            else:
                lst.extend(v)
            continue
        v, pos = _value(buf, pos, end, code, sub, key & 7)
        if op == _OP_REP:
            lst = out.get(name)
            if lst is None:
                out[name] = [v]
            else:
                lst.append(v)
        elif drop and (not v if drop == _DROP_FALSY else v == zero):
            out.pop(name, None)
        else:
            out[name] = v
    if pos != end:
        raise WireError(f"{msg.name} runs past the end of its enclosing message")
    if msg.plain:
        return out
    for name in msg.maps:  # Go sorts map keys; gogo writes entries sorted too, so this rarely moves anything
        d = out.get(name)
        if d is not None and len(d) > 1:
            keys = list(d)
            if keys != sorted(keys):
                out[name] = {k: d[k] for k in sorted(keys)}
    keys = out.keys()
    reorder = not keys.isdisjoint(msg.displaced)
    if not keys >= msg.fill_names:  # gogo writes these fields, so only other encoders get here
        for name, value, sub, inline in msg.fill:
            if inline:
                for k, v in _message(b"", 0, 0, sub).items():
                    if k not in out:
                        out[k] = v
                        reorder = True
            elif name not in out:
                out[name] = value if sub is None else _message(b"", 0, 0, sub)
                reorder = True
    if reorder:
        out = {k: out[k] for k in msg.order if k in out}
    return out


_COMPILED = _compile(m.MESSAGES)
_ROOTS = {gvk: _COMPILED[name] for gvk, name in m.KINDS.items()}
_ANY_VERSION = {kind: _COMPILED[name] for kind, name in m.ANY_VERSION_KINDS.items()}


def _envelope(body: bytes) -> tuple[str, str, int, int, str, str]:
    """runtime.Unknown → (apiVersion, kind, raw start, raw end, contentEncoding, contentType)."""
    pos, end = len(MAGIC), len(body)
    api_version = kind = encoding = content_type = ""
    raw_start = raw_end = pos
    while pos < end:
        key, pos = read_varint(body, pos, end)
        if key & 7 != 2:
            pos = skip(body, pos, end, key & 7)
            continue
        s, pos = read_len(body, pos, end)
        number = key >> 3
        if number == 1:  # TypeMeta: 1 apiVersion, 2 kind
            t = s
            while t < pos:
                tkey, t = read_varint(body, t, pos)
                if tkey in (0x0A, 0x12):
                    vs, t = read_len(body, t, pos)
                    text = body[vs:t].decode("utf-8", "replace")
                    if tkey == 0x0A:
                        api_version = text
                    else:
                        kind = text
                else:
                    t = skip(body, t, pos, tkey & 7)
        elif number == 2:
            raw_start, raw_end = s, pos
        elif number == 3:
            encoding = body[s:pos].decode("utf-8", "replace")
        elif number == 4:
            content_type = body[s:pos].decode("utf-8", "replace")
    return api_version, kind, raw_start, raw_end, encoding, content_type


def decode(body: bytes) -> dict:
    """Decode a `k8s\\x00`-prefixed protobuf body into its JSON-shaped object, with
    `kind` and `apiVersion` taken from the envelope.

    Raises a 400 `ApiError` when the body is malformed or holds a kind kroll does not serve.
    """
    if not isinstance(body, bytes):
        body = bytes(body)
    if not body.startswith(MAGIC):
        raise errors.bad_request('protobuf body does not start with the "k8s\\x00" prefix')
    try:
        api_version, kind, start, end, encoding, content_type = _envelope(body)
        if encoding:
            raise errors.bad_request(f'protobuf body has unsupported contentEncoding "{encoding}"')
        if content_type and content_type != CONTENT_TYPE:
            raise errors.bad_request(f'protobuf body has unsupported contentType "{content_type}"')
        root = _ROOTS.get((api_version, kind)) or _ANY_VERSION.get(kind)
        if root is None:
            raise errors.bad_request(
                f'protobuf body: kind "{kind}" of apiVersion "{api_version}" cannot be decoded'
                if kind else "protobuf body carries no kind")
        obj: dict = {"kind": kind, "apiVersion": api_version}
        obj.update(_message(body, start, end, root))
        return obj
    except WireError as exc:
        raise errors.bad_request(f"malformed protobuf body: {exc}")


def decode_message(name: str, data: bytes) -> dict:
    """Decode a bare message (no envelope) of the named type, e.g. ("PodSpec", raw bytes)."""
    try:
        return _message(bytes(data), 0, len(data), _COMPILED[name])
    except WireError as exc:
        raise errors.bad_request(f"malformed protobuf body: {exc}")
