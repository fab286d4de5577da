"""core/v1 Endpoints: port protocol default and address/port validation.

Upstream: pkg/apis/core/v1/defaults.go (SetDefaults_Endpoints),
pkg/apis/core/validation/validation.go (ValidateEndpoints, validateEndpointSubsets).
"""

from __future__ import annotations

from kroll.api import errors
from kroll.api.errors import FieldError
from kroll.api.kinds import _common as c
from kroll.api.kinds.base import Strategy
from kroll.api.types import Obj
from kroll.api.validation import (
    PROTOCOLS,
    as_list,
    check_int,
    check_list,
    check_str,
    dns1123_label_errors,
    ip_errors,
    port_num_errors,
)


def default_endpoints(obj: Obj) -> None:
    for subset in as_list(obj.get("subsets")):
        if isinstance(subset, dict):
            for port in as_list(subset.get("ports")):
                if isinstance(port, dict) and not port.get("protocol"):
                    port["protocol"] = "TCP"


def _address_errors(addresses: list, path: str, errs: list[FieldError]) -> None:
    for i, addr in enumerate(addresses):
        p = f"{path}[{i}]"
        if not isinstance(addr, dict):
            errs.append(errors.invalid(p, addr, "must be of type object"))
            continue
        ip = check_str(addr, "ip", f"{p}.ip", errs)
        errs += [errors.invalid(f"{p}.ip", ip, m) for m in ip_errors(ip)]
        hostname = check_str(addr, "hostname", f"{p}.hostname", errs)
        if hostname:
            errs += [errors.invalid(f"{p}.hostname", hostname, m) for m in dns1123_label_errors(hostname)]


def validate_subsets(obj: Obj, errs: list[FieldError]) -> None:
    for i, subset in enumerate(check_list(obj, "subsets", "subsets", errs)):
        p = f"subsets[{i}]"
        if not isinstance(subset, dict):
            errs.append(errors.invalid(p, subset, "must be of type object"))
            continue
        addresses = check_list(subset, "addresses", f"{p}.addresses", errs)
        not_ready = check_list(subset, "notReadyAddresses", f"{p}.notReadyAddresses", errs)
        if not addresses and not not_ready:
            errs.append(errors.required(p, "must specify `addresses` or `notReadyAddresses`"))
        _address_errors(addresses, f"{p}.addresses", errs)
        _address_errors(not_ready, f"{p}.notReadyAddresses", errs)
        ports = check_list(subset, "ports", f"{p}.ports", errs)
        names: set[str] = set()
        for j, port in enumerate(ports):
            pp = f"{p}.ports[{j}]"
            if not isinstance(port, dict):
                errs.append(errors.invalid(pp, port, "must be of type object"))
                continue
            name = check_str(port, "name", f"{pp}.name", errs)
            if len(ports) > 1 and not name:
                errs.append(errors.required(f"{pp}.name"))
            elif name:
                errs += [errors.invalid(f"{pp}.name", name, m) for m in dns1123_label_errors(name)]
                if name in names:
                    errs.append(errors.duplicate(f"{pp}.name", name))
                names.add(name)
            number = check_int(port, "port", f"{pp}.port", errs) or 0
            errs += [errors.invalid(f"{pp}.port", number, m) for m in port_num_errors(number)]
            proto = check_str(port, "protocol", f"{pp}.protocol", errs)
            if not proto:
                errs.append(errors.required(f"{pp}.protocol"))
            elif proto not in PROTOCOLS:
                errs.append(errors.not_supported(f"{pp}.protocol", proto, PROTOCOLS))


class EndpointsStrategy(Strategy):
    def default(self, obj: Obj) -> None:
        default_endpoints(obj)

    def validate(self, obj: Obj, old: Obj | None) -> list[FieldError]:
        errs = c.meta_errors(obj, old, namespaced=True)
        validate_subsets(obj, errs)
        return errs


strategy = EndpointsStrategy()
