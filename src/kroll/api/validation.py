"""Shared validation: names, labels, ObjectMeta, quantities and the pod template.

Everything here returns `list[FieldError]` with upstream's field paths and detail texts and
never raises, whatever the input: a value of the wrong JSON type becomes an `Invalid` error
("must be of type integer") where the Go server would have failed to decode the body.

Sources (read, not copied): staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go,
staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go,
staging/src/k8s.io/apimachinery/pkg/api/resource/quantity.go,
pkg/apis/core/validation/validation.go (ValidatePodTemplateSpec, ValidatePodSpec and friends).

Upstream quirks kept on purpose:
- labels errors are reported at the map's path (`metadata.labels`), not per key;
- a template's labels are checked at `spec.template.labels`, not `...metadata.labels`;
- ownerReferences errors carry no index (`metadata.ownerReferences.uid`);
- generateName is checked with its trailing dash masked the way upstream masks it
  (the last *two* characters are replaced by "a").
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

import orjson

from kroll.api import errors
from kroll.api.errors import FieldError
from kroll.api.selectors import (
    _max_len_error,
    _regex_error,
    dns1123_subdomain_errors,
    label_key_errors,
    label_value_errors,
    validate_label_selector,
    validate_labels,
)

__all__ = [
    "dns1035_label_errors",
    "dns1123_label_errors",
    "dns1123_subdomain_errors",
    "format_quantity",
    "label_key_errors",
    "label_value_errors",
    "name_is_dns1035_label",
    "name_is_dns_label",
    "name_is_dns_subdomain",
    "parse_quantity",
    "semantic_equal",
    "validate_label_selector",
    "validate_labels",
    "validate_object_meta",
    "validate_object_meta_update",
    "validate_pod_spec",
    "validate_pod_template_spec",
]

NEGATIVE_MSG = "must be greater than or equal to 0"
IMMUTABLE_MSG = "field is immutable"
TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024
MAX_SECRET_SIZE = 1024 * 1024

# ----------------------------------------------------------------------------------------------
# Names

_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
                      "and must start and end with an alphanumeric character")
_DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_DNS1035_LABEL_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
                      "alphabetic character, and end with an alphanumeric character")
_DNS1123_LABEL_RE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")
_DNS1123_SUBDOMAIN_RE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z")
_DNS1035_LABEL_RE = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?\Z")


def dns1123_label_errors(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append(_max_len_error(63))
    if not _DNS1123_LABEL_RE.match(value):
        if _DNS1123_SUBDOMAIN_RE.match(value):
            errs.append("must not contain dots")
        else:
            errs.append(_regex_error(_DNS1123_LABEL_MSG, _DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def dns1035_label_errors(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append(_max_len_error(63))
    if not _DNS1035_LABEL_RE.match(value):
        errs.append(_regex_error(_DNS1035_LABEL_MSG, _DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


def _mask_trailing_dash(name: str) -> str:
    # upstream's maskTrailingDash drops two characters, not one: "ab-" -> "aa"
    if len(name) > 1 and name.endswith("-"):
        return name[:-2] + "a"
    return name


def name_is_dns_subdomain(name: str, prefix: bool = False) -> list[str]:
    return dns1123_subdomain_errors(_mask_trailing_dash(name) if prefix else name)


def name_is_dns_label(name: str, prefix: bool = False) -> list[str]:
    return dns1123_label_errors(_mask_trailing_dash(name) if prefix else name)


def name_is_dns1035_label(name: str, prefix: bool = False) -> list[str]:
    return dns1035_label_errors(_mask_trailing_dash(name) if prefix else name)


NameFn = Callable[[str, bool], list[str]]

_CONFIG_KEY_RE = re.compile(r"[-._a-zA-Z0-9]+\Z")


def config_map_key_errors(value: str) -> list[str]:
    errs = []
    if len(value) > 253:
        errs.append(_max_len_error(253))
    if not _CONFIG_KEY_RE.match(value):
        errs.append(_regex_error("a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                                 "[-._a-zA-Z0-9]+", "key.name", "KEY_NAME", "key-name"))
    errs += _chdir_prefix_errors(value)
    return errs


def _chdir_prefix_errors(value: str) -> list[str]:
    if value == ".":
        return ["must not be '.'"]
    if value == "..":
        return ["must not be '..'"]
    if value.startswith(".."):
        return ["must not start with '..'"]
    return []


_PORT_NAME_CHARS = re.compile(r"[-a-z0-9]+\Z")


def port_name_errors(port: str) -> list[str]:
    errs = []
    if len(port) > 15:
        errs.append(_max_len_error(15))
    if not _PORT_NAME_CHARS.match(port):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search(r"[a-z]", port):
        errs.append("must contain at least one letter (a-z)")
    if "--" in port:
        errs.append("must not contain consecutive hyphens")
    if port and (port[0] == "-" or port[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def port_num_errors(port: int) -> list[str]:
    return [] if 1 <= port <= 65535 else ["must be between 1 and 65535, inclusive"]


def env_var_name_errors(value: str) -> list[str]:
    """IsRelaxedEnvVarName (RelaxedEnvironmentVariableValidation is on in 1.37)."""
    errs = []
    if not value:
        errs.append("environment variable name must be non-empty")
    if any(ord(c) > 126 or ord(c) < 32 or c == "=" for c in value):
        errs.append("a valid environment variable name must consist only of printable ASCII characters other than '='")
    return errs


_PERCENT_RE = re.compile(r"[0-9]+%\Z")


def percent_errors(value: str) -> list[str]:
    if _PERCENT_RE.match(value):
        return []
    return [_regex_error("a valid percent string must be a numeric string followed by an ending '%'",
                         "[0-9]+%", "1%", "93%")]


def ip_errors(value: str) -> list[str]:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"]
    return []


# ----------------------------------------------------------------------------------------------
# Typed reads that never raise


def is_int(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, float) and value.is_integer())


def as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def check_int(container: Any, key: str, path: str, errs: list[FieldError]) -> int | None:
    """Read an integer field; a wrong type adds an Invalid error and reads as None."""
    if not isinstance(container, dict):
        return None
    value = container.get(key)
    if value is None:
        return None
    if is_int(value):
        return int(value)
    errs.append(errors.invalid(path, value, "must be of type integer"))
    return None


def check_str(container: Any, key: str, path: str, errs: list[FieldError]) -> str:
    """Read a string field ("" when absent); a wrong type adds an Invalid error."""
    if not isinstance(container, dict):
        return ""
    value = container.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    errs.append(errors.invalid(path, value, "must be of type string"))
    return ""


def check_bool(container: Any, key: str, path: str, errs: list[FieldError]) -> bool | None:
    if not isinstance(container, dict):
        return None
    value = container.get(key)
    if value is None or isinstance(value, bool):
        return value
    errs.append(errors.invalid(path, value, "must be of type boolean"))
    return None


def check_dict(container: Any, key: str, path: str, errs: list[FieldError]) -> dict | None:
    if not isinstance(container, dict):
        return None
    value = container.get(key)
    if value is None or isinstance(value, dict):
        return value
    errs.append(errors.invalid(path, value, "must be of type object"))
    return None


def check_list(container: Any, key: str, path: str, errs: list[FieldError]) -> list:
    if not isinstance(container, dict):
        return []
    value = container.get(key)
    if value is None:
        return []
    if isinstance(value, list):
        return value
    errs.append(errors.invalid(path, value, "must be of type array"))
    return []


def nonnegative(value: int | None, path: str) -> list[FieldError]:
    if value is not None and value < 0:
        return [errors.invalid(path, value, NEGATIVE_MSG)]
    return []


def not_found(path: str, value: Any) -> FieldError:
    return FieldError("NotFound", path, "", value)


# ----------------------------------------------------------------------------------------------
# Semantic equality (apiequality.Semantic.DeepEqual for JSON-shaped data)


def _is_empty(value: Any) -> bool:
    return value is None or value == {} or value == []


def semantic_equal(a: Any, b: Any) -> bool:
    """Deep equality where a missing key, null, {} and [] are all the same, as for Go structs
    whose empty fields are omitted. Quantity strings are compared as written."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in a.keys() | b.keys():  # noqa: SIM110 - recursion reads clearer as a loop
            if not semantic_equal(a.get(k), b.get(k)):
                return False
        return True
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(semantic_equal(x, y) for x, y in zip(a, b, strict=True))
    if _is_empty(a) and _is_empty(b):
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


