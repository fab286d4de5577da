"""core/v1 Service: defaults, validation, carrying allocated values across updates.

Upstream: pkg/apis/core/v1/defaults.go (SetDefaults_Service),
pkg/apis/core/validation/validation.go (ValidateService, ValidateServiceUpdate),
pkg/registry/core/service/strategy.go and storage/alloc.go (patchAllocatedValues).

Cluster IP and node port *allocation* is the server's job; this module only defaults
`clusterIPs` from `clusterIP`, and on update copies the allocated values (clusterIP(s),
node ports, health-check node port, IP families) from the stored object when the request
leaves them empty, as upstream does so that `kubectl replace` of a manifest without a
clusterIP works.
"""

from __future__ import annotations

from typing import Any

from kroll.api import errors
from kroll.api.errors import FieldError
from kroll.api.kinds import _common as c
from kroll.api.kinds.base import Strategy
from kroll.api.types import Obj
from kroll.api.validation import (
    PROTOCOLS,
    as_dict,
    as_list,
    check_int,
    check_list,
    check_str,
    dns1123_label_errors,
    dns1123_subdomain_errors,
    ip_errors,
    is_int,
    name_is_dns1035_label,
    port_num_errors,
    port_num_or_name_errors,
    semantic_equal,
    validate_labels,
)

SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
SESSION_AFFINITIES = ("ClientIP", "None")
DEFAULT_CLIENT_IP_TIMEOUT = 10800


def _spec_str(obj: Obj, key: str) -> str:
    value = as_dict(obj.get("spec")).get(key)
    return value if isinstance(value, str) else ""


def default_service(obj: Obj) -> None:
    spec = c.spec_of(obj)
    if spec is None:
        return
    if not spec.get("sessionAffinity"):
        spec["sessionAffinity"] = "None"
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    elif spec["sessionAffinity"] == "ClientIP":
        cfg = as_dict(spec.get("sessionAffinityConfig"))
        client_ip = as_dict(cfg.get("clientIP"))
        if client_ip.get("timeoutSeconds") is None:
            spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": DEFAULT_CLIENT_IP_TIMEOUT}}
    if not spec.get("type"):
        spec["type"] = "ClusterIP"
    stype = spec["type"]
    for port in as_list(spec.get("ports")):
        if not isinstance(port, dict):
            continue
        if not port.get("protocol"):
            port["protocol"] = "TCP"
        target = port.get("targetPort")
        if target in (None, 0, ""):
            port["targetPort"] = port.get("port")
    if stype in ("NodePort", "LoadBalancer") and not spec.get("externalTrafficPolicy"):
        spec["externalTrafficPolicy"] = "Cluster"
    if spec.get("internalTrafficPolicy") is None and stype in ("NodePort", "LoadBalancer", "ClusterIP"):
        spec["internalTrafficPolicy"] = "Cluster"
    if stype == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is None:
        spec["allocateLoadBalancerNodePorts"] = True
    if stype != "ExternalName":
        if spec.get("clusterIP") and not spec.get("clusterIPs"):
            spec["clusterIPs"] = [spec["clusterIP"]]
        if not spec.get("ipFamilyPolicy"):
            spec["ipFamilyPolicy"] = "SingleStack"
        if not spec.get("ipFamilies"):
            ip = spec.get("clusterIP")
            family = "IPv6" if isinstance(ip, str) and ":" in ip else "IPv4"
            spec["ipFamilies"] = [family]


def _port_key(port: Any) -> tuple:
    port = as_dict(port)
    return port.get("port"), port.get("protocol") or "TCP"


def carry_allocated(obj: Obj, old: Obj) -> None:
    """patchAllocatedValues: keep allocated IPs and ports the request left empty."""
    spec, old_spec = as_dict(obj.get("spec")), as_dict(old.get("spec"))
    if not spec or not old_spec:
        return
    keeps_ips = spec.get("type") != "ExternalName" and old_spec.get("type") != "ExternalName"
    if keeps_ips:
        if not spec.get("clusterIP") and old_spec.get("clusterIP"):
            spec["clusterIP"] = old_spec["clusterIP"]
        if not spec.get("clusterIPs") and old_spec.get("clusterIPs") and spec.get("clusterIP") == old_spec.get(
                "clusterIP"):
            spec["clusterIPs"] = list(old_spec["clusterIPs"])
        for key in ("ipFamilies", "ipFamilyPolicy"):
            if not spec.get(key) and old_spec.get(key):
                spec[key] = old_spec[key]
    if spec.get("type") in ("NodePort", "LoadBalancer") and old_spec.get("type") in ("NodePort", "LoadBalancer"):
        old_ports = {_port_key(p): as_dict(p).get("nodePort") for p in as_list(old_spec.get("ports"))}
        for port in as_list(spec.get("ports")):
            if isinstance(port, dict) and not port.get("nodePort") and old_ports.get(_port_key(port)):
                port["nodePort"] = old_ports[_port_key(port)]
        if not spec.get("healthCheckNodePort") and old_spec.get("healthCheckNodePort"):
            if spec.get("externalTrafficPolicy") == "Local":
                spec["healthCheckNodePort"] = old_spec["healthCheckNodePort"]


