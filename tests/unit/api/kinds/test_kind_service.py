"""Service strategy: defaults, validation, allocated values across updates."""

from __future__ import annotations

import copy

import pytest

from kroll.api.kinds import strategy_for

S = strategy_for("services")


def service(**spec: object) -> dict:
    obj = {"metadata": {"name": "web", "namespace": "default"},
           "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}
    obj["spec"].update(spec)
    S.default(obj)
    return obj


def messages(obj: dict, old: dict | None = None) -> list[str]:
    return [e.message() for e in S.validate(obj, old)]


def test_defaults() -> None:
    obj = service()
    S.prepare_create(obj)
    assert obj["spec"] == {
        "selector": {"app": "web"},
        "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
        "sessionAffinity": "None",
        "type": "ClusterIP",
        "internalTrafficPolicy": "Cluster",
        "ipFamilyPolicy": "SingleStack",
        "ipFamilies": ["IPv4"],
    }
    assert obj["status"] == {"loadBalancer": {}}
    assert messages(obj) == []


def test_defaults_by_type() -> None:
    nodeport = service(type="NodePort", ports=[{"port": 80, "targetPort": "http"}])["spec"]
    assert nodeport["externalTrafficPolicy"] == "Cluster"
    assert nodeport["ports"][0]["targetPort"] == "http"
    lb = service(type="LoadBalancer")["spec"]
    assert lb["allocateLoadBalancerNodePorts"] is True
    external = service(type="ExternalName", externalName="example.com", ports=[])["spec"]
    assert "ipFamilies" not in external and "internalTrafficPolicy" not in external
    affinity = service(sessionAffinity="ClientIP")["spec"]
    assert affinity["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}
    assert service(clusterIP="10.96.0.10")["spec"]["clusterIPs"] == ["10.96.0.10"]


@pytest.mark.parametrize(("spec", "want"), [
    ({"ports": []}, ["spec.ports: Required value"]),
    ({"ports": [], "clusterIP": "None"}, []),
    ({"ports": [{"port": 80}, {"port": 81}]}, ["spec.ports[0].name: Required value",
                                               "spec.ports[1].name: Required value"]),
    ({"ports": [{"port": 80, "name": "a"}, {"port": 81, "name": "a"}]}, ['spec.ports[1].name: Duplicate value: "a"']),
    ({"ports": [{"port": 0}]}, ["spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
                                "spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive"]),
    ({"ports": [{"port": 80, "nodePort": 30080}]},
     ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]),
    ({"type": "Bogus"}, ['spec.type: Unsupported value: "Bogus": supported values: "ClusterIP", "ExternalName", '
                         '"LoadBalancer", "NodePort"']),
    ({"type": "ExternalName", "ports": []}, ["spec.externalName: Required value"]),
    ({"clusterIP": "10.0.0.300"}, ['spec.clusterIPs[0]: Invalid value: "10.0.0.300": must be a valid IP address, '
                                   "(e.g. 10.9.8.7 or 2001:db8::ffff)"]),
])
def test_validate(spec: dict, want: list[str]) -> None:
    assert messages(service(**spec)) == want


def test_name_is_dns1035() -> None:
    obj = service()
    obj["metadata"]["name"] = "1web"
    assert messages(obj)[0].startswith('metadata.name: Invalid value: "1web": a DNS-1035 label')


def test_update_carries_cluster_ip_and_rejects_changes() -> None:
    old = service(clusterIP="10.96.0.10", type="NodePort", ports=[{"port": 80, "nodePort": 30080}])
    replaced = service(type="NodePort")
    S.prepare_update(replaced, old)
    assert replaced["spec"]["clusterIP"] == "10.96.0.10"
    assert replaced["spec"]["clusterIPs"] == ["10.96.0.10"]
    assert replaced["spec"]["ports"][0]["nodePort"] == 30080
    assert messages(replaced, old) == []
    moved = copy.deepcopy(old)
    moved["spec"]["clusterIP"] = "10.96.0.11"
    moved["spec"]["clusterIPs"] = ["10.96.0.11"]
    assert messages(moved, old) == ['spec.clusterIPs[0]: Invalid value: ["10.96.0.11"]: may not change once set']


def test_field_values() -> None:
    obj = service(clusterIP="10.96.0.10")
    assert S.field_values(obj)["spec.clusterIP"] == "10.96.0.10"
    assert S.field_values(obj)["spec.type"] == "ClusterIP"