# ----------------------------------------------------------------------------------------------
# Quantities (resource.Quantity)

QUANTITY_REGEX_MSG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
_QUANTITY_RE = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[-+]?[0-9]*)\Z")
_DEC_SUFFIX = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BIN_SUFFIX = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DEC_SUFFIX_BY_EXP = {v: k for k, v in _DEC_SUFFIX.items()}
_BIN_SUFFIX_BY_EXP = {0: "", **{v: k for k, v in _BIN_SUFFIX.items()}}
_MAX_INT64 = (1 << 63) - 1
DECIMAL_SI, BINARY_SI, DECIMAL_EXPONENT = "DecimalSI", "BinarySI", "DecimalExponent"


class QuantityError(ValueError):
    pass


def _round_away(value: Fraction, denominator: int) -> Fraction:
    """Round to a multiple of 1/denominator, away from zero (inf.RoundUp): 0.1m -> 1m."""
    scaled = value * denominator
    if scaled.denominator == 1:
        return value
    return Fraction(math.ceil(scaled) if scaled > 0 else math.floor(scaled), denominator)


def parse_quantity(text: Any) -> tuple[Fraction, str]:
    """ParseQuantity: (exact value rounded up to nano units, format). Raises QuantityError."""
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        raise QuantityError(QUANTITY_REGEX_MSG)
    s = str(text) if not isinstance(text, str) else text.strip()
    if isinstance(text, float):
        s = repr(text)
    m = _QUANTITY_RE.match(s)
    if not s or not m or (not m.group(2) and not m.group(3)):
        raise QuantityError(QUANTITY_REGEX_MSG)
    sign, whole, frac, suffix = m.group(1), m.group(2), m.group(3) or "", m.group(4)
    value = Fraction(int(whole or "0")) + (Fraction(int(frac), 10 ** len(frac)) if frac else 0)
    if suffix in _DEC_SUFFIX:
        value *= Fraction(10) ** _DEC_SUFFIX[suffix]
        fmt = DECIMAL_SI
    elif suffix in _BIN_SUFFIX:
        value *= 2 ** _BIN_SUFFIX[suffix]
        fmt = BINARY_SI
    elif suffix[:1] in ("e", "E") and re.fullmatch(r"[-+]?[0-9]+", suffix[1:]):
        exp = int(suffix[1:])
        if abs(exp) > 1000:
            raise QuantityError("unable to parse quantity's suffix")
        value *= Fraction(10) ** exp
        fmt = DECIMAL_EXPONENT
    else:
        raise QuantityError("unable to parse quantity's suffix")
    if sign == "-":
        value = -value
    value = _round_away(value, 10 ** 9)
    if fmt == BINARY_SI and value > _MAX_INT64:
        value = Fraction(_MAX_INT64)
    return value, fmt


def format_quantity(value: Fraction, fmt: str) -> str:
    """Quantity.String(): the canonical form the API server writes back."""
    if fmt == BINARY_SI:
        if -1024 < value < 1024 or value.denominator != 1:
            fmt = DECIMAL_SI
        else:
            n, exp = value.numerator, 0
            while n % 1024 == 0 and exp < 60 and n != 0:
                n //= 1024
                exp += 10
            return f"{n}{_BIN_SUFFIX_BY_EXP[exp]}"
    if value == 0:
        return "0"
    # mantissa * 10**exp with exp a multiple of 3, rounded down (Go's % semantics, see
    # int64Amount.AsCanonicalBytes): 1.5 -> 1500e-3 ("1500m"), 2000 -> 2e3 ("2k")
    exp = 0
    while value.denominator != 1:
        value *= 10
        exp -= 1
    n = value.numerator
    while n % 10 == 0:
        n //= 10
        exp += 1
    shift = exp % 3  # Python's % is non-negative: the distance to the multiple of 3 below
    n *= 10 ** shift
    exp -= shift
    if fmt == DECIMAL_EXPONENT:
        return f"{n}e{exp}" if exp else str(n)
    suffix = _DEC_SUFFIX_BY_EXP.get(exp)
    if suffix is None:  # beyond E or below n: fall back to an exponent
        return f"{n}e{exp}"
    return f"{n}{suffix}"


def canonical_quantity(text: Any, *, round_milli: bool = False) -> Any:
    """The canonical string for a quantity, or the input unchanged if it does not parse."""
    try:
        value, fmt = parse_quantity(text)
    except QuantityError:
        return text
    if round_milli:
        value = _round_away(value, 1000)
    return format_quantity(value, fmt)


def quantity_value(text: Any) -> Fraction | None:
    try:
        return parse_quantity(text)[0]
    except QuantityError:
        return None


# ----------------------------------------------------------------------------------------------
# ObjectMeta


def validate_annotations(annotations: Any, path: str) -> list[FieldError]:
    if annotations is None:
        return []
    if not isinstance(annotations, dict):
        return [errors.invalid(path, annotations, "must be a map of string keys to string values")]
    errs: list[FieldError] = []
    total = 0
    for k, v in annotations.items():
        # annotation keys are qualified names in any case
        errs += [errors.invalid(path, k, m) for m in label_key_errors(k.lower())]
        if not isinstance(v, str):
            errs.append(errors.invalid(f"{path}[{k}]", v, "must be of type string"))
            continue
        total += len(k.encode()) + len(v.encode())
    if total > TOTAL_ANNOTATION_SIZE_LIMIT:
        errs.append(errors.too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT))
    return errs


