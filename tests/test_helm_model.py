"""Helm as Helm renders it: subcharts, charts known by name, template lines, values keys, remote charts."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from patcher.config import load_config
from patcher.deployed.charts import chart_graph, template_file
from patcher.deployed.remote_charts import install_notes
from patcher.deployed.template_lines import start_lines
from patcher.discover import discover
from patcher.entrypoints import HelmInstall
from patcher.helm import Declared, _match_chart, releases_for
from patcher.model import build_model
from patcher.plan import load_workspace
from tests.helpers import plan

REPO = Path(__file__).parent / "repos" / "hm-umbrella"


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for path, content in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            (root / path).write_bytes(content)
        else:
            (root / path).write_text(content)
    return root


def packaged(name: str, files: dict[str, str]) -> bytes:
    """A chart archive as `helm package` makes it: every file under a folder named after the chart."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:gz") as archive:
        for path, text in files.items():
            body = text.encode()
            info = tarfile.TarInfo(f"{name}/{path}")
            info.size = len(body)
            archive.addfile(info, io.BytesIO(body))
    return data.getvalue()


def chart_yaml(name: str, extra: str = "") -> str:
    return f"apiVersion: v2\nname: {name}\nversion: 1.0.0\n{extra}"


def model_of(root: Path):
    workspace, _ = load_workspace(root)
    return build_model(workspace, load_config(root))


# -- which charts are subcharts (no Helm needed) --------------------------------------------

def dependency_tree(root: Path) -> Path:
    return write(root, {
        "stack/Chart.yaml": chart_yaml("stack", "dependencies:\n  - name: cache\n    alias: kv\n"
                                                "    repository: file://../libs/cache-chart\n  - name: auth\n"
                                                "  - name: jobs\n"),
        "stack/charts/auth/Chart.yaml": chart_yaml("auth"),
        "stack/charts/jobs-1.0.0.tgz": packaged("jobs", {"Chart.yaml": chart_yaml("jobs")}),
        "libs/cache-chart/Chart.yaml": chart_yaml("cache"),
        "tools/jobs/Chart.yaml": chart_yaml("jobs"),
        "lone/Chart.yaml": chart_yaml("lone"),
    })


def test_file_vendored_and_packaged_dependencies_are_subcharts(tmp_path: Path) -> None:
    root = dependency_tree(tmp_path)
    charts = discover(root).charts
    assert charts == ("libs/cache-chart", "lone", "stack", "tools/jobs")  # a vendored folder is never one
    graph = chart_graph(root, charts, {})
    assert graph.subcharts() == {"libs/cache-chart", "tools/jobs"}
    assert graph.parents("tools/jobs") == ("stack",)
    assert graph.linked("stack") == (("charts/kv", "libs/cache-chart"),)
    assert graph.origins("stack") == (("charts/auth", "stack/charts/auth"), ("charts/jobs", "tools/jobs"),
                                      ("charts/kv", "libs/cache-chart"))
    assert graph.packed("stack") == (("charts/jobs", "stack/charts/jobs-1.0.0.tgz", "tools/jobs"),)
    origins = graph.origins("stack")
    assert template_file("stack", "charts/kv/templates/svc.yaml", origins) == "libs/cache-chart/templates/svc.yaml"
    assert template_file("stack", "charts/auth/templates/a.yaml", origins) == "stack/charts/auth/templates/a.yaml"
    assert template_file("stack", "templates/web.yaml", origins) == "stack/templates/web.yaml"
    # subcharts get no release of their own; one an entry point installs on its own does
    releases = releases_for(charts, [Declared("tools/jobs", "nightly", "batch", (), "run.sh:3")], [],
                            graph.subcharts())
    assert [(r.chart, r.name, r.namespace) for r in releases] == [
        ("tools/jobs", "nightly", "batch"), ("lone", "lone", "default"), ("stack", "stack", "default")]


def test_a_vendored_subchart_installed_on_its_own_is_matched(tmp_path: Path) -> None:
    root = dependency_tree(tmp_path)
    write(root, {"run.sh": "#!/bin/sh\nhelm install gate stack/charts/auth -n gate\n"})
    workspace, _ = load_workspace(root)
    graph = chart_graph(root, workspace.inventory.charts, {})
    assert graph.vendored() == ("stack/charts/auth",)
    model = build_model(workspace, load_config(root))
    assert [(r.chart, r.name, r.namespace, r.declared_in) for r in model.releases][0] == (
        "stack/charts/auth", "gate", "gate", "run.sh:2")
    assert not [d for d in model.diagnostics if "not in this repository" in d.message]


