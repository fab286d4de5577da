"""API defaults for pod specs and templates, as a 1.37 API server writes them back.

Upstream applies `SetDefaults_*` (pkg/apis/core/v1/defaults.go, pkg/apis/apps/v1/defaults.go)
and the `+default` markers of the v1 types after decoding a request, then serializes the Go
struct. A few things that look like "defaults" in `kubectl get -o yaml` are really that
serialization, and are reproduced here too:

- non-pointer structs are always written: a container's `resources: {}`, a template's
  `metadata: {}`, a resourceFieldRef's `divisor: "0"`;
- quantities come back canonical (`1000m` -> `1`, `1536Mi` stays, `1.5Gi` -> `1536Mi`), and
  values in resource lists are rounded up to milli units (`0.1m` -> `1m`);
- `creationTimestamp: null` in a template is dropped (zero timestamps are omitted since 1.33);
- `serviceAccount` mirrors `serviceAccountName` (the deprecated field is filled on output).

Every function is idempotent and mutates its argument in place; garbage of the wrong JSON
type is left alone for validation to report. Template equality (new-ReplicaSet detection,
`rollout undo` skip detection) depends on create, update and patch producing identical
templates, so the pod-template path here is the one and only place templates are defaulted.

A template for a 1-container Deployment defaults to:

    metadata: {labels: {app: x}}
    spec:
      containers:
      - {image: nginx:1.25, imagePullPolicy: IfNotPresent, name: nginx, resources: {},
         terminationMessagePath: /dev/termination-log, terminationMessagePolicy: File}
      dnsPolicy: ClusterFirst
      restartPolicy: Always
      schedulerName: default-scheduler
      securityContext: {}
      terminationGracePeriodSeconds: 30
"""

from __future__ import annotations

import re
from typing import Any

from kroll.api.validation import canonical_quantity

DEFAULT_TERMINATION_GRACE_PERIOD = 30
DEFAULT_SCHEDULER = "default-scheduler"
TERMINATION_MESSAGE_PATH = "/dev/termination-log"
DEFAULT_FILE_MODE = 0o644  # 420: secret, configMap, downwardAPI and projected volumes
SERVICE_ACCOUNT_TOKEN_EXPIRATION = 3600

_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


_PATH_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*\Z")
_TAG = re.compile(r"[\w][\w.-]{0,127}\Z")


def image_pull_policy(image: Any) -> str:
    """Always when the tag is `latest` (explicit or implied), else IfNotPresent.

    Mirrors parsers.ParseImageName: `nginx` and `nginx:latest` -> Always; `nginx:1.25`,
    `nginx@sha256:...` (a digest and no tag) -> IfNotPresent; an unparsable reference (empty,
    upper-case repository) yields no tag either -> IfNotPresent.
    """
    if not isinstance(image, str) or not image:
        return "IfNotPresent"
    ref, at, digest = image.partition("@")
    if at and not digest:
        return "IfNotPresent"
    components = ref.split("/")
    last, colon, tag = components[-1].partition(":")
    components[-1] = last
    first = components[0]
    if len(components) > 1 and ("." in first or ":" in first or first == "localhost" or first != first.lower()):
        components = components[1:]  # a registry host, which may carry a port and upper case
    if not all(_PATH_COMPONENT.match(c) for c in components):
        return "IfNotPresent"
    if colon and not _TAG.match(tag):
        return "IfNotPresent"
    if not colon and not digest:
        tag = "latest"
    return "Always" if tag == "latest" else "IfNotPresent"


def default_probe(probe: Any) -> None:
    if not isinstance(probe, dict):
        return
    for key, value in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1),
                       ("failureThreshold", 3)):
        if not probe.get(key):
            probe[key] = value
    _default_handler(probe)


def _default_handler(handler: dict) -> None:
    http = handler.get("httpGet")
    if isinstance(http, dict):
        if not http.get("path"):
            http["path"] = "/"
        if not http.get("scheme"):
            http["scheme"] = "HTTP"
    grpc = handler.get("grpc")
    if isinstance(grpc, dict) and grpc.get("service") is None:
        grpc["service"] = ""


