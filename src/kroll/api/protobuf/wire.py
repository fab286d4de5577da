"""Protocol-buffer wire format: the few primitives the decoder needs.

A message is a sequence of fields, each a *key* varint `(field_number << 3) | wire_type`
followed by the payload. Only four wire types occur in Kubernetes objects:

    0 VARINT   int32/int64/bool; negative numbers are 10-byte two's complement varints
    1 I64      double (8 bytes little-endian)
    2 LEN      strings, bytes, sub-messages, map entries, packed repeated scalars
    5 I32      float (4 bytes); never used by Kubernetes but skippable

Every reader here takes `(buf, pos)` and returns the value with the position after it, and
raises `WireError` on truncated or malformed input. Bounds are checked against `end` so a
field can never read past the message that contains it.
"""

from __future__ import annotations

import struct

VARINT = 0
I64 = 1
LEN = 2
I32 = 5

_DOUBLE = struct.Struct("<d")
_TWO_63 = 1 << 63
_TWO_64 = 1 << 64


class WireError(ValueError):
    """The bytes are not a well-formed protobuf encoding."""


def read_varint(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    """Decode an unsigned varint (at most 10 bytes: 64 bits in 7-bit groups)."""
    result = 0
    shift = 0
    while True:
        if pos >= end:
            raise WireError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise WireError("varint longer than 10 bytes")


def signed(v: int) -> int:
    """Reinterpret a decoded varint as a signed 64-bit integer (int32 and int64 fields).

    Example: -1 is sent as ten bytes ff ff ff ff ff ff ff ff ff 01 = 2**64 - 1 → -1.
    """
    return v - _TWO_64 if v >= _TWO_63 else v


def read_len(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    """Read the length prefix of a LEN field; returns (payload_start, payload_end)."""
    b = buf[pos] if pos < end else 0x80  # 0x80 sends an empty buffer to read_varint's error
    if b < 0x80:
        n = b
        pos += 1
    else:
        n, pos = read_varint(buf, pos, end)
    stop = pos + n
    if stop > end:
        raise WireError("length-delimited field runs past the end of its message")
    return pos, stop


def read_double(buf: bytes, pos: int, end: int) -> tuple[float, int]:
    if pos + 8 > end:
        raise WireError("truncated 64-bit field")
    return _DOUBLE.unpack_from(buf, pos)[0], pos + 8


def skip(buf: bytes, pos: int, end: int, wire_type: int) -> int:
    """Skip the payload of a field we do not know (newer fields are ignored, not errors)."""
    if wire_type == VARINT:
        return read_varint(buf, pos, end)[1]
    if wire_type == LEN:
        return read_len(buf, pos, end)[1]
    if wire_type == I64:
        pos += 8
    elif wire_type == I32:
        pos += 4
    else:  # 3/4 are proto2 groups (never produced by Kubernetes), 6/7 do not exist
        raise WireError(f"unsupported wire type {wire_type}")
    if pos > end:
        raise WireError("truncated fixed-width field")
    return pos
