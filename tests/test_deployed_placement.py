"""Fixes on a deployed model: generated policy goes where an entry point deploys it, and a
rename in a base shared by overlays is never safe when another overlay relies on the old name."""

from __future__ import annotations

from pathlib import Path

from patcher.findings import Applicability
from tests.helpers import plan

SERVICE = ("apiVersion: v1\nkind: Service\nmetadata:\n  name: quill\n  namespace: ink\nspec:\n"
           "  selector:\n    app: quill\n  ports:\n    - port: 7070\n")
ROUTE = ("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: quill\n  namespace: ink\n"
         "spec:\n  hosts: [quill.ink.test]\n  gateways: [ink/edge]\n  http:\n    - route:\n"
         "        - destination:\n            host: quill\n      timeout: 4s\n      retries: {attempts: 2}\n")
GATEWAY = ("apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: edge\n  namespace: ink\n"
           "spec:\n  selector: {istio: ingressgateway}\n  servers:\n"
           "    - port: {number: 80, name: http, protocol: HTTP}\n      hosts: ['*']\n")


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def breaker(root: Path):
    found = [f for f in plan(root, "istio/destination-without-circuit-breaker").findings]
    assert len(found) == 1, [f.message for f in found]
    return found[0].fix


def test_a_destination_rule_goes_to_a_folder_a_script_applies(tmp_path: Path) -> None:
    root = write(tmp_path, {"mesh/gateway.yaml": GATEWAY, "app/quill.yaml": SERVICE + "---\n" + ROUTE,
                            "up.sh": "#!/bin/sh\nkubectl apply -f mesh/gateway.yaml\nkubectl apply -f app/\n"})
    fix = breaker(root)
    # beside the Gateway, nothing would apply it (mesh/ is applied file by file)
    assert (fix.title, fix.applicability) == ("add DestinationRule ink/quill to app/destination-rules.yaml",
                                              Applicability.SAFE)


def test_a_destination_rule_nothing_would_deploy_is_only_shown(tmp_path: Path) -> None:
    root = write(tmp_path, {"mesh/gateway.yaml": GATEWAY, "app/quill.yaml": SERVICE + "---\n" + ROUTE,
                            "up.sh": "#!/bin/sh\nkubectl apply -f mesh/gateway.yaml -f app/quill.yaml\n"})
    fix = breaker(root)
    assert (fix.title, fix.applicability, fix.reason) == (
        "add DestinationRule ink/quill to mesh/destination-rules.yaml", Applicability.DISPLAY_ONLY,
        "no entry point would deploy mesh/destination-rules.yaml into namespace ink alone (nothing applies it, "
        "or a base several overlays build would list it): name a deployed file in the settings' "
        "outputs.destination-rules")


def test_without_entry_points_the_destination_rule_stays_beside_the_gateway(tmp_path: Path) -> None:
    root = write(tmp_path, {"mesh/gateway.yaml": GATEWAY, "app/quill.yaml": SERVICE + "---\n" + ROUTE})
    fix = breaker(root)
    assert (fix.title, fix.applicability) == ("add DestinationRule ink/quill to mesh/destination-rules.yaml",
                                              Applicability.SAFE)


OVERLAYS = {
    "deploy/base/kustomization.yaml": "resources: [svc.yaml, routes.yaml]\n",
    "deploy/base/svc.yaml": SERVICE.replace("  namespace: ink\n", "") + (
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: quill\nspec:\n"
        "  selector:\n    matchLabels: {app: quill}\n  template:\n    metadata:\n      labels: {app: quill}\n"
        "    spec:\n      containers:\n        - name: quill\n          image: quill:1\n"),
    "deploy/base/routes.yaml": ROUTE.replace("  namespace: ink\n", "").replace("ink/edge", "istio-system/edge"),
    "deploy/overlays/dev/kustomization.yaml": "namespace: ink-dev\nnamePrefix: dev-\nresources: [../../base]\n",
    "deploy/overlays/prod/kustomization.yaml": "namespace: ink\nresources: [../../base]\n",
}