def _default_resource_list(resources: Any) -> None:
    if not isinstance(resources, dict):
        return
    for key in list(resources):
        resources[key] = canonical_quantity(resources[key], round_milli=True)


def _default_resource_requirements(res: Any) -> None:
    if not isinstance(res, dict):
        return
    _default_resource_list(res.get("limits"))
    _default_resource_list(res.get("requests"))


def _default_field_refs(holder: dict) -> None:
    field_ref = holder.get("fieldRef")
    if isinstance(field_ref, dict) and not field_ref.get("apiVersion"):
        field_ref["apiVersion"] = "v1"
    resource_ref = holder.get("resourceFieldRef")
    if isinstance(resource_ref, dict):
        resource_ref["divisor"] = canonical_quantity(resource_ref.get("divisor") or "0")


def default_container(container: Any) -> None:
    if not isinstance(container, dict):
        return
    if not container.get("imagePullPolicy"):
        container["imagePullPolicy"] = image_pull_policy(container.get("image"))
    if not container.get("terminationMessagePath"):
        container["terminationMessagePath"] = TERMINATION_MESSAGE_PATH
    if not container.get("terminationMessagePolicy"):
        container["terminationMessagePolicy"] = "File"
    if container.get("resources") is None:
        container["resources"] = {}
    _default_resource_requirements(container.get("resources"))
    for port in container.get("ports") or ():
        if isinstance(port, dict) and not port.get("protocol"):
            port["protocol"] = "TCP"
    for env in container.get("env") or ():
        if isinstance(env, dict) and isinstance(env.get("valueFrom"), dict):
            _default_field_refs(env["valueFrom"])
    for probe in _PROBES:
        default_probe(container.get(probe))
    lifecycle = container.get("lifecycle")
    if isinstance(lifecycle, dict):
        for hook in ("postStart", "preStop"):
            if isinstance(lifecycle.get(hook), dict):
                _default_handler(lifecycle[hook])


def default_volume(volume: Any) -> None:
    if not isinstance(volume, dict):
        return
    sources = [k for k, v in volume.items() if k != "name" and v is not None]
    if not sources:
        volume["emptyDir"] = {}
    for key in ("secret", "configMap", "downwardAPI", "projected"):
        src = volume.get(key)
        if isinstance(src, dict) and src.get("defaultMode") is None:
            src["defaultMode"] = DEFAULT_FILE_MODE
    host_path = volume.get("hostPath")
    if isinstance(host_path, dict) and host_path.get("type") is None:
        host_path["type"] = ""
    empty_dir = volume.get("emptyDir")
    if isinstance(empty_dir, dict) and empty_dir.get("sizeLimit") is not None:
        empty_dir["sizeLimit"] = canonical_quantity(empty_dir["sizeLimit"])
    downward = volume.get("downwardAPI")
    if isinstance(downward, dict):
        for item in downward.get("items") or ():
            if isinstance(item, dict):
                _default_field_refs(item)
    projected = volume.get("projected")
    if isinstance(projected, dict):
        for source in projected.get("sources") or ():
            if not isinstance(source, dict):
                continue
            token = source.get("serviceAccountToken")
            if isinstance(token, dict) and token.get("expirationSeconds") is None:
                token["expirationSeconds"] = SERVICE_ACCOUNT_TOKEN_EXPIRATION
            dapi = source.get("downwardAPI")
            if isinstance(dapi, dict):
                for item in dapi.get("items") or ():
                    if isinstance(item, dict):
                        _default_field_refs(item)
    iscsi = volume.get("iscsi")
    if isinstance(iscsi, dict) and not iscsi.get("iscsiInterface"):
        iscsi["iscsiInterface"] = "default"
    ephemeral = volume.get("ephemeral")
    if isinstance(ephemeral, dict) and isinstance(ephemeral.get("volumeClaimTemplate"), dict):
        claim = ephemeral["volumeClaimTemplate"]
        if isinstance(claim.get("spec"), dict):
            default_pvc_spec(claim["spec"])


