"""The rules from istioctl analyze's and Kiali's lists: their notes (what they leave unjudged because it may
come from outside the repository) and how they bear on other rules' fixes."""

from __future__ import annotations

from pathlib import Path

from helpers import copy_tree, plan

FIXTURES = Path(__file__).parent / "fixtures" / "istio"


def _notes(case: Path, rule: str, tmp_path: Path) -> list[tuple[str, int | None, str]]:
    result = plan(copy_tree(case / "before", tmp_path / "repo"), rule)
    assert result.findings == ()
    return [(d.file, d.line, d.message) for d in result.diagnostics
            if d.level == "note" and "ingress gateway Service is not in this repository" not in d.message]


def test_a_gateway_istioctl_may_install_is_a_note_not_a_finding(tmp_path: Path) -> None:
    case = FIXTURES / "gateway-selector-without-pods" / "clean-istioctl-installed"
    assert _notes(case, "istio/gateway-selector-without-pods", tmp_path) == [
        ("gateway.yaml", 7, "Gateway istio-system/public selects {istio: public-gateway}, no pod of the repository: "
                            "not judged, as the gateway may be installed outside the repository (istioctl install "
                            "(install.sh:3), IstioOperator istio/operator.yaml)")]


def test_the_labels_of_istios_own_gateways_are_a_note_when_istio_is_installed_elsewhere(tmp_path: Path) -> None:
    case = FIXTURES / "gateway-selector-without-pods" / "clean-istio-default-labels"
    assert _notes(case, "istio/gateway-selector-without-pods", tmp_path) == [
        ("gateway.yaml", 7, "Gateway istio-ingress/web selects {istio: ingressgateway}, no pod of the repository: "
                            "not judged, as Istio, installed by other means, runs gateways with these labels in its "
                            "profiles")]


def test_selectors_that_match_say_nothing(tmp_path: Path) -> None:
    for name in ("clean-helm-rendered", "clean-kustomize-labels", "clean-pods-in-another-namespace"):
        case = FIXTURES / "gateway-selector-without-pods" / name
        assert _notes(case, "istio/gateway-selector-without-pods", tmp_path / name) == [], name


def test_a_gateway_a_remote_manifest_may_create_is_a_note(tmp_path: Path) -> None:
    case = FIXTURES / "gateway-not-found" / "clean-remote-manifest"
    notes = _notes(case, "istio/gateway-not-found", tmp_path)
    assert ("k8s/vs.yaml", 9, "VirtualService shop/web is bound to Gateway shop/bookinfo-gateway, not in the "
                              "repository: not judged, as https://example.test/bookinfo-gateway.yaml (deploy.sh:2) "
                              "may create it") in notes


def test_a_gateway_in_a_namespace_the_repository_deploys_none_into_is_a_note(tmp_path: Path) -> None:
    case = FIXTURES / "gateway-not-found" / "clean-shared-gateway-elsewhere"
    assert _notes(case, "istio/gateway-not-found", tmp_path) == [
        ("vs.yaml", 9, "VirtualService shop/web is bound to Gateway platform/shared-gateway, not in the repository: "
                       "not judged, as the repository deploys no Gateway into namespace platform")]


def test_gateways_that_exist_say_nothing(tmp_path: Path) -> None:
    for name in ("clean-helm-release-names", "clean-other-namespace-and-mesh"):
        case = FIXTURES / "gateway-not-found" / name
        assert _notes(case, "istio/gateway-not-found", tmp_path / name) == [], name


def test_strict_mtls_is_unsafe_where_a_destination_rule_sends_plain_text(tmp_path: Path) -> None:
    repo = copy_tree(FIXTURES / "mtls-disabled-to-strict" / "namespace-strict" / "before", tmp_path / "repo")
    (repo / "pa.yaml").unlink()
    [finding] = plan(repo, "istio/namespace-without-mtls").findings
    assert finding.fix.applicability.label == "unsafe"
    assert "DestinationRule(s) shop/cart send plain text (tls.mode DISABLE) to Services of namespace shop" \
        in finding.fix.reason