def validate_owner_references(refs: Any, path: str) -> list[FieldError]:
    if refs is None:
        return []
    if not isinstance(refs, list):
        return [errors.invalid(path, refs, "must be of type array")]
    errs: list[FieldError] = []
    first_controller = ""
    for ref in refs:
        if not isinstance(ref, dict):
            errs.append(errors.invalid(path, ref, "must be of type object"))
            continue
        api_version = ref.get("apiVersion") if isinstance(ref.get("apiVersion"), str) else ""
        kind = ref.get("kind") if isinstance(ref.get("kind"), str) else ""
        version = api_version.rsplit("/", 1)[-1] if api_version.count("/") <= 1 else ""
        if not version:
            errs.append(errors.invalid(f"{path}.apiVersion", api_version, "version must not be empty"))
        if not kind:
            errs.append(errors.invalid(f"{path}.kind", kind, "kind must not be empty"))
        if not ref.get("name"):
            errs.append(errors.invalid(f"{path}.name", ref.get("name") or "", "name must not be empty"))
        if not ref.get("uid"):
            errs.append(errors.invalid(f"{path}.uid", ref.get("uid") or "", "uid must not be empty"))
        if ref.get("controller") is True:
            current = f"{kind}/{ref.get('name', '')}"
            if first_controller:
                errs.append(errors.invalid(path, refs, "Only one reference can have Controller set to true. "
                                           f'Found "true" in references for {first_controller} and {current}'))
            else:
                first_controller = current
    return errs


def validate_finalizers(finalizers: Any, path: str) -> list[FieldError]:
    if finalizers is None:
        return []
    if not isinstance(finalizers, list):
        return [errors.invalid(path, finalizers, "must be of type array")]
    errs: list[FieldError] = []
    for f in finalizers:
        if not isinstance(f, str):
            errs.append(errors.invalid(path, f, "must be of type string"))
            continue
        errs += [errors.invalid(path, f, m) for m in label_key_errors(f)]
    if "orphan" in finalizers and "foregroundDeletion" in finalizers:
        errs.append(errors.invalid(path, finalizers, "finalizer orphan and foregroundDeletion cannot be both set"))
    return errs


def validate_object_meta(obj: Any, *, namespaced: bool, name_fn: NameFn = name_is_dns_subdomain,
                         path: str = "metadata") -> list[FieldError]:
    """ValidateObjectMetaAccessor: name/generateName, namespace, labels, annotations, owners, finalizers."""
    md = obj.get("metadata") if isinstance(obj, dict) else None
    if not isinstance(md, dict):
        return [errors.required(f"{path}.name", "name or generateName is required")]
    errs: list[FieldError] = []
    generate_name = check_str(md, "generateName", f"{path}.generateName", errs)
    if generate_name:
        errs += [errors.invalid(f"{path}.generateName", generate_name, m) for m in name_fn(generate_name, True)]
    name = check_str(md, "name", f"{path}.name", errs)
    if not name:
        errs.append(errors.required(f"{path}.name", "name or generateName is required"))
    else:
        errs += [errors.invalid(f"{path}.name", name, m) for m in name_fn(name, False)]
    namespace = check_str(md, "namespace", f"{path}.namespace", errs)
    if namespaced:
        if not namespace:
            errs.append(errors.required(f"{path}.namespace"))
        else:
            errs += [errors.invalid(f"{path}.namespace", namespace, m) for m in name_is_dns_label(namespace)]
    elif namespace:
        errs.append(errors.forbidden(f"{path}.namespace", "not allowed on this type"))
    errs += nonnegative(check_int(md, "generation", f"{path}.generation", errs), f"{path}.generation")
    errs += validate_labels(md.get("labels"), f"{path}.labels")
    errs += validate_annotations(md.get("annotations"), f"{path}.annotations")
    errs += validate_owner_references(md.get("ownerReferences"), f"{path}.ownerReferences")
    errs += validate_finalizers(md.get("finalizers"), f"{path}.finalizers")
    return errs


def immutable(new: Any, old: Any, path: str) -> list[FieldError]:
    """ValidateImmutableField (semantic equality: absent == empty)."""
    if semantic_equal(new, old):
        return []
    return [errors.invalid(path, new if new is not None else "", IMMUTABLE_MSG)]


def immutable_selector(new: Any, old: Any, path: str) -> list[FieldError]:
    """`immutable` for a label selector, whose bad value Go prints as a struct (`%#v`)."""
    if semantic_equal(new, old):
        return []
    return [errors.invalid(path, errors.label_selector(new), IMMUTABLE_MSG)]


def validate_object_meta_update(obj: Any, old: Any, path: str = "metadata") -> list[FieldError]:
    """ValidateObjectMetaAccessorUpdate, less the resourceVersion check (the pipeline fills it)."""
    md = as_dict(obj.get("metadata") if isinstance(obj, dict) else None)
    old_md = as_dict(old.get("metadata") if isinstance(old, dict) else None)
    errs: list[FieldError] = []
    if old_md.get("deletionTimestamp"):
        old_f = set(f for f in as_list(old_md.get("finalizers")) if isinstance(f, str))
        extra = sorted(f for f in as_list(md.get("finalizers")) if isinstance(f, str) and f not in old_f)
        if extra:
            listed = ", ".join(f'"{f}"' for f in extra)
            errs.append(errors.forbidden(f"{path}.finalizers", "no new finalizers can be added if the object is "
                                         f"being deleted, found new finalizers []string{{{listed}}}"))
    gen, old_gen = md.get("generation"), old_md.get("generation")
    if is_int(gen) and is_int(old_gen) and gen < old_gen:
        errs.append(errors.invalid(f"{path}.generation", gen, "must not be decremented"))
    for key in ("name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"):
        errs += immutable(md.get(key), old_md.get(key), f"{path}.{key}")
    errs += validate_labels(md.get("labels"), f"{path}.labels")
    errs += validate_annotations(md.get("annotations"), f"{path}.annotations")
    errs += validate_owner_references(md.get("ownerReferences"), f"{path}.ownerReferences")
    errs += validate_finalizers(md.get("finalizers"), f"{path}.finalizers")
    return errs


# ----------------------------------------------------------------------------------------------
# IntOrString (maxSurge, maxUnavailable, ports)

INT_OR_PERCENT_MSG = "must be an integer or percentage (e.g '5%%')"  # sic: upstream's literal '%%'


def int_or_percent_errors(value: Any, path: str) -> list[FieldError]:
    """ValidatePositiveIntOrPercent."""
    if isinstance(value, str):
        return [errors.invalid(path, value, m) for m in percent_errors(value)]
    if is_int(value):
        return nonnegative(int(value), path)
    return [errors.invalid(path, value, INT_OR_PERCENT_MSG)]