def default_pvc_spec(spec: Any) -> None:
    if not isinstance(spec, dict):
        return
    if not spec.get("volumeMode"):
        spec["volumeMode"] = "Filesystem"
    _default_resource_requirements(spec.get("resources"))


def default_pvc_template(claim: Any) -> None:
    """A StatefulSet volumeClaimTemplate as the v1 API writes it back (kind, phase Pending)."""
    if not isinstance(claim, dict):
        return
    claim.setdefault("apiVersion", "v1")
    claim.setdefault("kind", "PersistentVolumeClaim")
    md = claim.get("metadata")
    if isinstance(md, dict) and "creationTimestamp" in md and md["creationTimestamp"] is None:
        del md["creationTimestamp"]
    if claim.get("spec") is None:
        claim["spec"] = {}
    default_pvc_spec(claim.get("spec"))
    status = claim.get("status")
    if status is None:
        claim["status"] = status = {}
    if isinstance(status, dict) and not status.get("phase"):
        status["phase"] = "Pending"


def default_pod_spec(spec: Any) -> None:
    """SetDefaults_PodSpec plus the nested container, probe and volume defaults."""
    if not isinstance(spec, dict):
        return
    if not spec.get("dnsPolicy"):
        spec["dnsPolicy"] = "ClusterFirst"
    if not spec.get("restartPolicy"):
        spec["restartPolicy"] = "Always"
    if spec.get("securityContext") is None:
        spec["securityContext"] = {}
    if spec.get("terminationGracePeriodSeconds") is None:
        spec["terminationGracePeriodSeconds"] = DEFAULT_TERMINATION_GRACE_PERIOD
    if not spec.get("schedulerName"):
        spec["schedulerName"] = DEFAULT_SCHEDULER
    # the deprecated serviceAccount field is written from serviceAccountName (v1 conversion)
    sa_name = spec.get("serviceAccountName") or spec.get("serviceAccount")
    if sa_name and isinstance(sa_name, str):
        spec["serviceAccountName"] = sa_name
        spec["serviceAccount"] = sa_name
    for key in _CONTAINER_LISTS:
        for container in spec.get(key) or ():
            default_container(container)
    for volume in spec.get("volumes") or ():
        default_volume(volume)
    _default_resource_list(spec.get("overhead"))
    _default_resource_requirements(spec.get("resources"))


def default_pod_template(template: Any) -> None:
    """A PodTemplateSpec inside a workload: metadata normalization plus PodSpec defaults."""
    if not isinstance(template, dict):
        return
    md = template.get("metadata")
    if md is None:
        template["metadata"] = md = {}
    if isinstance(md, dict) and "creationTimestamp" in md and md["creationTimestamp"] is None:
        del md["creationTimestamp"]
    if template.get("spec") is None:
        template["spec"] = {}
    default_pod_spec(template.get("spec"))


def default_pod(pod: Any) -> None:
    """A Pod object: SetDefaults_Pod on top of the PodSpec defaults (not applied to templates)."""
    if not isinstance(pod, dict):
        return
    spec = pod.get("spec")
    if not isinstance(spec, dict):
        return
    for key in ("containers", "initContainers"):
        for container in spec.get(key) or ():
            if not isinstance(container, dict):
                continue
            res = container.get("resources")
            if isinstance(res, dict) and isinstance(res.get("limits"), dict):
                requests = res.get("requests")
                if requests is None:
                    res["requests"] = requests = {}
                if isinstance(requests, dict):
                    for name, value in res["limits"].items():
                        requests.setdefault(name, value)
    if spec.get("enableServiceLinks") is None:
        spec["enableServiceLinks"] = True
    if spec.get("hostNetwork") is True:
        for key in ("containers", "initContainers"):
            for container in spec.get(key) or ():
                for port in (container.get("ports") or ()) if isinstance(container, dict) else ():
                    if isinstance(port, dict) and not port.get("hostPort"):
                        port["hostPort"] = port.get("containerPort")
    default_pod_spec(spec)