def test_releases_are_matched_by_chart_name_and_archive(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "charts/storefront/Chart.yaml": chart_yaml("storefront-chart"),
        "dist/storefront-chart-1.0.0.tgz": packaged("storefront-chart", {"Chart.yaml": chart_yaml("storefront-chart")}),
        "a/Chart.yaml": chart_yaml("twin"),
        "b/Chart.yaml": chart_yaml("twin"),
    })
    charts = discover(root).charts
    graph = chart_graph(root, charts, {})
    match = lambda arg: _match_chart(arg, "hack/up.sh", charts, graph, root)  # noqa: E731
    assert match("./charts/storefront") == "charts/storefront"
    assert match("mycharts/storefront-chart") == "charts/storefront"
    assert match("dist/storefront-chart-1.0.0.tgz") == "charts/storefront"
    assert match("oci://ghcr.io/shop/storefront-chart") is None
    assert match("mycharts/twin") is None  # two charts say that name: not guessed
    assert match("mycharts/unknown") is None


def test_remote_chart_notes_name_chart_repository_and_version() -> None:
    installs = [
        HelmInstall("up.sh", 3, "metrics", "prometheus-community/kube-state-metrics", "monitoring", version="5.15.2"),
        HelmInstall("up.sh", 4, "cache", "oci://registry-1.docker.io/bitnamicharts/redis", None),
        HelmInstall("up.sh", 5, "certs", "cert-manager", "certs", repo="https://charts.jetstack.io", version="v1.14.4"),
        HelmInstall("up.sh", 6, "web", "./charts/web", None),
        HelmInstall("up.sh", 7, "gone", "./charts/gone", None),
    ]
    notes = install_notes(installs, lambda i: i.chart == "./charts/web")
    assert [(n.file, n.line, n.level, n.message) for n in notes] == [
        ("up.sh", 3, "note", "chart 'kube-state-metrics' from prometheus-community (version 5.15.2) is not in this "
                             "repository: its resources are not analysed"),
        ("up.sh", 4, "note", "chart 'redis' from oci://registry-1.docker.io/bitnamicharts (version not pinned) is not "
                             "in this repository: its resources are not analysed"),
        ("up.sh", 5, "note", "chart 'cert-manager' from https://charts.jetstack.io (version v1.14.4) is not in this "
                             "repository: its resources are not analysed"),
        ("up.sh", 7, "note", "helm release 'gone' installs './charts/gone', which is not a chart folder of this "
                             "repository: not rendered, its resources are not analysed"),
    ]


def test_argo_application_of_a_remote_chart_is_noted_at_its_chart_line(tmp_path: Path) -> None:
    root = write(tmp_path, {"argo/cache.yaml": (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: cache\n  namespace: argocd\n"
        "spec:\n  project: default\n  destination:\n    namespace: kv\n    server: https://kubernetes.default.svc\n"
        "  sources:\n    - repoURL: https://charts.bitnami.com/bitnami\n      chart: redis\n"
        "      targetRevision: 18.6.1\n")})
    notes = [(d.file, d.line, d.message) for d in model_of(root).diagnostics if "not in this repository" in d.message]
    assert notes == [("argo/cache.yaml", 13, "chart 'redis' from https://charts.bitnami.com/bitnami (version 18.6.1) "
                                             "is not in this repository: its resources are not analysed")]


# -- template lines ---------------------------------------------------------------------------

def doc(kind: str, name: str) -> dict:
    return {"apiVersion": "v1", "kind": kind, "metadata": {"name": name}}


def test_each_rendered_document_starts_at_its_template_line() -> None:
    template = ("{{- $p := .Values.port }}\n# a comment\napiVersion: v1\nkind: Service\nmetadata:\n  name: a\n"
                "---\n{{- range .Values.jobs }}\n---\napiVersion: batch/v1\nkind: Job\nmetadata:\n"
                "  name: {{ . }}\n{{- end }}\n---\nkind: ConfigMap\napiVersion: v1\nmetadata:\n  name: c\n")
    rendered = [doc("Service", "a"), doc("Job", "j1"), doc("Job", "j2"), doc("ConfigMap", "c")]
    assert start_lines(template, rendered) == (3, 10, 10, 16)


