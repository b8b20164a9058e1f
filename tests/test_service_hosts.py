"""Which hosts the repository shows name no Service, and which name what it cannot see."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import copy_tree, plan
from patcher.config import load_config
from patcher.model import build_model
from patcher.plan import load_workspace
from patcher.service_hosts import HostJudge, Missing, namesakes, renamed
from patcher.topology import build_topology

SERVICES = """\
apiVersion: v1
kind: Service
metadata: {name: shop-api, namespace: web}
spec: {selector: {app: api}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: web}
spec: {clusterIP: None, selector: {app: db}, ports: [{port: 5432}]}
---
apiVersion: v1
kind: Service
metadata: {name: exporter, namespace: data}
spec: {selector: {app: exporter}, ports: [{port: 9121}]}
---
apiVersion: v1
kind: Service
metadata: {name: custom-gateway, namespace: istio-system}
spec: {selector: {istio: ingressgateway}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: sidecar, namespace: default}
spec: {selector: {app: sidecar}, ports: [{port: 80}]}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: legacy, namespace: web}
spec: {hosts: [legacy.web.svc.cluster.local], ports: [{number: 80, name: http, protocol: HTTP}], resolution: DNS}
---
apiVersion: kafka.strimzi.io/v1beta2
kind: Kafka
metadata: {name: events, namespace: web}
spec: {kafka: {replicas: 1}}
"""
SCRIPT = """\
#!/usr/bin/env bash
kubectl apply -f app.yaml
helm install cache bitnami/redis --namespace data
"""


@pytest.fixture(scope="module")
def judge(tmp_path_factory) -> HostJudge:
    repo: Path = tmp_path_factory.mktemp("repo")
    (repo / "app.yaml").write_text(SERVICES)
    (repo / "deploy.sh").write_text(SCRIPT)
    workspace, _ = load_workspace(repo)
    return HostJudge(build_topology(build_model(workspace, load_config(repo))))


def test_namesakes_prefer_a_prefix_and_list_every_candidate() -> None:
    assert namesakes("api", ["api-v2", "shop-api"]) == ["shop-api"]  # a release prefix first
    assert namesakes("api", ["api-dev", "apis"]) == ["api-dev"]  # else a kustomize suffix
    assert namesakes("api", ["green-api", "blue-api"]) == ["blue-api", "green-api"]
    assert namesakes("api", ["rapid", "apiary"]) == []  # only whole dash-separated parts


def test_renamed_keeps_the_namespace_and_domain_as_written() -> None:
    assert renamed("api.web.svc.cluster.local", "api", "shop-api") == "shop-api.web.svc.cluster.local"
    assert renamed("api", "api", "shop-api") == "shop-api"


def test_a_missing_service_of_a_namespace_the_repository_deploys(judge: HostJudge) -> None:
    assert judge.missing("api", "web") == Missing("api", ("web", "api"), ("shop-api",))
    assert judge.missing("orders.web.svc.cluster.local", "default") == Missing(
        "orders.web.svc.cluster.local", ("web", "orders"), ())


@pytest.mark.parametrize(("host", "namespace"), [
    ("shop-api", "web"),  # it exists
    ("shop-api.web", "default"),  # it exists, named with its namespace
    ("legacy", "web"),  # a ServiceEntry's host
    ("api.example.com", "web"),  # outside the cluster domain
    ("prometheus.monitoring", "web"),  # a namespace the repository deploys no Service into
    ("cache-redis-master", "data"),  # where a remote chart installs
    ("istiod", "istio-system"),  # Istio installed by other means
    ("kubernetes.default.svc", "web"),  # every cluster's own
    ("db-0.db", "web"),  # a pod of the headless Service db
    ("events-kafka-bootstrap", "web"),  # made by the operator of the Kafka events
], ids=["exists", "exists-qualified", "service-entry", "external", "unknown-namespace", "remote-chart",
        "istio-namespace", "built-in", "headless-pod", "operator-made"])
def test_hosts_outside_what_the_repository_shows_are_not_judged(judge: HostJudge, host: str,
                                                                 namespace: str) -> None:
    assert judge.missing(host, namespace) is None


def test_a_host_of_a_namespace_the_repository_deploys_nothing_into_gets_a_note(tmp_path: Path) -> None:
    case = Path(__file__).parent / "fixtures" / "istio" / "host-without-service" / "clean-outside-hosts"
    result = plan(copy_tree(case / "before", tmp_path / "repo"), "istio/host-without-service")
    told = [str(d) for d in result.diagnostics if "not judged" in d.message]
    # the remote chart's Service is not noted again: the chart's own note tells it
    assert told == ["note: istio.yaml:43: DestinationRule web/prometheus names prometheus.monitoring.svc.cluster.local "
                    "(spec.host), no Service of the repository: not judged, as the repository deploys no Service "
                    "into namespace monitoring"]
    assert result.findings == ()
