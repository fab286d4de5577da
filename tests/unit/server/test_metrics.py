from kroll.server.metrics import RequestCounter


def test_counts_render_as_prometheus_text() -> None:
    counter = RequestCounter()
    counter.add("local", "create", "pods")
    counter.add("local", "create", "pods")
    counter.add("local", "update", "pods", "status")
    counter.add("http", "patch", "daemonsets.apps")
    assert counter.total() == 4
    assert counter.render().decode().splitlines()[2:] == [
        'kroll_requests_total{source="http",verb="patch",resource="daemonsets.apps"} 1',
        'kroll_requests_total{source="local",verb="create",resource="pods"} 2',
        'kroll_requests_total{source="local",verb="update",resource="pods/status"} 1',
    ]
