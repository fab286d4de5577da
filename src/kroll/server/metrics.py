"""Request counters, served at `/metrics` in the Prometheus text format.

One counter per (source, verb, resource): `source` is `http` for clients over HTTPS (kubectl,
client libraries) and `local` for the in-process controllers and node agent (LocalClient);
`verb` is Kubernetes' request verb (get, list, watch, create, update, patch, delete,
deletecollection); `resource` the group-resource with `/subresource` when there is one
(`pods/status`, `deployments.apps/scale`), or `nonresource` for discovery, OpenAPI and health
paths. kube-apiserver exports the same idea as `apiserver_request_total`; this one exists so
benchmarks can report how many requests a rollout cost, e.g.

    kroll_requests_total{source="local",verb="create",resource="pods"} 100

Counting is a dict increment on the request path; nothing else is recorded.
"""

from __future__ import annotations

from collections import Counter

CONTENT_TYPE = b"text/plain; version=0.0.4; charset=utf-8"


class RequestCounter:
    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str, str]] = Counter()

    def add(self, source: str, verb: str, resource: str, subresource: str | None = None) -> None:
        self.counts[(source, verb, f"{resource}/{subresource}" if subresource else resource)] += 1

    def total(self) -> int:
        return sum(self.counts.values())

    def render(self) -> bytes:
        lines = [
            "# HELP kroll_requests_total API requests served, by source (http or local), verb and resource.",
            "# TYPE kroll_requests_total counter",
        ]
        for (source, verb, resource), n in sorted(self.counts.items()):
            lines.append(f'kroll_requests_total{{source="{source}",verb="{verb}",resource="{resource}"}} {n}')
        return ("\n".join(lines) + "\n").encode()