def int_or_percent_value(value: Any) -> int:
    """getIntOrPercentValue: "25%" -> 25, 3 -> 3, anything unparsable -> 0."""
    if isinstance(value, str):
        if not percent_errors(value):
            return int(value[:-1])
        try:
            return int(value)
        except ValueError:
            return 0
    return int(value) if is_int(value) else 0


def not_more_than_100_percent(value: Any, path: str) -> list[FieldError]:
    if isinstance(value, str) and not percent_errors(value) and int(value[:-1]) > 100:
        return [errors.invalid(path, value, "must not be greater than 100%")]
    return []


def port_num_or_name_errors(port: Any, path: str) -> list[FieldError]:
    """ValidatePortNumOrName: 1-65535 or an IANA_SVC_NAME."""
    if isinstance(port, str):
        if not port:
            return [errors.required(path)]
        return [errors.invalid(path, port, m) for m in port_name_errors(port)]
    if is_int(port):
        return [errors.invalid(path, int(port), m) for m in port_num_errors(int(port))]
    if port is None:
        return [errors.required(path)]
    return [errors.invalid(path, port, "must be of type integer or string")]


# ----------------------------------------------------------------------------------------------
# Pod template and pod spec

RESTART_POLICIES = ("Always", "OnFailure", "Never")
DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
PROTOCOLS = ("SCTP", "TCP", "UDP")
TERMINATION_MESSAGE_POLICIES = ("File", "FallbackToLogsOnError")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
# the order upstream checks volume sources in: the second one found is the one reported
_VOLUME_SOURCES = (
    "emptyDir", "hostPath", "gitRepo", "gcePersistentDisk", "awsElasticBlockStore", "secret", "nfs", "iscsi",
    "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc",
    "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected",
    "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
)
_HOST_PATH_TYPES = ("", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice",
                    "BlockDevice")
_FILE_MODE_MSG = "must be a number between 0 and 0777 (octal), both inclusive"
_ENV_FIELD_PATHS = ("metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName",
                    "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs")
_STANDARD_CONTAINER_RESOURCES = ("cpu", "memory", "ephemeral-storage")
_UPDATABLE_POD_FIELDS = (
    "`spec.containers[*].image`", "`spec.initContainers[*].image`", "`spec.activeDeadlineSeconds`",
    "`spec.tolerations` (only additions to existing tolerations)",
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
)
POD_UPDATE_FORBIDDEN_MSG = "pod updates may not change fields other than " + ",".join(_UPDATABLE_POD_FIELDS)


def validate_pod_template_spec(template: Any, path: str) -> list[FieldError]:
    """ValidatePodTemplateSpec: template labels/annotations plus the pod spec."""
    if template is None:
        return [errors.required(path)]
    if not isinstance(template, dict):
        return [errors.invalid(path, template, "must be of type object")]
    errs: list[FieldError] = []
    md = check_dict(template, "metadata", f"{path}.metadata", errs) or {}
    errs += validate_labels(md.get("labels"), f"{path}.labels")
    errs += validate_annotations(md.get("annotations"), f"{path}.annotations")
    spec = check_dict(template, "spec", f"{path}.spec", errs) or {}
    errs += validate_pod_spec(spec, f"{path}.spec")
    if spec.get("ephemeralContainers"):
        errs.append(errors.forbidden(f"{path}.spec.ephemeralContainers",
                                     "ephemeral containers not allowed in pod template"))
    return errs


def validate_pod_spec(spec: Any, path: str) -> list[FieldError]:
    """ValidatePodSpec, the commonly used parts, with upstream's paths and messages."""
    if not isinstance(spec, dict):
        return [errors.invalid(path, spec, "must be of type object")]
    errs: list[FieldError] = []
    volumes = _validate_volumes(check_list(spec, "volumes", f"{path}.volumes", errs), f"{path}.volumes", errs)
    containers = check_list(spec, "containers", f"{path}.containers", errs)
    init_containers = check_list(spec, "initContainers", f"{path}.initContainers", errs)
    if not containers:
        errs.append(errors.required(f"{path}.containers"))
    names: set[str] = set()
    for i, c in enumerate(containers):
        _validate_container(c, f"{path}.containers[{i}]", volumes, names, errs, init=False)
    for i, c in enumerate(init_containers):
        _validate_container(c, f"{path}.initContainers[{i}]", volumes, names, errs, init=True)
    _check_host_port_conflicts(containers, f"{path}.containers", errs)

    restart = check_str(spec, "restartPolicy", f"{path}.restartPolicy", errs)
    if not restart:
        errs.append(errors.required(f"{path}.restartPolicy"))
    elif restart not in RESTART_POLICIES:
        errs.append(errors.not_supported(f"{path}.restartPolicy", restart, RESTART_POLICIES))
    dns = check_str(spec, "dnsPolicy", f"{path}.dnsPolicy", errs)
    if not dns:
        errs.append(errors.required(f"{path}.dnsPolicy"))
    elif dns not in DNS_POLICIES:
        errs.append(errors.not_supported(f"{path}.dnsPolicy", dns, DNS_POLICIES))
    elif dns == "None" and not spec.get("dnsConfig"):
        errs.append(errors.required(f"{path}.dnsConfig", "must provide `dnsConfig` when `dnsPolicy` is None"))
    errs += validate_labels(spec.get("nodeSelector"), f"{path}.nodeSelector")
    check_dict(spec, "securityContext", f"{path}.securityContext", errs)
    for i, s in enumerate(check_list(spec, "imagePullSecrets", f"{path}.imagePullSecrets", errs)):
        if not isinstance(s, dict) or not s.get("name"):
            errs.append(errors.required(f"{path}.imagePullSecrets[{i}].name"))
    for key in ("serviceAccountName", "nodeName"):
        value = check_str(spec, key, f"{path}.{key}", errs)
        if value:
            errs += [errors.invalid(f"{path}.{key}", value, m) for m in name_is_dns_subdomain(value)]
    tgps = check_int(spec, "terminationGracePeriodSeconds", f"{path}.terminationGracePeriodSeconds", errs)
    errs += nonnegative(tgps, f"{path}.terminationGracePeriodSeconds")
    ads = check_int(spec, "activeDeadlineSeconds", f"{path}.activeDeadlineSeconds", errs)
    if ads is not None and not 1 <= ads <= 2147483647:
        errs.append(errors.invalid(f"{path}.activeDeadlineSeconds", ads, "must be between 1 and 2147483647, inclusive"))
    for key in ("hostname", "subdomain"):
        value = check_str(spec, key, f"{path}.{key}", errs)
        if value:
            errs += [errors.invalid(f"{path}.{key}", value, m) for m in dns1123_label_errors(value)]
    errs += validate_tolerations(check_list(spec, "tolerations", f"{path}.tolerations", errs), f"{path}.tolerations")
    pc = check_str(spec, "priorityClassName", f"{path}.priorityClassName", errs)
    if pc:
        errs += [errors.invalid(f"{path}.priorityClassName", pc, m) for m in name_is_dns_subdomain(pc)]
    preemption = spec.get("preemptionPolicy")
    if preemption is not None and preemption not in ("PreemptLowerPriority", "Never"):
        errs.append(errors.not_supported(f"{path}.preemptionPolicy", preemption, ("Never", "PreemptLowerPriority")))
    for i, gate in enumerate(check_list(spec, "readinessGates", f"{path}.readinessGates", errs)):
        ctype = gate.get("conditionType") if isinstance(gate, dict) else None
        if not isinstance(ctype, str) or not ctype:
            errs.append(errors.required(f"{path}.readinessGates[{i}].conditionType"))
        else:
            errs += [errors.invalid(f"{path}.readinessGates[{i}].conditionType", ctype, m)
                     for m in label_key_errors(ctype)]
    for key in ("hostNetwork", "hostPID", "hostIPC", "enableServiceLinks", "automountServiceAccountToken",
                "shareProcessNamespace"):
        check_bool(spec, key, f"{path}.{key}", errs)
    return errs


