"""The deployed set: which documents the entry points deploy, into which namespace; and the
model built from it (tests/repos/dep-scripts: two deploy scripts, a stale folder)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from patcher.analyse import Selection, analyse
from patcher.config import load_config
from patcher.deployed.deployed_set import Deployer, deployed_set
from patcher.entrypoints import (Apply, ArgoSource, EntryPoints, HelmInstall, IstioctlInstall, KindCreate)
from patcher.kustomize import Kustomization
from patcher.model import build_model
from patcher.plan import load_workspace

REPO = Path(__file__).resolve().parent / "repos" / "dep-scripts"


@dataclass(frozen=True)
class Doc:
    index: int
    data: Any


def docs(*kinds: str) -> list[Doc]:
    return [Doc(i, {"apiVersion": "v1", "kind": k, "metadata": {"name": f"n{i}"}}) for i, k in enumerate(kinds)]


DOCUMENTS = {
    "deploy/web.yaml": docs("Deployment", "Service"),
    "deploy/extra/cache.yaml": docs("Deployment"),
    "deploy/extra/deep/job.yaml": docs("Job"),
    "deploy/readme-values.yaml": docs("ConfigMap"),
    "kust/base/api.yaml": docs("Deployment"),
    "kust/base/old-base.yaml": docs("Service"),
    "kust/base/patch.yaml": docs("Deployment"),
    "kust/overlay/extra.yaml": docs("ConfigMap"),
    "charts/pay/values.yaml": [Doc(0, {"replicas": 1})],
    "istio/operator.yaml": [Doc(0, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}),
                            Doc(1, {"apiVersion": "install.istio.io/v1alpha1", "kind": "IstioOperator",
                                    "metadata": {"name": "control"}})],
    "stale/np.yaml": docs("NetworkPolicy"),
    "argo/apps.yaml": docs("Application", "Application"),
}
KUSTOMIZATIONS = [
    Kustomization("kust/base/kustomization.yaml", {"resources": ["api.yaml"], "bases": ["old-base.yaml"],
                                                   "patches": [{"path": "patch.yaml"}], "namespace": "inner"}),
    Kustomization("kust/overlay/kustomization.yaml", {"resources": ["../base", "extra.yaml"], "namespace": "outer"}),
    Kustomization("kust/plain/kustomization.yaml", {"resources": ["../base"]}),
]


def reached(entry_points: EntryPoints, **extra) -> dict[tuple[str, int], tuple[Deployer, ...]]:
    return dict(deployed_set(entry_points, DOCUMENTS, KUSTOMIZATIONS, ("charts/pay",), **extra).documents)


def test_apply_of_a_file_deploys_its_documents_into_the_namespace_of_n() -> None:
    found = reached(EntryPoints(applies=(Apply("up.sh", 3, ("deploy/web.yaml",), namespace="shop"),)))
    assert found == {("deploy/web.yaml", 0): (Deployer("up.sh:3", "shop"),),
                     ("deploy/web.yaml", 1): (Deployer("up.sh:3", "shop"),)}


def test_apply_of_a_folder_reads_its_own_files_and_with_r_those_below() -> None:
    flat = reached(EntryPoints(applies=(Apply("up.sh", 3, ("deploy/",)),)))
    assert sorted({f for f, _ in flat}) == ["deploy/readme-values.yaml", "deploy/web.yaml"]
    deep = reached(EntryPoints(applies=(Apply("up.sh", 3, ("./deploy",), recursive=True),)))
    assert sorted({f for f, _ in deep}) == ["deploy/extra/cache.yaml", "deploy/extra/deep/job.yaml",
                                            "deploy/readme-values.yaml", "deploy/web.yaml"]


def test_apply_minus_f_of_a_kustomization_folder_applies_its_files_as_written_and_warns() -> None:
    result = deployed_set(EntryPoints(applies=(Apply("up.sh", 4, ("kust/base",)),)), DOCUMENTS, KUSTOMIZATIONS)
    assert sorted(f for f, _ in result.documents) == ["kust/base/api.yaml", "kust/base/old-base.yaml",
                                                      "kust/base/patch.yaml"]
    assert [(n.level, n.file, n.line, n.message) for n in result.notes] == [(
        "warning", "up.sh", 4, "up.sh:4 applies folder 'kust/base' with -f, which holds a kustomization: kubectl "
        "applies its files as they are written and fails on kustomization.yaml, which is no Kubernetes object")]


def test_apply_minus_k_deploys_the_closure_bases_included_patches_not_outer_namespace_first() -> None:
    found = reached(EntryPoints(applies=(Apply("up.sh", 5, ("kust/overlay",), kustomize=True, namespace="cli"),)))
    assert found == {("kust/base/api.yaml", 0): (Deployer("up.sh:5", "outer"),),
                     ("kust/base/old-base.yaml", 0): (Deployer("up.sh:5", "outer"),),
                     ("kust/overlay/extra.yaml", 0): (Deployer("up.sh:5", "outer"),)}
    # a root that sets no namespace: the base's own, then -n for what no kustomization places
    plain = reached(EntryPoints(applies=(Apply("up.sh", 6, ("kust/plain",), kustomize=True, namespace="cli"),)))
    assert plain == {("kust/base/api.yaml", 0): (Deployer("up.sh:6", "inner"),),
                     ("kust/base/old-base.yaml", 0): (Deployer("up.sh:6", "inner"),)}


def test_apply_minus_k_of_a_folder_without_kustomization_deploys_nothing_and_says_so() -> None:
    result = deployed_set(EntryPoints(applies=(Apply("up.sh", 7, ("deploy",), kustomize=True),)),
                          DOCUMENTS, KUSTOMIZATIONS)
    assert dict(result.documents) == {} and not result.everything
    assert [n.message for n in result.notes] == [
        "up.sh:7 builds 'deploy' with kustomize, which holds no kustomization patcher read: nothing of it "
        "is counted as deployed"]


def test_argo_source_of_a_kustomization_and_of_a_folder_with_recurse_and_globs() -> None:
    kust = ArgoSource("argo/apps.yaml", 0, "api", "argo-dest", path="kust/overlay")
    folder = ArgoSource("argo/apps.yaml", 1, "web", "web-ns", path="deploy",
                        directory={"recurse": True, "include": "{*.yaml}", "exclude": "extra/deep/*"})
    found = reached(EntryPoints(applications=(kust, folder)))
    # the Applications themselves are deployed: someone applied them to start Argo CD on them
    assert found[("argo/apps.yaml", 1)] == (Deployer("argo/apps.yaml: Application web"),)
    assert found[("kust/base/api.yaml", 0)] == (Deployer("argo/apps.yaml: Application api", "outer"),)
    assert sorted({f for f, _ in found if f.startswith("deploy/")}) == [
        "deploy/extra/cache.yaml", "deploy/readme-values.yaml", "deploy/web.yaml"]
    assert found[("deploy/web.yaml", 1)] == (Deployer("argo/apps.yaml: Application web", "web-ns"),)


def test_a_chart_is_deployed_by_the_install_or_application_that_declared_its_release() -> None:
    entry = EntryPoints(helm=(HelmInstall("up.sh", 9, "pay", "./charts/pay", "payments"),),
                        applications=(ArgoSource("apps.yaml", 0, "pay", "p", path="charts/pay"),
                                      ArgoSource("apps.yaml", 1, "remote", "r", chart="gateway", repo_url="https://x"),))
    result = deployed_set(entry, DOCUMENTS, KUSTOMIZATIONS, ("charts/pay",))
    assert result.release_deployers("up.sh:9") == (Deployer("up.sh:9"),)
    assert result.release_deployers("apps.yaml: Application pay") == (Deployer("apps.yaml: Application pay"),)
    assert result.release_deployers("apps.yaml: Application remote") == ()
    assert result.release_deployers(".patcher.yaml") == (Deployer(".patcher.yaml"),)
    assert not result.release_deployed(None)  # a chart nobody installs
    assert dict(result.documents) == {}  # the chart's values file is no manifest of the folder


def test_istioctl_install_deploys_only_the_istio_operator_document() -> None:
    found = reached(EntryPoints(istioctl=(IstioctlInstall("mesh.sh", 2, ("istio/operator.yaml",)),)))
    assert found == {("istio/operator.yaml", 1): (Deployer("mesh.sh:2"),)}


def test_kind_configs_a_script_creates_are_used_the_others_not() -> None:
    configs = ["cluster/a.yaml", "cluster/b.yaml"]
    named = deployed_set(EntryPoints(kind_clusters=(KindCreate("up.sh", 1, "cluster/a.yaml"),)), {}, [],
                         kind_configs=configs)
    assert named.kind_config_used("cluster/a.yaml") and not named.kind_config_used("cluster/b.yaml")
    assert [n.message for n in named.notes] == [
        "kind config(s) no `kind create cluster --config` uses, not analysed: cluster/b.yaml"]
    default = deployed_set(EntryPoints(kind_clusters=(KindCreate("up.sh", 1, None),)), {}, [], kind_configs=configs)
    assert default.kind_configs is None and default.kind_config_used("cluster/b.yaml") and not default.notes
    unknown = deployed_set(EntryPoints(kind_clusters=(KindCreate("up.sh", 1, "$CFG"),)), {}, [], kind_configs=configs)
    assert unknown.kind_config_used("cluster/b.yaml")
    assert [n.message for n in unknown.notes] == [
        "up.sh:1 creates a kind cluster from a config patcher cannot resolve ('$CFG'); every kind config is "
        "treated as used"]


def test_an_unresolved_path_makes_everything_deployed_and_says_why() -> None:
    entry = EntryPoints(applies=(Apply("up.sh", 3, ("deploy/web.yaml",)),
                                 Apply("up.sh", 8, (), remote=("${MANIFESTS}/app",))))
    result = deployed_set(entry, DOCUMENTS, KUSTOMIZATIONS)
    assert result.everything and result.deploys("stale/np.yaml", 0)
    assert result.deployers("deploy/web.yaml", 0) == (Deployer("up.sh:3"),)
    assert [(n.level, n.file, n.line, n.message) for n in result.notes] == [
        ("note", "up.sh", 8, "up.sh:8 applies a path patcher cannot resolve ('${MANIFESTS}/app'); every file "
                             "is treated as deployed")]


def test_standard_input_may_carry_any_file_so_everything_is_deployed() -> None:
    result = deployed_set(EntryPoints(applies=(Apply("up.ps1", 12, (), remote=("-",)),)), DOCUMENTS, KUSTOMIZATIONS)
    assert result.everything
    assert [n.message for n in result.notes] == [
        "up.ps1:12 applies what it reads from standard input, which patcher cannot follow; every file is treated "
        "as deployed"]


def test_kubectl_delete_deploys_nothing() -> None:
    result = deployed_set(EntryPoints(applies=(Apply("down.sh", 2, ("deploy",), verb="delete"),
                                               Apply("up.sh", 2, ("stale/np.yaml",)))), DOCUMENTS, KUSTOMIZATIONS)
    assert list(result.documents) == [("stale/np.yaml", 0)]


def test_a_url_is_not_a_folder_of_the_repository() -> None:
    entry = EntryPoints(applies=(Apply("up.sh", 3, ("deploy/web.yaml",),
                                       remote=("https://github.com/x/y/releases/download/v1/install.yaml",)),))
    result = deployed_set(entry, DOCUMENTS, KUSTOMIZATIONS)
    assert not result.everything and not result.deploys("stale/np.yaml", 0) and not result.notes


def test_without_entry_points_everything_is_deployed() -> None:
    result = deployed_set(EntryPoints(), DOCUMENTS, KUSTOMIZATIONS)
    assert result.everything and result.deploys("stale/np.yaml", 0) and dict(result.documents) == {}
    assert result.release_deployed(None) and result.kind_config_used("any.yaml")


# -- the model of tests/repos/dep-scripts, with the records its scripts make ----------------------

SCRIPTS = EntryPoints(
    applies=(Apply("ops/deploy-prod.sh", 6, ("platform",)),
             Apply("ops/deploy-prod.sh", 7, ("services",), namespace="billing"),
             Apply("ops/deploy-prod.sh", 8, ("prod/ledger-routes.yaml",)),
             Apply("ops/deploy-staging.sh", 5, ("platform",)),
             Apply("ops/deploy-staging.sh", 6, ("services",), namespace="billing"),
             Apply("ops/deploy-staging.sh", 7, ("staging",))),
    kind_clusters=(KindCreate("ops/deploy-prod.sh", 5, "cluster/kind-ledger.yaml"),))
RULES = ("istio/duplicate-gateway-host", "istio/route-without-timeout", "k8s/namespace-without-network-policy",
         "istio/misplaced-traffic-policy", "istio/route-to-missing-service")


def model_of(root: Path, entry_points: EntryPoints | None):
    workspace, _ = load_workspace(root)
    return build_model(workspace, load_config(root), entry_points=entry_points)


def rows(model) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(r.ref, r.source.file, r.deployed_by) for r in model.resources]


def findings(model) -> list[tuple[str, str, int, str]]:
    return sorted((f.rule, f.location.file, f.location.line, f.message)
                  for f in analyse(model, Selection(RULES)))


def test_dep_scripts_model_deployed_and_undeployed_with_namespaces_and_deployers() -> None:
    model = model_of(REPO, SCRIPTS)
    both = ("ops/deploy-prod.sh:6", "ops/deploy-staging.sh:5")
    services = ("ops/deploy-prod.sh:7", "ops/deploy-staging.sh:6")
    assert sorted(rows(model)) == sorted([
        ("Gateway edge/ledger-edge", "platform/edge-gateway.yaml", both),
        ("Namespace /billing", "platform/namespaces.yaml", both),
        ("Namespace /edge", "platform/namespaces.yaml", both),
        ("VirtualService billing/ledger-routes", "prod/ledger-routes.yaml", ("ops/deploy-prod.sh:8",)),
        ("Deployment billing/ledger-api", "services/ledger-api.yaml", services),
        ("Service billing/ledger-api", "services/ledger-api.yaml", services),
        ("Deployment billing/ledger-worker", "services/ledger-worker.yaml", services),
        ("VirtualService billing/ledger-routes", "staging/ledger-routes.yaml", ("ops/deploy-staging.sh:7",)),
    ])
    assert [(r.ref, r.source.file, r.deployed_by) for r in model.undeployed] == [
        ("NetworkPolicy billing/deny-all", "old/deny-all.yaml", ()),
        ("VirtualService billing/ledger-legacy", "old/ledger-legacy.yaml", ()),
        ("DestinationRule billing/ledger-api", "old/ledger-legacy.yaml", ()),
    ]
    assert [k.file for k in model.kind_configs] == ["cluster/kind-ledger.yaml"]
    assert [k.file for k in model.unused_kind_configs] == ["cluster/kind-experimental.yaml"]
    assert model.entry_points is SCRIPTS
    notes = [d.message for d in model.diagnostics if d.level == "note"]
    assert ("3 resource(s) no entry point deploys, analysed only for their own defects (never as coverage, never "
            "paired with deployed ones): old/deny-all.yaml, old/ledger-legacy.yaml") in notes
    assert ("kind config(s) no `kind create cluster --config` uses, not analysed: "
            "cluster/kind-experimental.yaml") in notes


def test_dep_scripts_findings_no_variant_pair_no_stale_coverage_stale_defects_kept() -> None:
    assert findings(model_of(REPO, SCRIPTS)) == [
        ("istio/misplaced-traffic-policy", "old/ledger-legacy.yaml", 22,
         "DestinationRule billing/ledger-api has connectionPool directly under spec, where Istio does not read it"),
        ("istio/route-without-timeout", "old/ledger-legacy.yaml", 10,
         "route 0 of VirtualService billing/ledger-legacy has no timeout and no retries"),
        ("istio/route-without-timeout", "staging/ledger-routes.yaml", 11,
         "route 0 'api-v2' of VirtualService billing/ledger-routes has no timeout and no retries"),
        ("k8s/namespace-without-network-policy", "services/ledger-api.yaml", 1,
         "namespace billing runs 2 workload(s) and has no NetworkPolicy: every pod may reach every other"),
    ]


def test_dep_scripts_without_entry_points_everything_pairs_as_before() -> None:
    model = model_of(REPO, EntryPoints())
    assert model.undeployed == () and all(r.deployed_by == () for r in model.resources)
    duplicates = [f for f in findings(model) if f[0] == "istio/duplicate-gateway-host"]
    # the stale route pairs with each live one, the two versions of ledger-routes never with each other
    assert [(file, message) for _, file, _, message in duplicates] == [
        ("prod/ledger-routes.yaml", "VirtualService billing/ledger-routes routes host ledger.corp.internal on the "
                                    "same gateway as billing/ledger-legacy (old/ledger-legacy.yaml)"),
        ("staging/ledger-routes.yaml", "VirtualService billing/ledger-routes routes host ledger.corp.internal on "
                                       "the same gateway as billing/ledger-legacy (old/ledger-legacy.yaml)"),
    ]


def test_unresolved_path_in_a_script_keeps_the_stale_folder_deployed(tmp_path: Path) -> None:
    entry = EntryPoints(applies=SCRIPTS.applies + (Apply("ops/deploy-prod.sh", 9, (), remote=("$EXTRA_DIR",)),))
    model = model_of(REPO, entry)
    assert model.undeployed == ()
    assert {r.ref for r in model.resources} >= {"NetworkPolicy billing/deny-all",
                                                "VirtualService billing/ledger-legacy"}
    assert ("ops/deploy-prod.sh:9 applies a path patcher cannot resolve ('$EXTRA_DIR'); every file is treated as "
            "deployed") in [d.message for d in model.diagnostics]
    # what the scripts do reach keeps its namespace and deployers
    api = next(r for r in model.resources if r.ref == "Deployment billing/ledger-api")
    assert api.deployed_by == ("ops/deploy-prod.sh:7", "ops/deploy-staging.sh:6")


def write(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def test_own_namespace_wins_over_minus_n_and_two_namespaces_are_told(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "k8s/app.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: own\n  namespace: mine\n---\n"
                        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: given\n"})
    entry = EntryPoints(applies=(Apply("a.sh", 2, ("k8s",), namespace="alpha"),
                                 Apply("b.sh", 4, ("k8s/app.yaml",), namespace="beta")))
    model = model_of(root, entry)
    assert sorted((r.ref, r.deployed_by) for r in model.resources) == [
        ("ConfigMap alpha/given", ("a.sh:2", "b.sh:4")), ("ConfigMap mine/own", ("a.sh:2", "b.sh:4"))]
    assert [d.message for d in model.diagnostics if d.file == "k8s/app.yaml"] == [
        "document 2 is deployed into 2 namespaces: alpha (a.sh:2), beta (b.sh:4); it is analysed in alpha only"]


CHART = {
    "charts/till/Chart.yaml": "apiVersion: v2\nname: till\nversion: 0.3.0\n",
    "charts/till/values.yaml": "port: 8181\n",
    "charts/till/templates/service.yaml": (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n"
        "spec:\n  ports:\n    - port: {{ .Values.port }}\n"),
    "ops/up.sh": "#!/bin/sh\nkubectl apply -f k8s/\nhelm upgrade --install till-main charts/till -n pos\n",
    "k8s/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n",
}


def test_a_release_is_deployed_by_its_install_and_not_without_one(tmp_path: Path) -> None:
    root = write(tmp_path, CHART)
    installed = model_of(root, EntryPoints(applies=(Apply("ops/up.sh", 2, ("k8s",)),),
                                           helm=(HelmInstall("ops/up.sh", 3, "till-main", "charts/till", "pos"),)))
    assert sorted((r.ref, r.deployed_by) for r in installed.resources) == [
        ("ConfigMap default/settings", ("ops/up.sh:2",)), ("Service pos/till-main", ("ops/up.sh:3",))]
    assert installed.undeployed == ()
    # the same repository, deployed only by the apply: the chart is rendered, and not deployed
    applied_only = model_of(root, EntryPoints(applies=(Apply("ops/up.sh", 2, ("k8s",)),)))
    assert [r.ref for r in applied_only.resources] == ["ConfigMap default/settings"]
    assert [(r.ref, r.source.file) for r in applied_only.undeployed] == [
        ("Service default/till", "charts/till/templates/service.yaml")]  # no install: the default release
    assert ("1 resource(s) no entry point deploys, analysed only for their own defects (never as coverage, never "
            "paired with deployed ones): release till/default") in [d.message for d in applied_only.diagnostics]


def test_the_note_groups_many_undeployed_files_by_folder(tmp_path: Path) -> None:
    files = {f"legacy/v1/cm{i}.yaml": f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n" for i in range(7)}
    files["extra.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n"
    files["live/cm.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: live\n"
    model = model_of(write(tmp_path, files), EntryPoints(applies=(Apply("up.sh", 1, ("live",)),)))
    assert [d.message for d in model.diagnostics if "no entry point deploys" in d.message] == [
        "8 resource(s) no entry point deploys, analysed only for their own defects (never as coverage, never "
        "paired with deployed ones): extra.yaml, legacy/ (7 files)"]


def test_istioctl_install_deploys_the_operator_and_the_gateway_service_it_declares(tmp_path: Path) -> None:
    root = write(tmp_path, {"mesh/operator.yaml": (
        "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: control\n"
        "  namespace: istio-system\nspec:\n  components:\n    ingressGateways:\n      - name: edge-in\n"
        "        enabled: true\n        k8s:\n          service:\n            type: NodePort\n"
        "            ports:\n              - {name: http2, port: 8088, targetPort: 8088, nodePort: 30888}\n"
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: beside-the-operator\n  namespace: tools\n")})
    model = model_of(root, EntryPoints(istioctl=(IstioctlInstall("mesh/up.ps1", 4, ("mesh/operator.yaml",)),)))
    assert sorted((r.ref, r.deployed_by) for r in model.resources) == [
        ("IstioOperator istio-system/control", ("mesh/up.ps1:4",)),
        ("Service istio-system/edge-in", ("mesh/up.ps1:4",))]
    assert [r.ref for r in model.undeployed] == ["ConfigMap tools/beside-the-operator"]


def test_the_schema_check_reads_what_is_not_deployed(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "live/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: live\n",
        "attic/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: attic\n  namespace: tools\n"
                          "spec:\n  ports:\n    - port: 80\n      protocl: TCP\n"})
    model = model_of(root, EntryPoints(applies=(Apply("up.sh", 1, ("live",)),)))
    assert [r.ref for r in model.undeployed] == ["Service tools/attic"]
    found = analyse(model, Selection(("schema/invalid-resource",)))
    assert [(f.location.file, f.location.line, "protocl" in f.message) for f in found] == [
        ("attic/svc.yaml", 9, True)]


def test_kubectl_apply_k_of_one_overlay_deploys_the_shared_base_into_its_namespace(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "kube/base/kustomization.yaml": "resources: [rates.yaml]\n",
        "kube/base/rates.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: rates\n",
        "kube/overlays/eu/kustomization.yaml": "namespace: fx-eu\nresources: [../../base]\n",
        "kube/overlays/us/kustomization.yaml": "namespace: fx-us\nresources: [../../base, us-only.yaml]\n",
        "kube/overlays/us/us-only.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: us-only\n"})
    model = model_of(root, EntryPoints(applies=(Apply("tasks/Taskfile.yml", 14, ("kube/overlays/us",),
                                                      kustomize=True),)))
    assert sorted((r.ref, r.deployed_by) for r in model.resources) == [
        ("ConfigMap fx-us/rates", ("tasks/Taskfile.yml:14",)), ("ConfigMap fx-us/us-only", ("tasks/Taskfile.yml:14",))]
    # applied as a file, with -f: no kustomization places it
    by_file = model_of(root, EntryPoints(applies=(Apply("x.sh", 3, ("kube/overlays/us/us-only.yaml",)),)))
    assert [r.ref for r in by_file.resources] == ["ConfigMap default/us-only"]
    # without entry points every root is built: the shared base is one object in each overlay's namespace
    assert [r.ref for r in model_of(root, EntryPoints()).resources if r.name == "rates"] == [
        "ConfigMap fx-eu/rates", "ConfigMap fx-us/rates"]


# -- a namespace patcher cannot resolve (kubectl apply -n "$APP_NS") --------------------------------

def test_an_unresolved_minus_n_marks_the_deployers_namespace_unknown_a_kustomizations_own_wins() -> None:
    found = reached(EntryPoints(applies=(
        Apply("up.sh", 9, ("deploy/web.yaml",), unresolved=("$APP_NS",)),
        Apply("up.sh", 10, ("kust/overlay",), kustomize=True, unresolved=("{{.NS}}",)),
        Apply("up.sh", 11, ("deploy/web.yaml",), namespace="shop"))))
    assert found[("deploy/web.yaml", 0)] == (Deployer("up.sh:11", "shop"), Deployer("up.sh:9", None, "$APP_NS"))
    assert found[("deploy/web.yaml", 0)][1].namespace_unknown
    # the overlay names its namespace: what -n says does not matter
    assert found[("kust/overlay/extra.yaml", 0)] == (Deployer("up.sh:10", "outer"),)
    assert Apply("up.sh", 9, ("k8s",), unresolved=("$APP_NS",)).unresolved_namespace == "$APP_NS"
    assert Apply("up.sh", 9, ("k8s",), namespace="shop").unresolved_namespace is None


UNKNOWN_NS = {
    "k8s/app.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: sorter\nspec:\n  selector:\n"
        "    matchLabels: {app: sorter}\n  template:\n    metadata:\n      labels: {app: sorter}\n"
        "    spec:\n      containers:\n        - name: sorter\n          image: ghcr.io/example/sorter:1.0.0\n"
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: sorter\nspec:\n  selector: {app: sorter}\n"
        "  ports:\n    - {name: http, port: 8230}\n"
        "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\n"
        "spec:\n  podSelector: {}\n"
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pinned\n  namespace: hub\n"
        "---\napiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata:\n  name: sorter\n"
        "spec:\n  hosts: [sorter]\n  http:\n    - route:\n        - destination: {host: sorter}\n"),
    "known/hub.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: hub\n  namespace: hub\nspec:\n  selector:\n"
        "    matchLabels: {app: hub}\n  template:\n    metadata:\n      labels: {app: hub}\n"
        "    spec:\n      containers:\n        - name: hub\n          image: ghcr.io/example/hub:2.0.0\n"
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: edge-sorter\n  namespace: hub\n"
        "spec:\n  selector: {app: hub}\n  ports:\n    - {name: http, port: 8230}\n"
        "---\napiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata:\n  name: to-sorter\n"
        "  namespace: hub\nspec:\n  hosts: [sorter.example.test]\n  http:\n    - route:\n"
        "        - destination: {host: sorter}\n      timeout: 5s\n      retries: {attempts: 2}\n"),
    "shared/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n",
}
UNKNOWN_RULES = RULES + ("istio/destination-without-circuit-breaker", "istio/namespace-without-mtls")


def test_what_only_an_unresolved_namespace_deploys_is_unplaced_judged_for_its_own_defects(tmp_path: Path) -> None:
    root = write(tmp_path, UNKNOWN_NS)
    entry = EntryPoints(applies=(Apply("ops/up.sh", 9, ("k8s",), unresolved=("$APP_NS",)),
                                 Apply("ops/up.sh", 10, ("known",)),
                                 Apply("ops/up.sh", 11, ("shared",), unresolved=("$APP_NS",)),
                                 Apply("ops/up.sh", 12, ("shared",), namespace="hub")))
    model = model_of(root, entry)
    assert [(r.ref, r.deployed_by, r.source.namespace_unknown) for r in model.unplaced] == [
        ("Deployment $APP_NS/sorter", ("ops/up.sh:9",), "$APP_NS"),
        ("Service $APP_NS/sorter", ("ops/up.sh:9",), "$APP_NS"),
        ("NetworkPolicy $APP_NS/deny", ("ops/up.sh:9",), "$APP_NS"),
        ("VirtualService $APP_NS/sorter", ("ops/up.sh:9",), "$APP_NS")]
    # a namespace of its own, or a second entry point with a known one, places it
    assert sorted(r.ref for r in model.resources) == [
        "ConfigMap hub/pinned", "ConfigMap hub/shared", "Deployment hub/hub", "Service hub/edge-sorter",
        "VirtualService hub/to-sorter"]
    assert model.undeployed == ()
    notes = [(d.file, d.line, d.message) for d in model.diagnostics if d.level == "note"]
    assert ("ops/up.sh", 9, "ops/up.sh:9 deploys into a namespace patcher cannot resolve ('$APP_NS'): what it "
                            "deploys is not judged by namespace") in notes
    assert not any("ops/up.sh:11 deploys into" in n[2] for n in notes)  # nothing of it is left unplaced
    assert ("shared/cm.yaml", None, "document 1 is deployed into 2 namespaces: '$APP_NS' (ops/up.sh:11), "
                                    "hub (ops/up.sh:12); it is analysed in hub only") in notes
    assert [(g.what, g.kinds, g.namespace) for g in model.unread] == [
        ("what ops/up.sh:9 deploys into namespace '$APP_NS' (not resolved)",
         frozenset({"Deployment", "Service", "NetworkPolicy", "VirtualService"}), None)]
    # no namespace-scoped conclusion: the unplaced NetworkPolicy may be hub's, the unplaced Service
    # may be the sorter hub routes to; the unplaced route's own defect is kept
    assert findings(model) == [
        ("istio/route-without-timeout", "k8s/app.yaml", 45,
         "route 0 of VirtualService $APP_NS/sorter has no timeout and no retries")]
    assert [f.rule for f in analyse(model, Selection(UNKNOWN_RULES))] == ["istio/route-without-timeout"]


def test_the_same_repository_with_the_namespace_written_out_is_judged(tmp_path: Path) -> None:
    """The control: once the namespace is known (yard, not hub), hub lacks a NetworkPolicy and
    its route names a Service it does not hold: the findings the unknown namespace withheld."""
    root = write(tmp_path, UNKNOWN_NS)
    model = model_of(root, EntryPoints(applies=(Apply("ops/up.sh", 9, ("k8s",), namespace="yard"),
                                                Apply("ops/up.sh", 10, ("known",)))))
    assert model.unplaced == () and model.unread == ()
    assert [f[0] for f in findings(model)] == [
        "istio/route-to-missing-service", "istio/route-without-timeout", "k8s/namespace-without-network-policy"]


MESHED = {
    "known/yard.yaml": (
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: yard\n  labels: {istio-injection: enabled}\n"
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: hoist\n  namespace: yard\nspec:\n"
        "  selector:\n    matchLabels: {app: hoist}\n  template:\n    metadata:\n      labels: {app: hoist}\n"
        "    spec:\n      containers:\n        - name: hoist\n          image: ghcr.io/example/hoist:1.2.0\n"
        "          env:\n            - {name: CRANE_URL, value: 'http://crane:7070'}\n"
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: crane\n  namespace: yard\nspec:\n"
        "  selector:\n    matchLabels: {app: crane}\n  template:\n    metadata:\n      labels: {app: crane}\n"
        "    spec:\n      containers:\n        - name: crane\n          image: ghcr.io/example/crane:3.1.0\n"
        "          ports: [{containerPort: 7070}]\n"
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: crane\n  namespace: yard\nspec:\n"
        "  type: NodePort\n  selector: {app: crane}\n  ports:\n    - {name: http, port: 7070, nodePort: 30707}\n"
        "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: all\n  namespace: yard\n"
        "spec:\n  podSelector: {}\n"),
    "k8s/policies.yaml": (
        "apiVersion: networking.istio.io/v1beta1\nkind: DestinationRule\nmetadata:\n  name: crane\nspec:\n"
        "  host: crane\n  trafficPolicy:\n    connectionPool: {tcp: {maxConnections: 50}}\n"
        "    outlierDetection: {consecutive5xxErrors: 3}\n"
        "---\napiVersion: security.istio.io/v1beta1\nkind: PeerAuthentication\nmetadata:\n  name: default\n"
        "spec:\n  mtls: {mode: STRICT}\n"
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: winch\nspec:\n  type: NodePort\n"
        "  ports:\n    - {port: 7171, nodePort: 30717}\n"),
    "kind/cluster.yaml": ("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n  - role: control-plane\n"
                          "    extraPortMappings:\n      - {containerPort: 30717, hostPort: 7171}\n"),
}
MESH_RULES = ("istio/destination-without-circuit-breaker", "istio/namespace-without-mtls",
              "kind/unused-port-mapping", "k8s/namespace-without-network-policy")


def test_an_unplaced_destination_rule_peer_authentication_or_node_port_may_be_the_missing_one(
        tmp_path: Path) -> None:
    root = write(tmp_path, MESHED)
    applies = (Apply("up.sh", 4, ("known",)), Apply("up.sh", 5, ("k8s",), unresolved=("${TEAM}-ns",)))
    model = model_of(root, EntryPoints(applies=applies))
    assert [r.ref for r in model.unplaced] == ["DestinationRule ${TEAM}-ns/crane",
                                               "PeerAuthentication ${TEAM}-ns/default", "Service ${TEAM}-ns/winch"]
    assert [f.rule for f in analyse(model, Selection(MESH_RULES))] == []
    # the control: in a namespace of their own they cover nothing of yard, and the nodePort is still used
    placed = model_of(root, EntryPoints(applies=(applies[0], Apply("up.sh", 5, ("k8s",), namespace="depot"))))
    assert sorted(f.message for f in analyse(placed, Selection(MESH_RULES))) == [
        "Service yard/crane receives traffic but no DestinationRule sets a circuit breaker for it",
        "namespace yard has no PeerAuthentication: its services accept plain-text traffic"]


def test_a_release_installed_into_an_unresolved_namespace_is_unplaced(tmp_path: Path) -> None:
    root = write(tmp_path, CHART)
    install = HelmInstall("ops/up.sh", 3, "till-main", "charts/till", None, unresolved=("$POS_NS",),
                          unresolved_namespace="$POS_NS")
    model = model_of(root, EntryPoints(applies=(Apply("ops/up.sh", 2, ("k8s",)),), helm=(install,)))
    assert [(r.ref, r.deployed_by) for r in model.unplaced] == [("Service $POS_NS/till-main", ("ops/up.sh:3",))]
    assert [r.ref for r in model.resources] == ["ConfigMap default/settings"]
    assert ("ops/up.sh:3 deploys into a namespace patcher cannot resolve ('$POS_NS'): what it deploys is not "
            "judged by namespace") in [d.message for d in model.diagnostics]