def test_documents_of_one_kind_are_placed_in_order_or_by_literal_name() -> None:
    two = "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n"
    assert start_lines(two, [doc("Service", "a"), doc("Service", "b")]) == (1, 6)
    conditional = "{{- if .Values.a }}\n" + two.replace("---\n", "{{- end }}\n---\n")
    assert start_lines(conditional, [doc("Service", "b")]) == (8,)
    templated = "{{/* one document */}}\napiVersion: v1\nkind: {{ .Values.kind }}\nmetadata:\n  name: x\n"
    assert start_lines(templated, [doc("Secret", "x")]) == (2,)
    assert start_lines(templated + "---\n" + templated, [doc("Secret", "x"), doc("Secret", "y")]) == (None, None)
    assert start_lines(None, [doc("Secret", "x")]) == (None,)


# -- rendered through Helm ------------------------------------------------------------------

def test_a_file_dependency_renders_with_its_parent_values_at_its_own_folder(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "apps/shop/Chart.yaml": chart_yaml("shop", "dependencies:\n  - name: basket\n    alias: cart\n"
                                                   "    version: 1.0.0\n    repository: file://../../libs/basket-chart\n"),
        "apps/shop/values.yaml": "global:\n  zone: eu-2\ncart:\n  port: 6380\n",
        "apps/shop/templates/front.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: front\n",
        "libs/basket-chart/Chart.yaml": chart_yaml("basket"),
        "libs/basket-chart/values.yaml": "port: 6379\n",
        "libs/basket-chart/templates/svc.yaml": (
            "# needs the parent's global.zone: fails alone\n\napiVersion: v1\nkind: Service\nmetadata:\n"
            "  name: basket\n  labels:\n    zone: {{ required \"zone\" .Values.global.zone }}\n"
            "spec:\n  ports:\n    - port: {{ .Values.port }}\n"),
    })
    model = model_of(root)
    assert [(r.chart, r.name, r.namespace) for r in model.releases] == [("apps/shop", "shop", "default")]
    assert [(r.ref, r.location().file, r.location().line, r.source.release) for r in model.resources] == [
        ("Service default/basket", "libs/basket-chart/templates/svc.yaml", 3, "shop/default"),
        ("ConfigMap default/front", "apps/shop/templates/front.yaml", 1, "shop/default"),
    ]
    [service] = model.of_kind("Service")
    assert service.data["spec"]["ports"] == [{"port": 6380}]  # the parent's values for its alias
    assert service.data["metadata"]["labels"] == {"zone": "eu-2"}
    assert not [d for d in model.diagnostics if d.level in ("error", "warning")]
    assert not model.unread


def test_duplicate_values_keys_are_reported_as_helm_reads_them(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "charts/web/Chart.yaml": chart_yaml("web"),
        "charts/web/values.yaml": "port: 8080\nimage:\n  tag: a\n  tag: b\n",
        "charts/web/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n",
        "env/kind.yaml": "port: 1\nport: 2\n",
        "up.sh": "#!/bin/sh\nhelm install web charts/web -f env/kind.yaml\n",
    })
    found = [(d.file, d.line, d.level, d.message) for d in model_of(root).diagnostics if "duplicate" in d.message]
    assert found == [
        ("charts/web/values.yaml", 4, "warning", "duplicate key 'tag' in a values file: Helm uses the last value"),
        ("env/kind.yaml", 2, "warning", "duplicate key 'port' in a values file: Helm uses the last value"),
    ]


def test_a_subchart_installed_on_its_own_is_a_release_and_its_failure_an_error(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "stack/Chart.yaml": chart_yaml("stack", "dependencies:\n  - name: basket\n    version: 1.0.0\n"
                                                "    repository: file://../basket\n"),
        "stack/values.yaml": "global:\n  zone: eu-2\n",
        "basket/Chart.yaml": chart_yaml("basket"),
        "basket/templates/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: b-{{ required \"zone!\" .Values.global.zone }}\n",
        "up.sh": "#!/bin/sh\nhelm install solo ./basket -n solo\n",
    })
    model = model_of(root)
    assert [(r.chart, r.name, r.namespace) for r in model.releases] == [("basket", "solo", "solo"),
                                                                       ("stack", "stack", "default")]
    # the umbrella renders its subchart, but no entry point installs it: not deployed
    assert [r.ref for r in model.resources] == []
    assert [r.ref for r in model.undeployed] == ["Service default/b-eu-2"]
    assert [(d.file, d.message) for d in model.diagnostics if d.level == "error"] == [
        ("basket/Chart.yaml", 'Helm could not render the chart: basket/templates/svc.yaml:4:37 executing '
                              '"basket/templates/svc.yaml" at <.Values.global.zone>: nil pointer evaluating '
                              'interface {}.zone')]