def validate_service_spec(obj: Obj) -> list[FieldError]:
    errs: list[FieldError] = []
    spec = as_dict(obj.get("spec"))
    stype = check_str(spec, "type", "spec.type", errs)
    if stype not in SERVICE_TYPES:
        errs.append(errors.not_supported("spec.type", stype, SERVICE_TYPES))
    cluster_ip = check_str(spec, "clusterIP", "spec.clusterIP", errs)
    headless = cluster_ip == "None"
    ports = check_list(spec, "ports", "spec.ports", errs)
    if stype == "ExternalName":
        ename = check_str(spec, "externalName", "spec.externalName", errs)
        if not ename:
            errs.append(errors.required("spec.externalName"))
        else:
            name = ename[:-1] if ename.endswith(".") else ename
            msgs = dns1123_subdomain_errors(name)
            if msgs:
                errs.append(errors.invalid("spec.externalName", ename, ",".join(msgs)))
        if cluster_ip:
            errs.append(errors.forbidden("spec.clusterIPs", "may not be set for ExternalName services"))
    elif not ports and not headless:
        errs.append(errors.required("spec.ports"))
    names: set[str] = set()
    seen: set[tuple] = set()
    require_name = len(ports) > 1
    for i, port in enumerate(ports):
        p = f"spec.ports[{i}]"
        if not isinstance(port, dict):
            errs.append(errors.invalid(p, port, "must be of type object"))
            continue
        name = check_str(port, "name", f"{p}.name", errs)
        if require_name and not name:
            errs.append(errors.required(f"{p}.name"))
        elif name:
            errs += [errors.invalid(f"{p}.name", name, m) for m in dns1123_label_errors(name)]
            if name in names:
                errs.append(errors.duplicate(f"{p}.name", name))
            names.add(name)
        number = check_int(port, "port", f"{p}.port", errs)
        errs += [errors.invalid(f"{p}.port", number or 0, m) for m in port_num_errors(number or 0)]
        proto = check_str(port, "protocol", f"{p}.protocol", errs)
        if not proto:
            errs.append(errors.required(f"{p}.protocol"))
        elif proto not in PROTOCOLS:
            errs.append(errors.not_supported(f"{p}.protocol", proto, PROTOCOLS))
        errs += port_num_or_name_errors(port.get("targetPort"), f"{p}.targetPort")
        node_port = check_int(port, "nodePort", f"{p}.nodePort", errs)
        if node_port:
            if stype == "ClusterIP":
                errs.append(errors.forbidden(f"{p}.nodePort", "may not be used when `type` is 'ClusterIP'"))
            errs += [errors.invalid(f"{p}.nodePort", node_port, m) for m in port_num_errors(node_port)]
        key = (number, proto)
        if key in seen:
            errs.append(errors.duplicate(p, {"port": number, "protocol": proto}))
        seen.add(key)
    if stype != "ExternalName" and cluster_ip and not headless:
        errs += [errors.invalid("spec.clusterIPs[0]", cluster_ip, m) for m in ip_errors(cluster_ip)]
        ips = as_list(spec.get("clusterIPs"))
        if ips and ips[0] != cluster_ip:
            errs.append(errors.invalid("spec.clusterIPs", ips, "element [0] must match clusterIP"))
    errs += validate_labels(spec.get("selector"), "spec.selector")
    affinity = spec.get("sessionAffinity")
    if affinity not in SESSION_AFFINITIES:
        errs.append(errors.not_supported("spec.sessionAffinity", affinity, SESSION_AFFINITIES))
    elif affinity == "ClientIP":
        timeout = as_dict(as_dict(spec.get("sessionAffinityConfig")).get("clientIP")).get("timeoutSeconds")
        if is_int(timeout) and not 0 < timeout <= 86400:
            errs.append(errors.invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", timeout,
                                       "must be greater than 0 and less than 86400"))
    for key, allowed in (("externalTrafficPolicy", ("Cluster", "Local")),
                         ("internalTrafficPolicy", ("Cluster", "Local"))):
        value = spec.get(key)
        if value is not None and value != "" and value not in allowed:
            errs.append(errors.not_supported(f"spec.{key}", value, allowed))
    if stype == "ClusterIP" and spec.get("externalTrafficPolicy"):
        errs.append(errors.invalid("spec.externalTrafficPolicy", spec["externalTrafficPolicy"],
                                   "may only be set for externally-accessible services"))
    return errs


class ServiceStrategy(Strategy):
    has_status_subresource = True
    field_getters = {
        "spec.clusterIP": lambda o: _spec_str(o, "clusterIP"),
        "spec.type": lambda o: _spec_str(o, "type"),
    }

    def default(self, obj: Obj) -> None:
        default_service(obj)

    def prepare_create(self, obj: Obj) -> None:
        obj["status"] = {"loadBalancer": {}}

    def prepare_update(self, obj: Obj, old: Obj) -> None:
        super().prepare_update(obj, old)
        carry_allocated(obj, old)

    def validate(self, obj: Obj, old: Obj | None) -> list[FieldError]:
        errs = c.meta_errors(obj, old, namespaced=True, name_fn=name_is_dns1035_label)
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return [*errs, errors.invalid("spec", spec, "must be of type object")]
        errs += validate_service_spec(obj)
        if old is not None:
            old_spec = as_dict(old.get("spec"))
            if spec.get("type") != "ExternalName" and old_spec.get("type") != "ExternalName":
                old_ips, new_ips = old_spec.get("clusterIPs") or [], spec.get("clusterIPs") or []
                if old_ips and not semantic_equal(old_ips[:1], new_ips[:1]):
                    errs.append(errors.invalid("spec.clusterIPs[0]", new_ips, "may not change once set"))
        return errs

    def validate_status(self, obj: Obj, old: Obj) -> list[FieldError]:
        errs = c.meta_errors(obj, old, namespaced=True)
        ingress = as_list(as_dict(as_dict(obj.get("status")).get("loadBalancer")).get("ingress"))
        for i, entry in enumerate(ingress):
            ip = as_dict(entry).get("ip")
            if isinstance(ip, str) and ip:
                errs += [errors.invalid(f"status.loadBalancer.ingress[{i}].ip", ip, m) for m in ip_errors(ip)]
        return errs


strategy = ServiceStrategy()
