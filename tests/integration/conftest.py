from __future__ import annotations

import uuid

import pytest

from tests.integration.harness import Kroll


@pytest.fixture(scope="session")
def kroll(tmp_path_factory) -> Kroll:
    instance = Kroll(tmp_path_factory.mktemp("kroll"), nodes=3).start()
    yield instance
    instance.stop()


@pytest.fixture
def ns(kroll: Kroll) -> str:
    name = f"t-{uuid.uuid4().hex[:8]}"
    kroll.kubectl("create", "namespace", name)
    yield name
    kroll.kubectl("delete", "namespace", name, "--wait=false", check=False)


@pytest.fixture(scope="session")
def k8s(kroll: Kroll):
    """The official kubernetes Python client, configured from kroll's kubeconfig."""
    from kubernetes import client, config

    api_client = config.new_client_from_config(config_file=str(kroll.kubeconfig))
    yield client
    api_client.close()


@pytest.fixture(scope="session")
def api_client(kroll: Kroll):
    from kubernetes import config

    api_client = config.new_client_from_config(config_file=str(kroll.kubeconfig))
    yield api_client
    api_client.close()