def _validate_volumes(volumes: list, path: str, errs: list[FieldError]) -> set[str]:
    names: set[str] = set()
    for i, vol in enumerate(volumes):
        p = f"{path}[{i}]"
        if not isinstance(vol, dict):
            errs.append(errors.invalid(p, vol, "must be of type object"))
            continue
        sources = [k for k in _VOLUME_SOURCES if vol.get(k) is not None]
        if not sources:
            errs.append(errors.required(p, "must specify a volume type"))
        else:
            _validate_volume_source(sources[0], vol[sources[0]], f"{p}.{sources[0]}", errs)
            errs += [errors.forbidden(f"{p}.{k}", "may not specify more than 1 volume type") for k in sources[1:]]
        name = check_str(vol, "name", f"{p}.name", errs)
        if not name:
            errs.append(errors.required(f"{p}.name"))
        else:
            errs += [errors.invalid(f"{p}.name", name, m) for m in dns1123_label_errors(name)]
        if name in names:
            errs.append(errors.duplicate(f"{p}.name", name))
        names.add(name)
    return names


def _file_mode(src: dict, key: str, path: str, errs: list[FieldError]) -> None:
    mode = check_int(src, key, path, errs)
    if mode is not None and not 0 <= mode <= 0o777:
        errs.append(errors.invalid(path, mode, _FILE_MODE_MSG))


def _validate_key_to_paths(items: list, path: str, errs: list[FieldError]) -> None:
    for i, item in enumerate(items):
        p = f"{path}[{i}]"
        if not isinstance(item, dict):
            errs.append(errors.invalid(p, item, "must be of type object"))
            continue
        if not item.get("key"):
            errs.append(errors.required(f"{p}.key"))
        rel = check_str(item, "path", f"{p}.path", errs)
        if not rel:
            errs.append(errors.required(f"{p}.path"))
        else:
            errs += _local_descending_path(rel, f"{p}.path")
        _file_mode(item, "mode", f"{p}.mode", errs)


def _local_descending_path(target: str, path: str) -> list[FieldError]:
    errs = []
    if target.startswith("/"):
        errs.append(errors.invalid(path, target, "must be a relative path"))
    if ".." in target.replace("\\", "/").split("/"):
        errs.append(errors.invalid(path, target, "must not contain '..'"))
    return errs


def _validate_volume_source(kind: str, src: Any, path: str, errs: list[FieldError]) -> None:
    if not isinstance(src, dict):
        errs.append(errors.invalid(path, src, "must be of type object"))
        return
    if kind == "configMap":
        if not src.get("name"):
            errs.append(errors.required(f"{path}.name"))
        _file_mode(src, "defaultMode", f"{path}.defaultMode", errs)
        _validate_key_to_paths(check_list(src, "items", f"{path}.items", errs), f"{path}.items", errs)
    elif kind == "secret":
        if not src.get("secretName"):
            errs.append(errors.required(f"{path}.secretName"))
        _file_mode(src, "defaultMode", f"{path}.defaultMode", errs)
        _validate_key_to_paths(check_list(src, "items", f"{path}.items", errs), f"{path}.items", errs)
    elif kind == "hostPath":
        if not src.get("path"):
            errs.append(errors.required(f"{path}.path"))
        htype = src.get("type")
        if htype is not None and htype not in _HOST_PATH_TYPES:
            errs.append(errors.not_supported(f"{path}.type", htype, _HOST_PATH_TYPES))
    elif kind == "persistentVolumeClaim":
        if not src.get("claimName"):
            errs.append(errors.required(f"{path}.claimName"))
    elif kind == "emptyDir":
        medium = src.get("medium")
        if medium not in (None, "", "Memory", "HugePages") and not (
                isinstance(medium, str) and medium.startswith("HugePages-")):
            errs.append(errors.not_supported(f"{path}.medium", medium, ("", "Memory", "HugePages")))
        limit = src.get("sizeLimit")
        if limit is not None:
            value = quantity_value(limit)
            if value is None:
                errs.append(errors.invalid(f"{path}.sizeLimit", limit, QUANTITY_REGEX_MSG))
            elif value < 0:
                errs.append(errors.invalid(f"{path}.sizeLimit", limit, NEGATIVE_MSG))
    elif kind in ("projected", "downwardAPI"):
        _file_mode(src, "defaultMode", f"{path}.defaultMode", errs)
    elif kind == "nfs":
        if not src.get("server"):
            errs.append(errors.required(f"{path}.server"))
        if not src.get("path"):
            errs.append(errors.required(f"{path}.path"))
    elif kind == "csi":
        if not src.get("driver"):
            errs.append(errors.required(f"{path}.driver"))
    elif kind == "image":
        if not src.get("reference"):
            errs.append(errors.required(f"{path}.reference"))


