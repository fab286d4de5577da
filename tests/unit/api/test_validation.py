"""Shared validation: names, metadata, quantities, pod templates (paths and texts as upstream)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kroll.api import validation as v
from kroll.api.errors import FieldError

SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and "
                 "must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
                 "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
             "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
             "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
               "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
               "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")


def messages(errs: list[FieldError]) -> list[str]:
    return [e.message() for e in errs]


@pytest.mark.parametrize(("name", "errs"), [
    ("nginx", []),
    ("a.b-c", []),
    ("0abc", []),
    ("Nginx", [SUBDOMAIN_MSG]),
    ("-a", [SUBDOMAIN_MSG]),
    ("a..b", [SUBDOMAIN_MSG]),
    ("a" * 253, []),
    ("a" * 254, ["must be no more than 253 characters"]),
])
def test_dns_subdomain(name: str, errs: list[str]) -> None:
    assert v.name_is_dns_subdomain(name) == errs


@pytest.mark.parametrize(("name", "errs"), [
    ("web", []),
    ("a.b", ["must not contain dots"]),
    ("A", [LABEL_MSG]),
    ("a" * 64, ["must be no more than 63 characters"]),
])
def test_dns_label(name: str, errs: list[str]) -> None:
    assert v.name_is_dns_label(name) == errs


def test_dns1035() -> None:
    assert v.name_is_dns1035_label("svc-1") == []
    assert v.name_is_dns1035_label("1svc") == [DNS1035_MSG]


def test_generate_name_masks_trailing_dash() -> None:
    assert v.name_is_dns_subdomain("nginx-", prefix=True) == []
    assert v.name_is_dns_subdomain("nginx-", prefix=False) == [SUBDOMAIN_MSG]


@pytest.mark.parametrize(("key", "errs"), [
    ("app", []),
    ("example.com/app", []),
    ("App_1.x", []),
    ("/app", ["prefix part must be non-empty"]),
    ("Example.com/app", ["prefix part " + SUBDOMAIN_MSG]),
    ("a/b/c", ["a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
               "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
               "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix "
               "and '/' (e.g. 'example.com/MyName')"]),
    ("a" * 64, ["name part must be no more than 63 characters"]),
])
def test_label_keys(key: str, errs: list[str]) -> None:
    assert v.label_key_errors(key) == errs


def test_label_values() -> None:
    assert v.label_value_errors("") == []
    assert v.label_value_errors("a_b.c-d") == []
    assert v.label_value_errors("a" * 64)[0] == "must be no more than 63 characters"
    assert v.label_value_errors("-a") != []


def test_annotations() -> None:
    assert v.validate_annotations({"Example.COM/Key": "x"}, "metadata.annotations") == []
    big = {"a": "x" * (256 * 1024)}
    assert messages(v.validate_annotations(big, "metadata.annotations")) == [
        "metadata.annotations: Too long: must have at most 262144 bytes"]
    assert messages(v.validate_annotations({"a": 1}, "metadata.annotations")) == [
        "metadata.annotations[a]: Invalid value: 1: must be of type string"]


@pytest.mark.parametrize(("meta", "namespaced", "want"), [
    ({"name": "x", "namespace": "default"}, True, []),
    ({"namespace": "default"}, True, ["metadata.name: Required value: name or generateName is required"]),
    ({"generateName": "x-", "name": "x-abcde", "namespace": "d"}, True, []),
    # upstream masks the last *two* characters of a generateName ending in "-": "X-" passes, "Xy-" does not
    ({"generateName": "X-", "name": "x", "namespace": "d"}, True, []),
    ({"generateName": "Xy-", "name": "x", "namespace": "d"}, True,
     [f'metadata.generateName: Invalid value: "Xy-": {SUBDOMAIN_MSG}']),
    ({"name": "x"}, True, ["metadata.namespace: Required value"]),
    ({"name": "x", "namespace": "d"}, False, ["metadata.namespace: Forbidden: not allowed on this type"]),
    ({"name": "X", "namespace": "d"}, True, [f'metadata.name: Invalid value: "X": {SUBDOMAIN_MSG}']),
    ({"name": "x", "namespace": "d", "labels": {"a": "b c"}}, True,
     ['metadata.labels: Invalid value: "b c": a valid label must be an empty string or consist of alphanumeric '
      "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
      "'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"]),
    ({"name": "x", "namespace": "d", "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet"}]}, True,
     ['metadata.ownerReferences.name: Invalid value: "": name must not be empty',
      'metadata.ownerReferences.uid: Invalid value: "": uid must not be empty']),
    ({"name": "x", "namespace": "d", "ownerReferences": [{"kind": "X", "name": "a", "uid": "1"}]}, True,
     ['metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty']),
    ({"name": "x", "namespace": "d", "finalizers": ["example.com/a", "Bad Finalizer"]}, True,
     ['metadata.finalizers: Invalid value: "Bad Finalizer": name part must consist of alphanumeric characters, '
      "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
      "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"]),
    ({"name": 5, "namespace": "d"}, True, ["metadata.name: Invalid value: 5: must be of type string",
                                          "metadata.name: Required value: name or generateName is required"]),
])
def test_object_meta(meta: dict, namespaced: bool, want: list[str]) -> None:
    assert messages(v.validate_object_meta({"metadata": meta}, namespaced=namespaced)) == want


def test_owner_references_single_controller() -> None:
    refs = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "a", "uid": "1", "controller": True},
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "b", "uid": "2", "controller": True}]
    errs = v.validate_owner_references(refs, "metadata.ownerReferences")
    assert len(errs) == 1
    assert errs[0].field == "metadata.ownerReferences"
    assert errs[0].detail == ('Only one reference can have Controller set to true. Found "true" in references for '
                              "ReplicaSet/a and ReplicaSet/b")


def test_object_meta_update_immutables() -> None:
    old = {"metadata": {"name": "x", "namespace": "d", "uid": "u1", "creationTimestamp": "2026-01-01T00:00:00Z",
                        "generation": 3}}
    new = {"metadata": {"name": "x", "namespace": "d", "uid": "u2", "creationTimestamp": "2026-01-01T00:00:00Z",
                        "generation": 2}}
    assert messages(v.validate_object_meta_update(new, old)) == [
        "metadata.generation: Invalid value: 2: must not be decremented",
        'metadata.uid: Invalid value: "u2": field is immutable',
    ]


def test_no_new_finalizers_while_deleting() -> None:
    old = {"metadata": {"name": "x", "deletionTimestamp": "2026-01-01T00:00:00Z", "finalizers": ["a/b"]}}
    new = {"metadata": {"name": "x", "deletionTimestamp": "2026-01-01T00:00:00Z", "finalizers": ["a/b", "c/d"]}}
    assert messages(v.validate_object_meta_update(new, old)) == [
        'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new '
        'finalizers []string{"c/d"}']


def test_semantic_equal() -> None:
    assert v.semantic_equal({"a": None, "b": []}, {})
    assert v.semantic_equal({"a": {"b": {}}}, {"a": {}})
    assert not v.semantic_equal({"a": 0}, {})
    assert not v.semantic_equal({"a": False}, {"a": 0})
    assert not v.semantic_equal([1, 2], [2, 1])


# ---- quantities

@pytest.mark.parametrize(("text", "canonical", "milli"), [
    ("1000m", "1", True),
    ("0.5", "500m", True),
    ("1.5", "1500m", True),
    ("1000", "1k", True),
    ("1024Mi", "1Gi", True),
    ("1536Mi", "1536Mi", True),
    ("1.5Gi", "1536Mi", True),
    ("0.5Ki", "512", True),
    ("128974848", "128974848", True),
    ("129e6", "129e6", True),
    ("1E3", "1e3", True),
    ("12e2", "1200", True),
    ("0.1m", "1m", True),
    ("0.1m", "100u", False),
    ("1.5G", "1500M", True),
    (1, "1", True),
    (0.25, "250m", True),
    ("0", "0", True),
    (" 2 ", "2", True),
])
def test_quantity_canonical(text: object, canonical: str, milli: bool) -> None:
    assert v.canonical_quantity(text, round_milli=milli) == canonical


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "1Gb", "1e", "--1", "Mi", True, None, [1]])
def test_quantity_errors(text: object) -> None:
    with pytest.raises(v.QuantityError):
        v.parse_quantity(text)
    assert v.canonical_quantity(text) == text


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**15), st.sampled_from(["", "m", "k", "M", "G", "Ki", "Mi", "Gi", "e3", "e-3", "n"]))
def test_quantity_canonical_is_stable(n: int, suffix: str) -> None:
    text = f"{n}{suffix}"
    value, _ = v.parse_quantity(text)
    canonical = v.canonical_quantity(text)
    assert v.parse_quantity(canonical)[0] == value
    assert v.canonical_quantity(canonical) == canonical


def test_quantity_value() -> None:
    assert v.quantity_value("1.5Gi") == Fraction(1536 * 1024 * 1024)
    assert v.quantity_value("x") is None


# ---- int-or-percent

@pytest.mark.parametrize(("value", "want"), [
    ("25%", []),
    (3, []),
    (-1, ["spec.x: Invalid value: -1: must be greater than or equal to 0"]),
    ("25", ['spec.x: Invalid value: "25": a valid percent string must be a numeric string followed by an ending '
            "'%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"]),
    (1.5, ["spec.x: Invalid value: 1.5: must be an integer or percentage (e.g '5%%')"]),
])
def test_int_or_percent(value: object, want: list[str]) -> None:
    assert messages(v.int_or_percent_errors(value, "spec.x")) == want


# ---- pod templates

def pod_spec(**overrides: object) -> dict:
    spec = {
        "containers": [{"name": "app", "image": "nginx", "imagePullPolicy": "Always",
                        "terminationMessagePolicy": "File", "terminationMessagePath": "/dev/termination-log",
                        "resources": {}}],
        "restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "terminationGracePeriodSeconds": 30,
        "schedulerName": "default-scheduler", "securityContext": {},
    }
    spec.update(overrides)
    return spec


def container(**overrides: object) -> dict:
    c = dict(pod_spec()["containers"][0])
    c.update(overrides)
    return c


P = "spec.template.spec"


@pytest.mark.parametrize(("spec", "want"), [
    (pod_spec(), []),
    (pod_spec(containers=[]), [f"{P}.containers: Required value"]),
    (pod_spec(containers=[container(image="")]), [f"{P}.containers[0].image: Required value"]),
    (pod_spec(containers=[container(name="")]), [f"{P}.containers[0].name: Required value"]),
    (pod_spec(containers=[container(name="Web")]), [f'{P}.containers[0].name: Invalid value: "Web": {LABEL_MSG}']),
    (pod_spec(containers=[container(), container()]), [f'{P}.containers[1].name: Duplicate value: "app"']),
    (pod_spec(containers=[container(ports=[{"containerPort": 70000, "protocol": "TCP"}])]),
     [f"{P}.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"]),
    (pod_spec(containers=[container(ports=[{"protocol": "TCP"}])]),
     [f"{P}.containers[0].ports[0].containerPort: Required value"]),
    (pod_spec(containers=[container(ports=[{"containerPort": 80, "protocol": "HTTP"}])]),
     [f'{P}.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"']),
    (pod_spec(containers=[container(ports=[{"containerPort": 80, "protocol": "TCP", "name": "web"},
                                           {"containerPort": 81, "protocol": "TCP", "name": "web"}])]),
     [f'{P}.containers[0].ports[1].name: Duplicate value: "web"']),
    (pod_spec(containers=[container(env=[{"name": "A=B"}])]),
     [f'{P}.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only '
      "of printable ASCII characters other than '='"]),
    (pod_spec(containers=[container(env=[{"name": "X", "valueFrom": {}}])]),
     [f'{P}.containers[0].env[0].valueFrom: Invalid value: "": must specify one of: `fieldRef`, '
      "`resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"]),
    (pod_spec(containers=[container(volumeMounts=[{"name": "data", "mountPath": "/data"}])]),
     [f'{P}.containers[0].volumeMounts[0].name: Not found: "data"']),
    (pod_spec(volumes=[{"name": "data", "emptyDir": {}}, {"name": "data", "emptyDir": {}}]),
     [f'{P}.volumes[1].name: Duplicate value: "data"']),
    (pod_spec(volumes=[{"name": "data", "hostPath": {"path": "/x"}, "emptyDir": {}}]),
     [f"{P}.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type"]),
    (pod_spec(volumes=[{"name": "c", "configMap": {"name": "c", "defaultMode": 1000}}]),
     [f"{P}.volumes[0].configMap.defaultMode: Invalid value: 1000: must be a number between 0 and 0777 (octal), "
      "both inclusive"]),
    (pod_spec(restartPolicy="Sometimes"),
     [f'{P}.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"']),
    (pod_spec(dnsPolicy="Foo"),
     [f'{P}.dnsPolicy: Unsupported value: "Foo": supported values: "ClusterFirstWithHostNet", "ClusterFirst", '
      '"Default", "None"']),
    (pod_spec(terminationGracePeriodSeconds=-5),
     [f"{P}.terminationGracePeriodSeconds: Invalid value: -5: must be greater than or equal to 0"]),
    (pod_spec(terminationGracePeriodSeconds="30"),
     [f'{P}.terminationGracePeriodSeconds: Invalid value: "30": must be of type integer']),
    (pod_spec(containers=[container(imagePullPolicy="Sometimes")]),
     [f'{P}.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", '
      '"IfNotPresent", "Never"']),
    (pod_spec(containers=[container(resources={"limits": {"cpu": "1"}, "requests": {"cpu": "2"}})]),
     [f'{P}.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1']),
    (pod_spec(containers=[container(resources={"limits": {"cpu": "-1"}})]),
     [f'{P}.containers[0].resources.limits[cpu]: Invalid value: "-1": must be greater than or equal to 0']),
    (pod_spec(containers=[container(resources={"limits": {"memory": "1GG"}})]),
     [f"{P}.containers[0].resources.limits[memory]: Invalid value: \"1GG\": unable to parse quantity's suffix"]),
    (pod_spec(containers=[container(resources={"limits": {"memory": "1Gb"}})]),
     [f"{P}.containers[0].resources.limits[memory]: Invalid value: \"1Gb\": quantities must match the regular "
      "expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"]),
    (pod_spec(containers=[container(resources={"requests": {"gpu": "1"}})]),
     [f'{P}.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for '
      "containers"]),
    (pod_spec(containers=[container(livenessProbe={"httpGet": {"path": "/", "port": 80, "scheme": "HTTP"},
                                                   "successThreshold": 2, "periodSeconds": -1})]),
     [f"{P}.containers[0].livenessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0",
      f"{P}.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"]),
    (pod_spec(containers=[container(readinessProbe={"timeoutSeconds": 1})]),
     [f"{P}.containers[0].readinessProbe: Required value: must specify a handler type"]),
    (pod_spec(containers=[container(readinessProbe={"exec": {"command": ["true"]}, "tcpSocket": {"port": 80}})]),
     [f"{P}.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type"]),
    (pod_spec(containers=[container(readinessProbe={"tcpSocket": {"port": "HTTP"}})]),
     [f'{P}.containers[0].readinessProbe.tcpSocket.port: Invalid value: "HTTP": must contain only alpha-numeric '
      "characters (a-z, 0-9), and hyphens (-)",
      f'{P}.containers[0].readinessProbe.tcpSocket.port: Invalid value: "HTTP": must contain at least one letter '
      "(a-z)"]),
    (pod_spec(tolerations=[{"operator": "Equal", "value": "x"}]),
     [f'{P}.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which '
      'means "match all values and all keys"']),
    (pod_spec(tolerations=[{"key": "k", "operator": "Exists", "tolerationSeconds": 5, "effect": "NoSchedule"}]),
     [f"{P}.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when "
      "`tolerationSeconds` is set"]),
    (pod_spec(nodeSelector={"disk": "ssd fast"}),
     [f'{P}.nodeSelector: Invalid value: "ssd fast": a valid label must be an empty string or consist of '
      "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
      "'MyValue',  or 'my_value',  or '12345', regex used for validation is "
      "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"]),
    (pod_spec(activeDeadlineSeconds=0),
     [f"{P}.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive"]),
    (pod_spec(containers="nope"), [f'{P}.containers: Invalid value: "nope": must be of type array',
                                   f"{P}.containers: Required value"]),
    (pod_spec(containers=["nope"]), [f'{P}.containers[0]: Invalid value: "nope": must be of type object']),
])
def test_pod_spec(spec: dict, want: list[str]) -> None:
    assert messages(v.validate_pod_spec(spec, P)) == want


def test_pod_template_labels_path_and_ephemeral() -> None:
    template = {"metadata": {"labels": {"a": "b c"}}, "spec": pod_spec(ephemeralContainers=[{"name": "x"}])}
    got = messages(v.validate_pod_template_spec(template, "spec.template"))
    assert got[0].startswith('spec.template.labels: Invalid value: "b c"')
    assert got[-1] == "spec.template.spec.ephemeralContainers: Forbidden: ephemeral containers not allowed in pod template"
    assert messages(v.validate_pod_template_spec(None, "spec.template")) == ["spec.template: Required value"]


@pytest.mark.parametrize("garbage", [None, 3, "x", [], {"containers": [None, 1, {"ports": "x"}]},
                                     {"volumes": [{"name": 1, "secret": "x"}], "containers": [{"env": [5]}]}])
def test_validation_never_raises(garbage: object) -> None:
    v.validate_pod_spec(garbage, "spec")
    v.validate_pod_template_spec({"metadata": garbage, "spec": garbage}, "spec.template")
    v.validate_object_meta({"metadata": garbage}, namespaced=True)
    v.validate_object_meta_update({"metadata": garbage}, {"metadata": garbage})


# ---- pod updates

def test_pod_update_allows_image_and_toleration_additions() -> None:
    old = pod_spec(tolerations=[{"key": "a", "operator": "Exists"}])
    new = pod_spec(tolerations=[{"key": "a", "operator": "Exists"}, {"key": "b", "operator": "Exists"}])
    new["containers"] = [container(image="nginx:2")]
    assert v.validate_pod_spec_update(new, old) == []


def test_pod_update_forbidden() -> None:
    old = pod_spec()
    new = pod_spec(containers=[container(ports=[{"containerPort": 80, "protocol": "TCP"}])])
    errs = v.validate_pod_spec_update(new, old)
    assert len(errs) == 1
    assert errs[0].field == "spec"
    assert errs[0].type == "Forbidden"
    assert errs[0].detail.startswith(
        "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,"
        "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),"
        "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n")
    removed = pod_spec()
    old_t = pod_spec(tolerations=[{"key": "a", "operator": "Exists"}])
    assert v.validate_pod_spec_update(removed, old_t)[0].type == "Forbidden"


def test_pod_update_active_deadline() -> None:
    assert v.validate_pod_spec_update(pod_spec(activeDeadlineSeconds=10), pod_spec()) == []
    assert v.validate_pod_spec_update(pod_spec(activeDeadlineSeconds=5), pod_spec(activeDeadlineSeconds=10)) == []
    assert messages(v.validate_pod_spec_update(pod_spec(activeDeadlineSeconds=20),
                                               pod_spec(activeDeadlineSeconds=10))) == [
        "spec.activeDeadlineSeconds: Invalid value: 20: must be less than or equal to previous value"]