def test_a_rename_in_a_base_another_overlay_uses_as_written_is_unsafe(tmp_path: Path) -> None:
    root = write(tmp_path, {**OVERLAYS, "up.sh": "#!/bin/sh\nkubectl apply -k deploy/overlays/dev\n"
                                                 "kubectl apply -k deploy/overlays/prod\n"})
    found = plan(root, "istio/route-to-missing-service").findings
    assert [(f.message, f.fix.title, f.fix.applicability, f.fix.reason) for f in found] == [(
        "VirtualService ink-dev/dev-quill routes to quill, but namespace ink-dev has no Service quill; "
        "it has dev-quill", "route to dev-quill", Applicability.UNSAFE,
        "deploy/base/routes.yaml is built by other kustomize roots too, where dev-quill names no Service "
        "(deploy/overlays/prod: namespace ink): the edit would break their route")]


def test_a_rename_in_a_base_only_one_overlay_builds_stays_safe(tmp_path: Path) -> None:
    root = write(tmp_path, {**OVERLAYS, "up.sh": "#!/bin/sh\nkubectl apply -k deploy/overlays/dev\n"})
    found = plan(root, "istio/route-to-missing-service").findings
    assert [(f.fix.title, f.fix.applicability) for f in found] == [("route to dev-quill", Applicability.SAFE)]


def test_policy_for_one_overlay_is_never_written_into_the_base_both_build(tmp_path: Path) -> None:
    root = write(tmp_path, {**OVERLAYS, "deploy/base/routes.yaml": OVERLAYS["deploy/base/routes.yaml"].replace(
        "host: quill", "host: quill-missing"), "up.sh": "#!/bin/sh\nkubectl apply -k deploy/overlays/dev\n"
                                                         "kubectl apply -k deploy/overlays/prod\n"})
    found = plan(root, "k8s/namespace-without-network-policy", unsafe=True).findings
    assert sorted((f.message.split(" runs")[0], f.fix.applicability) for f in found) == [
        ("namespace ink", Applicability.DISPLAY_ONLY), ("namespace ink-dev", Applicability.DISPLAY_ONLY)]
    assert all("would list it" in f.fix.reason or "cut off" in f.fix.reason for f in found)


BARE_SERVICE = SERVICE.replace("  namespace: ink\n", "")
BARE_ROUTE = ROUTE.replace("  namespace: ink\n", "")


def _generated(fix) -> str:
    from patcher.edits import AddDocument
    return next(e.content for e in fix.edits if isinstance(e, AddDocument))


def test_a_generated_rule_names_no_namespace_where_every_apply_of_its_folder_sets_it(tmp_path: Path) -> None:
    root = write(tmp_path, {"mesh/gateway.yaml": GATEWAY, "app/quill.yaml": BARE_SERVICE + "---\n" + BARE_ROUTE,
                            "up.sh": "#!/bin/sh\nkubectl apply -f mesh/gateway.yaml\nkubectl apply -n ink -f app/\n"})
    fix = breaker(root)
    assert fix.title == "add DestinationRule ink/quill to app/destination-rules.yaml"
    assert "namespace:" not in _generated(fix)
    assert "  name: quill\nspec:\n  host: quill.ink.svc.cluster.local\n" in _generated(fix)


def test_a_generated_rule_names_its_namespace_when_one_apply_of_its_folder_does_not_set_it(tmp_path: Path) -> None:
    root = write(tmp_path, {"mesh/gateway.yaml": GATEWAY, "app/quill.yaml": BARE_SERVICE + "---\n" + BARE_ROUTE,
                            "up.sh": "#!/bin/sh\nkubectl apply -f mesh/gateway.yaml\nkubectl apply -n ink -f app/\n",
                            "again.sh": "#!/bin/sh\nkubectl apply -f app/\n"})
    assert "  namespace: ink\n" in _generated(breaker(root))


def test_a_generated_rule_names_its_namespace_when_its_neighbours_do(tmp_path: Path) -> None:
    root = write(tmp_path, {"mesh/gateway.yaml": GATEWAY, "app/quill.yaml": SERVICE + "---\n" + ROUTE,
                            "up.sh": "#!/bin/sh\nkubectl apply -f mesh/gateway.yaml\nkubectl apply -n ink -f app/\n"})
    assert "  namespace: ink\n" in _generated(breaker(root))