def _validate_container(c: Any, path: str, volumes: set[str], names: set[str], errs: list[FieldError],
                        *, init: bool) -> None:
    if not isinstance(c, dict):
        errs.append(errors.invalid(path, c, "must be of type object"))
        return
    name = check_str(c, "name", f"{path}.name", errs)
    if not name:
        errs.append(errors.required(f"{path}.name"))
    else:
        errs += [errors.invalid(f"{path}.name", name, m) for m in dns1123_label_errors(name)]
    if name in names:
        errs.append(errors.duplicate(f"{path}.name", name))
    else:
        names.add(name)
    if not check_str(c, "image", f"{path}.image", errs):
        errs.append(errors.required(f"{path}.image"))
    tmp = check_str(c, "terminationMessagePolicy", f"{path}.terminationMessagePolicy", errs)
    if not tmp:
        errs.append(errors.required(f"{path}.terminationMessagePolicy"))
    elif tmp not in TERMINATION_MESSAGE_POLICIES:
        errs.append(errors.not_supported(f"{path}.terminationMessagePolicy", tmp, TERMINATION_MESSAGE_POLICIES))
    for key in ("command", "args"):
        for j, item in enumerate(check_list(c, key, f"{path}.{key}", errs)):
            if not isinstance(item, str):
                errs.append(errors.invalid(f"{path}.{key}[{j}]", item, "must be of type string"))
    _validate_ports(check_list(c, "ports", f"{path}.ports", errs), f"{path}.ports", errs)
    _validate_env(check_list(c, "env", f"{path}.env", errs), f"{path}.env", errs)
    for j, src in enumerate(check_list(c, "envFrom", f"{path}.envFrom", errs)):
        p = f"{path}.envFrom[{j}]"
        if not isinstance(src, dict):
            errs.append(errors.invalid(p, src, "must be of type object"))
            continue
        refs = [k for k in ("configMapRef", "secretRef") if src.get(k) is not None]
        if not refs:
            errs.append(errors.invalid(p, "", "must specify one of: `configMapRef` or `secretRef`"))
        elif len(refs) > 1:
            errs.append(errors.invalid(p, "", "may not have more than one field specified at a time"))
        else:
            ref = src[refs[0]]
            if not isinstance(ref, dict) or not ref.get("name"):
                errs.append(errors.required(f"{p}.{refs[0]}.name"))
    _validate_volume_mounts(check_list(c, "volumeMounts", f"{path}.volumeMounts", errs), volumes,
                            f"{path}.volumeMounts", errs)
    pull = check_str(c, "imagePullPolicy", f"{path}.imagePullPolicy", errs)
    if not pull:
        errs.append(errors.required(f"{path}.imagePullPolicy"))
    elif pull not in PULL_POLICIES:
        errs.append(errors.not_supported(f"{path}.imagePullPolicy", pull, PULL_POLICIES))
    resources = check_dict(c, "resources", f"{path}.resources", errs)
    if resources:
        _validate_resources(resources, f"{path}.resources", errs)
    check_dict(c, "securityContext", f"{path}.securityContext", errs)
    lifecycle = check_dict(c, "lifecycle", f"{path}.lifecycle", errs)
    if lifecycle:
        for hook in ("postStart", "preStop"):
            handler = lifecycle.get(hook)
            if handler is not None:
                _validate_handler(handler, f"{path}.lifecycle.{hook}", errs, lifecycle=True)
    restart = c.get("restartPolicy")
    if restart is not None:
        if init:
            if restart != "Always":
                errs.append(errors.not_supported(f"{path}.restartPolicy", restart, ("Always",)))
        else:
            errs.append(errors.forbidden(f"{path}.restartPolicy", "may not be set for non-init containers"))
    if not init or restart == "Always":
        _validate_probe(c.get("livenessProbe"), f"{path}.livenessProbe", errs, kind="liveness")
        _validate_probe(c.get("readinessProbe"), f"{path}.readinessProbe", errs, kind="readiness")
        _validate_probe(c.get("startupProbe"), f"{path}.startupProbe", errs, kind="startup")
    else:
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            if c.get(probe) is not None:
                errs.append(errors.forbidden(f"{path}.{probe}", "may not be set for init containers without "
                                             "restartPolicy=Always"))


def _validate_ports(ports: list, path: str, errs: list[FieldError]) -> None:
    names: set[str] = set()
    for i, port in enumerate(ports):
        p = f"{path}[{i}]"
        if not isinstance(port, dict):
            errs.append(errors.invalid(p, port, "must be of type object"))
            continue
        name = check_str(port, "name", f"{p}.name", errs)
        if name:
            msgs = port_name_errors(name)
            if msgs:
                errs += [errors.invalid(f"{p}.name", name, m) for m in msgs]
            elif name in names:
                errs.append(errors.duplicate(f"{p}.name", name))
            else:
                names.add(name)
        cport = check_int(port, "containerPort", f"{p}.containerPort", errs)
        if not cport:
            if "containerPort" not in port or cport == 0:
                errs.append(errors.required(f"{p}.containerPort"))
        else:
            errs += [errors.invalid(f"{p}.containerPort", cport, m) for m in port_num_errors(cport)]
        hport = check_int(port, "hostPort", f"{p}.hostPort", errs)
        if hport:
            errs += [errors.invalid(f"{p}.hostPort", hport, m) for m in port_num_errors(hport)]
        proto = check_str(port, "protocol", f"{p}.protocol", errs)
        if not proto:
            errs.append(errors.required(f"{p}.protocol"))
        elif proto not in PROTOCOLS:
            errs.append(errors.not_supported(f"{p}.protocol", proto, PROTOCOLS))


def _check_host_port_conflicts(containers: list, path: str, errs: list[FieldError]) -> None:
    seen: set[tuple] = set()
    for i, c in enumerate(containers):
        for j, port in enumerate(as_list(as_dict(c).get("ports"))):
            port = as_dict(port)
            hport = port.get("hostPort")
            if not is_int(hport) or not hport:
                continue
            key = (port.get("protocol") or "TCP", port.get("hostIP") or "", int(hport))
            if key in seen:
                errs.append(errors.duplicate(f"{path}[{i}].ports[{j}].hostPort",
                                             f"{key[0]}/{key[1]}:{key[2]}" if key[1] else f"{key[0]}/{key[2]}"))
            seen.add(key)


def _validate_env(env: list, path: str, errs: list[FieldError]) -> None:
    for i, ev in enumerate(env):
        p = f"{path}[{i}]"
        if not isinstance(ev, dict):
            errs.append(errors.invalid(p, ev, "must be of type object"))
            continue
        name = check_str(ev, "name", f"{p}.name", errs)
        if not name:
            errs.append(errors.required(f"{p}.name"))
        errs += [errors.invalid(f"{p}.name", name, m) for m in env_var_name_errors(name)]
        value = check_str(ev, "value", f"{p}.value", errs)
        value_from = check_dict(ev, "valueFrom", f"{p}.valueFrom", errs)
        if value_from is not None:
            _validate_env_value_from(value_from, value, f"{p}.valueFrom", errs)