# -- the hm-umbrella repository -------------------------------------------------------------

def test_umbrella_model() -> None:
    model = model_of(REPO)
    assert [(r.chart, r.name, r.namespace, r.values, r.declared_in) for r in model.releases] == [
        ("platform/umbrella", "orchard", "orchard", ("platform/umbrella/values-kind.yaml",), "deploy/up.sh:9"),
        ("tools/status-board", "beacon-web", "watch", (), "deploy/up.sh:11"),
    ]
    assert [(r.ref, r.location().file, r.location().line, r.source.release) for r in model.resources] == [
        ("Deployment orchard/ledger-books", "platform/umbrella/charts/ledger/templates/ledger.yaml", 2, "orchard/orchard"),
        ("Service orchard/ledger-books", "platform/umbrella/charts/ledger/templates/ledger.yaml", 25, "orchard/orchard"),
        ("CronJob orchard/pinger", "services/pinger/templates/cronjob.yaml", 1, "orchard/orchard"),
        ("Deployment orchard/quotes-api", "services/quotes-svc/templates/deployment.yaml", 1, "orchard/orchard"),
        ("Service orchard/quotes-api", "services/quotes-svc/templates/service.yaml", 1, "orchard/orchard"),
        ("Gateway orchard/orchard-edge", "platform/umbrella/templates/gateway.yaml", 2, "orchard/orchard"),
        ("VirtualService orchard/orchard-routes", "platform/umbrella/templates/gateway.yaml", 17, "orchard/orchard"),
        ("Deployment watch/beacon-board", "tools/status-board/templates/board.yaml", 2, "beacon-web/watch"),
        ("Service watch/beacon-board", "tools/status-board/templates/board.yaml", 21, "beacon-web/watch"),
    ]
    # the umbrella's values reach its subcharts: values-kind.yaml's last replicas, the vendored ledger
    assert model.of_kind("Deployment")[0].data["spec"]["replicas"] == 3
    [quotes] = [r for r in model.of_kind("Service") if r.name == "quotes-api"]
    assert quotes.data["spec"]["ports"][0]["port"] == 7313
    assert quotes.data["metadata"]["labels"] == {"tenant": "orchard-dev"}
    assert [(d.level, d.file, d.line, d.message) for d in model.diagnostics] == [
        ("note", "deploy/up.sh", 7, "chart 'kube-state-metrics' from prometheus-community (version 5.15.2) is not in "
                                    "this repository: its resources are not analysed"),
        ("warning", "platform/umbrella/values.yaml", 3, "duplicate key 'tenant' in a values file: Helm uses the last value"),
        ("warning", "platform/umbrella/values-kind.yaml", 5,
         "duplicate key 'replicas' in a values file: Helm uses the last value"),
        # the orchard Gateway's ingress Service is installed outside the repository
        ("note", ".", None, "the ingress gateway Service is not in this repository: port checks against it are not made"),
    ]
    assert not model.unread


def test_umbrella_findings_are_at_template_lines() -> None:
    result = plan(REPO, "istio/route-to-missing-service", "istio/destination-without-circuit-breaker")
    assert [(f.rule, f.location.file, f.location.line, f.message) for f in result.findings] == [
        ("istio/route-to-missing-service", "platform/umbrella/templates/gateway.yaml", 17,
         "VirtualService orchard/orchard-routes routes to books, but namespace orchard has no Service books; "
         "it has ledger-books"),
        ("istio/destination-without-circuit-breaker", "platform/umbrella/charts/ledger/templates/ledger.yaml", 25,
         "Service orchard/ledger-books receives traffic but no DestinationRule sets a circuit breaker for it"),
        ("istio/destination-without-circuit-breaker", "services/quotes-svc/templates/service.yaml", 1,
         "Service orchard/quotes-api receives traffic but no DestinationRule sets a circuit breaker for it"),
    ]
    fix = result.findings[0].fix  # a rendered template is not edited in place: the fix is only shown, saying why
    assert (fix.edits, fix.applicability.label, fix.reason) == (
        (), "display-only", "VirtualService orchard/orchard-routes is rendered by Helm release orchard/orchard: "
        "no values key of release orchard/orchard carries what the change touches, "
        "and a template edit is only made to add an item to a list")