CHART = "apiVersion: v2\nname: quill\nversion: 0.1.0\n"
TEMPLATE = ("apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-api\nspec:\n"
            "  selector:\n    app: quill\n  ports:\n    - port: 7070\n---\n" + ROUTE.replace("host: quill\n", "host: quill-api\n"))


def test_a_namespace_only_a_chart_deploys_gets_its_policy_among_the_chart_templates(tmp_path: Path) -> None:
    root = write(tmp_path, {"charts/quill/Chart.yaml": CHART, "charts/quill/templates/app.yaml": TEMPLATE,
                            "mesh/gateway.yaml": GATEWAY,
                            "up.sh": "#!/bin/sh\nkubectl apply -f mesh/gateway.yaml\n"
                                     "helm upgrade --install quill charts/quill -n ink\n"})
    fix = breaker(root)
    assert (fix.title, fix.applicability) == (
        "add DestinationRule ink/quill-api to charts/quill/templates/destination-rules.yaml", Applicability.SAFE)


def test_a_chart_two_releases_install_gets_no_policy_written_for_one_of_them(tmp_path: Path) -> None:
    root = write(tmp_path, {"charts/quill/Chart.yaml": CHART, "charts/quill/templates/app.yaml": TEMPLATE,
                            "mesh/gateway.yaml": GATEWAY,
                            "up.sh": "#!/bin/sh\nkubectl apply -f mesh/gateway.yaml\n"
                                     "helm upgrade --install quill charts/quill -n ink\n"
                                     "helm upgrade --install quill charts/quill -n ink-two\n"})
    found = plan(root, "istio/destination-without-circuit-breaker").findings
    assert all(f.fix is None or f.fix.applicability == Applicability.DISPLAY_ONLY for f in found), [
        (f.message, f.fix and f.fix.title) for f in found]


def test_a_generated_rule_is_indented_as_the_manifests_beside_it(tmp_path: Path) -> None:
    wide = ("apiVersion: v1\nkind: Service\nmetadata:\n    name: quill\n    namespace: ink\nspec:\n"
            "    selector:\n        app: quill\n    ports:\n    -   port: 7070\n")
    root = write(tmp_path, {"mesh/gateway.yaml": GATEWAY, "app/quill.yaml": wide + "---\n" + ROUTE,
                            "up.sh": "#!/bin/sh\nkubectl apply -f mesh/gateway.yaml\nkubectl apply -f app/\n"})
    text = _generated(breaker(root))
    assert text.startswith("# Circuit breaker for ink/quill (written by patcher")
    assert "metadata:\n    name: quill\n    namespace: ink\nspec:\n    host: quill.ink.svc.cluster.local\n" in text
    assert "        connectionPool:\n            tcp:\n                maxConnections: 100\n" in text


def test_each_namespace_policy_goes_to_the_root_that_sets_that_namespace(tmp_path: Path) -> None:
    """Two kustomize roots, each setting its own namespace: a DestinationRule for the second
    namespace written into the first root would be moved into the first namespace (and collide)."""
    app = SERVICE.replace("  namespace: ink\n", "") + "---\n" + ROUTE.replace("  namespace: ink\n", "")
    files = {"deploy.sh": "kubectl apply -k alpha\nkubectl apply -k beta\n"}
    for ns in ("alpha", "beta"):
        files[f"{ns}/kustomization.yaml"] = f"namespace: {ns}\nresources:\n  - app.yaml\n"
        files[f"{ns}/app.yaml"] = app
    result = plan(write(tmp_path, files), "istio/destination-without-circuit-breaker")
    assert [(f.fix.title, r.status) for f, r in zip(result.findings, result.results)] == [
        ("add DestinationRule alpha/quill to alpha/destination-rules.yaml", "would-fix"),
        ("add DestinationRule beta/quill to beta/destination-rules.yaml", "would-fix"),
    ]