def _validate_env_value_from(vf: dict, value: str, path: str, errs: list[FieldError]) -> None:
    sources = [k for k in ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef", "fileKeyRef")
               if vf.get(k) is not None]
    if not sources:
        errs.append(errors.invalid(path, "", "must specify one of: `fieldRef`, `resourceFieldRef`, "
                                   "`configMapKeyRef` or `secretKeyRef`"))
        return
    if len(sources) > 1:
        errs.append(errors.invalid(path, "", "may not have more than one field specified at a time"))
        return
    if value:
        errs.append(errors.invalid(path, "", "may not be specified when `value` is not empty"))
    kind = sources[0]
    src = vf[kind]
    p = f"{path}.{kind}"
    if not isinstance(src, dict):
        errs.append(errors.invalid(p, src, "must be of type object"))
        return
    if kind == "fieldRef":
        if not src.get("apiVersion"):
            errs.append(errors.required(f"{p}.apiVersion"))
        fp = src.get("fieldPath")
        if not fp:
            errs.append(errors.required(f"{p}.fieldPath"))
        elif isinstance(fp, str):
            subscripted = fp.startswith(("metadata.labels['", "metadata.annotations['")) and fp.endswith("']")
            if not subscripted and fp not in _ENV_FIELD_PATHS:
                errs.append(errors.not_supported(f"{p}.fieldPath", fp, _ENV_FIELD_PATHS))
    elif kind == "resourceFieldRef":
        if not src.get("resource"):
            errs.append(errors.required(f"{p}.resource"))
    elif kind in ("configMapKeyRef", "secretKeyRef"):
        if not src.get("name"):
            errs.append(errors.required(f"{p}.name"))
        key = src.get("key")
        if not key:
            errs.append(errors.required(f"{p}.key"))
        elif isinstance(key, str):
            errs += [errors.invalid(f"{p}.key", key, m) for m in config_map_key_errors(key)]


def _validate_volume_mounts(mounts: list, volumes: set[str], path: str, errs: list[FieldError]) -> None:
    mount_points: set[str] = set()
    for i, m in enumerate(mounts):
        p = f"{path}[{i}]"
        if not isinstance(m, dict):
            errs.append(errors.invalid(p, m, "must be of type object"))
            continue
        name = check_str(m, "name", f"{p}.name", errs)
        if not name:
            errs.append(errors.required(f"{p}.name"))
        if name not in volumes:
            errs.append(not_found(f"{p}.name", name))
        mount_path = check_str(m, "mountPath", f"{p}.mountPath", errs)
        if not mount_path:
            errs.append(errors.required(f"{p}.mountPath"))
        if mount_path in mount_points:
            errs.append(errors.invalid(f"{p}.mountPath", mount_path, "must be unique"))
        mount_points.add(mount_path)
        sub_path = check_str(m, "subPath", f"{p}.subPath", errs)
        if sub_path:
            errs += _local_descending_path(sub_path, f"{path}.subPath")
        check_bool(m, "readOnly", f"{p}.readOnly", errs)


def _validate_resources(res: dict, path: str, errs: list[FieldError]) -> None:
    limits = check_dict(res, "limits", f"{path}.limits", errs) or {}
    requests = check_dict(res, "requests", f"{path}.requests", errs) or {}
    parsed_limits: dict[str, Fraction] = {}
    for name, q in limits.items():
        value = _validate_resource_entry(name, q, f"{path}.limits[{name}]", errs)
        if value is not None:
            parsed_limits[name] = value
    for name, q in requests.items():
        value = _validate_resource_entry(name, q, f"{path}.requests[{name}]", errs)
        if value is None:
            continue
        overcommit = not name.startswith("hugepages-") and (
            name in _STANDARD_CONTAINER_RESOURCES or name.startswith("requests.") or "/" not in name
            or name.split("/", 1)[0].endswith("kubernetes.io"))
        limit = parsed_limits.get(name)
        if name in limits and limit is not None:
            if not overcommit and value != limit:
                errs.append(errors.invalid(f"{path}.requests", canonical_quantity(q), f"must be equal to {name} limit "
                                           f"of {canonical_quantity(limits[name])}"))
            elif value > limit:
                errs.append(errors.invalid(f"{path}.requests", canonical_quantity(q), f"must be less than or equal to "
                                           f"{name} limit of {canonical_quantity(limits[name])}"))
        elif name not in limits and not overcommit:
            errs.append(errors.required(f"{path}.limits", "Limit must be set for non overcommitable resources"))


def _validate_resource_entry(name: str, q: Any, path: str, errs: list[FieldError]) -> Fraction | None:
    key_errs = label_key_errors(name)
    if key_errs:
        errs += [errors.invalid(path, name, m) for m in key_errs]
    elif "/" not in name and name not in _STANDARD_CONTAINER_RESOURCES and not name.startswith("hugepages-"):
        errs.append(errors.invalid(path, name, "must be a standard resource for containers"))
    try:
        value, _ = parse_quantity(q)
    except QuantityError as exc:
        errs.append(errors.invalid(path, q, str(exc)))
        return None
    if value < 0:
        errs.append(errors.invalid(path, canonical_quantity(q), NEGATIVE_MSG))
    elif "/" in name and not name.split("/", 1)[0].endswith("kubernetes.io") and value.denominator != 1:
        errs.append(errors.invalid(path, canonical_quantity(q), "must be an integer"))
    return value


def _validate_probe(probe: Any, path: str, errs: list[FieldError], *, kind: str) -> None:
    if probe is None:
        return
    if not isinstance(probe, dict):
        errs.append(errors.invalid(path, probe, "must be of type object"))
        return
    _validate_handler(probe, path, errs, lifecycle=False)
    for key in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"):
        errs += nonnegative(check_int(probe, key, f"{path}.{key}", errs), f"{path}.{key}")
    tgps = check_int(probe, "terminationGracePeriodSeconds", f"{path}.terminationGracePeriodSeconds", errs)
    if kind == "readiness":
        if probe.get("terminationGracePeriodSeconds") is not None:
            errs.append(errors.invalid(f"{path}.terminationGracePeriodSeconds", probe["terminationGracePeriodSeconds"],
                                       "must not be set for readinessProbes"))
    elif tgps is not None and tgps <= 0:
        errs.append(errors.invalid(f"{path}.terminationGracePeriodSeconds", tgps, "must be greater than 0"))
    if kind in ("liveness", "startup"):
        success = probe.get("successThreshold")
        if is_int(success) and success != 1:
            errs.append(errors.invalid(f"{path}.successThreshold", success, "must be 1"))


def _validate_handler(handler: Any, path: str, errs: list[FieldError], *, lifecycle: bool) -> None:
    if not isinstance(handler, dict):
        errs.append(errors.invalid(path, handler, "must be of type object"))
        return
    kinds = ("exec", "httpGet", "tcpSocket", "sleep") if lifecycle else ("exec", "httpGet", "tcpSocket", "grpc")
    present = [k for k in kinds if handler.get(k) is not None]
    if not present:
        errs.append(errors.required(path, "must specify a handler type"))
        return
    if len(present) > 1:
        errs.append(errors.forbidden(f"{path}.{present[1]}", "may not specify more than 1 handler type"))
        return
    kind = present[0]
    h = handler[kind]
    p = f"{path}.{kind}"
    if not isinstance(h, dict):
        errs.append(errors.invalid(p, h, "must be of type object"))
        return
    if kind == "exec":
        if not h.get("command"):
            errs.append(errors.required(f"{p}.command"))
    elif kind == "httpGet":
        if not h.get("path"):
            errs.append(errors.required(f"{p}.path"))
        errs += port_num_or_name_errors(h.get("port"), f"{p}.port")
        scheme = h.get("scheme")
        if scheme not in ("HTTP", "HTTPS"):
            errs.append(errors.not_supported(f"{p}.scheme", scheme, ("HTTP", "HTTPS")))
        for j, header in enumerate(check_list(h, "httpHeaders", f"{p}.httpHeaders", errs)):
            hname = as_dict(header).get("name")
            if not isinstance(hname, str) or not re.fullmatch(r"[-A-Za-z0-9]+", hname):
                errs.append(errors.invalid(f"{p}.httpHeaders[{j}].name", hname, _regex_error(
                    "a valid HTTP header must consist of alphanumeric characters or '-'", "[-A-Za-z0-9]+",
                    "X-Header-Name")))
    elif kind == "tcpSocket":
        errs += port_num_or_name_errors(h.get("port"), f"{p}.port")
    elif kind == "grpc":
        port = h.get("port")
        if not is_int(port):
            errs.append(errors.invalid(f"{p}.port", port, "must be of type integer"))
        else:
            errs += [errors.invalid(f"{p}.port", int(port), m) for m in port_num_errors(int(port))]
    elif kind == "sleep":
        seconds = check_int(h, "seconds", f"{p}.seconds", errs)
        if seconds is not None and seconds < 0:
            errs.append(errors.invalid(f"{p}.seconds", seconds, NEGATIVE_MSG))


def validate_tolerations(tolerations: list, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    for i, t in enumerate(tolerations):
        p = f"{path}[{i}]"
        if not isinstance(t, dict):
            errs.append(errors.invalid(p, t, "must be of type object"))
            continue
        key = check_str(t, "key", f"{p}.key", errs)
        op = check_str(t, "operator", f"{p}.operator", errs)
        value = check_str(t, "value", f"{p}.value", errs)
        effect = check_str(t, "effect", f"{p}.effect", errs)
        if key:
            errs += [errors.invalid(f"{p}.key", key, m) for m in label_key_errors(key)]
        if not key and op != "Exists":
            errs.append(errors.invalid(f"{p}.operator", op, "operator must be Exists when `key` is empty, which "
                                       'means "match all values and all keys"'))
        seconds = check_int(t, "tolerationSeconds", f"{p}.tolerationSeconds", errs)
        if seconds is not None and effect != "NoExecute":
            errs.append(errors.invalid(f"{p}.effect", effect, "effect must be 'NoExecute' when `tolerationSeconds` "
                                       "is set"))
        if op in ("Equal", ""):
            msgs = label_value_errors(value)
            if msgs:
                errs.append(errors.invalid(f"{p}.operator", value, ";".join(msgs)))
        elif op == "Exists":
            if value:
                errs.append(errors.invalid(f"{p}.operator", t, "value must be empty when `operator` is 'Exists'"))
        else:
            errs.append(errors.not_supported(f"{p}.operator", op, ("Equal", "Exists")))
        if effect and effect not in TAINT_EFFECTS:
            errs.append(errors.not_supported(f"{p}.effect", effect, TAINT_EFFECTS))
    return errs


# ----------------------------------------------------------------------------------------------
# Pod updates

def _toleration_key(t: Any) -> Any:
    return tuple(sorted(as_dict(t).items(), key=lambda kv: kv[0])) if isinstance(t, dict) else t


def _compact(value: Any) -> str:
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:
        return repr(value)


def _spec_diff(old: Mapping, new: Mapping) -> str:
    """A short cmp.Diff-like listing of the top-level spec fields that differ."""
    lines = ["  core.PodSpec{"]
    for key in sorted(old.keys() | new.keys()):
        if not semantic_equal(old.get(key), new.get(key)):
            if key in old:
                lines.append(f"- \t{key}: {_compact(old.get(key))},")
            if key in new:
                lines.append(f"+ \t{key}: {_compact(new.get(key))},")
    lines.append("  }")
    return "\n".join(lines) + "\n"


def validate_pod_spec_update(spec: Any, old_spec: Any, path: str = "spec") -> list[FieldError]:
    """ValidatePodUpdate's spec rule: only images, activeDeadlineSeconds, added tolerations,
    terminationGracePeriodSeconds (negative -> 1) and removed schedulingGates may change."""
    new, old = as_dict(spec), as_dict(old_spec)
    errs: list[FieldError] = []
    munged = dict(new)
    for key in ("containers", "initContainers"):
        new_list, old_list = as_list(new.get(key)), as_list(old.get(key))
        if len(new_list) == len(old_list):
            munged[key] = [
                {**c, "image": as_dict(o).get("image")} if isinstance(c, dict) and "image" in as_dict(o) else c
                for c, o in zip(new_list, old_list, strict=True)
            ]
    # activeDeadlineSeconds may go from unset to a value, or down; a bad change ends validation
    ads, old_ads = new.get("activeDeadlineSeconds"), old.get("activeDeadlineSeconds")
    if is_int(ads):
        if not 0 <= ads <= 2147483647:
            return [errors.invalid(f"{path}.activeDeadlineSeconds", ads, "must be between 0 and 2147483647, "
                                   "inclusive")]
        if is_int(old_ads) and old_ads < ads:
            return [errors.invalid(f"{path}.activeDeadlineSeconds", ads, "must be less than or equal to previous "
                                   "value")]
        munged["activeDeadlineSeconds"] = old_ads
    elif ads is None and old_ads is not None:
        errs.append(errors.invalid(f"{path}.activeDeadlineSeconds", None, "must not update from a positive integer "
                                   "to nil value"))
    old_tol = [_toleration_key(t) for t in as_list(old.get("tolerations"))]
    new_tol = [_toleration_key(t) for t in as_list(new.get("tolerations"))]
    if all(t in new_tol for t in old_tol):
        munged["tolerations"] = old.get("tolerations")
    tgps, old_tgps = new.get("terminationGracePeriodSeconds"), old.get("terminationGracePeriodSeconds")
    if is_int(old_tgps) and old_tgps < 0 and tgps == 1:
        munged["terminationGracePeriodSeconds"] = old_tgps
    old_gates = as_list(old.get("schedulingGates"))
    new_gates = as_list(new.get("schedulingGates"))
    if all(g in old_gates for g in new_gates):
        munged["schedulingGates"] = old.get("schedulingGates")
    if not semantic_equal(munged, old):
        errs.append(errors.forbidden(path, POD_UPDATE_FORBIDDEN_MSG + "\n" + _spec_diff(old, munged)))
    return errs
