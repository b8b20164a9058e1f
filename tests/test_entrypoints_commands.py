"""Entry points: each deploying command form of a script line, as exact records."""

from __future__ import annotations

import pytest

from patcher.entrypoints import (Apply, HelmInstall, IstioctlInstall, KindCreate, NamespaceCreate, NamespaceLabel,
                                 Patch, PortForward)
from patcher.entrypoints.commands import Paths, read_commands
from patcher.entrypoints.shell import script_lines

EXISTING = {"k8s", "k8s/app.yaml", "k8s/db.yaml", "overlays/lab", "svc-patch.yaml", "charts/web",
            "ops/k8s/app.yaml", "cluster/kind.yaml", "mesh/op.yaml"}
TEXTS = {"svc-patch.yaml": "spec:\n  ports:\n    - port: 80\n      nodePort: 30080\n"}


def found(script: str, path: str = "deploy.sh"):
    return read_commands(script_lines(path, script), Paths(EXISTING.__contains__, TEXTS.get))


def applies(script: str, path: str = "deploy.sh") -> list[Apply]:
    return found(script, path).applies


@pytest.mark.parametrize(("line", "record"), [
    ("kubectl apply -f k8s/app.yaml", Apply("deploy.sh", 1, ("k8s/app.yaml",))),
    ("kubectl apply -f k8s/app.yaml -f=k8s/db.yaml", Apply("deploy.sh", 1, ("k8s/app.yaml", "k8s/db.yaml"))),
    ("kubectl apply --filename=k8s/app.yaml,k8s/db.yaml", Apply("deploy.sh", 1, ("k8s/app.yaml", "k8s/db.yaml"))),
    ("kubectl apply -R -f k8s -n shop", Apply("deploy.sh", 1, ("k8s",), recursive=True, namespace="shop")),
    ("kubectl --namespace=shop apply --recursive -f k8s/", Apply("deploy.sh", 1, ("k8s",), recursive=True,
                                                                  namespace="shop")),
    ("kubectl apply -k overlays/lab", Apply("deploy.sh", 1, ("overlays/lab",), kustomize=True)),
    ("kubectl apply --kustomize=overlays/lab/", Apply("deploy.sh", 1, ("overlays/lab",), kustomize=True)),
    ("kubectl create -f k8s/app.yaml", Apply("deploy.sh", 1, ("k8s/app.yaml",), verb="create")),
    ("kubectl replace -f k8s/app.yaml", Apply("deploy.sh", 1, ("k8s/app.yaml",), verb="replace")),
    ("kustomize build overlays/lab | kubectl apply -f -", Apply("deploy.sh", 1, ("overlays/lab",), kustomize=True)),
    ("kubectl kustomize overlays/lab | kubectl apply -f -", Apply("deploy.sh", 1, ("overlays/lab",),
                                                                  kustomize=True)),
    ("cat k8s/app.yaml | kubectl apply -f -", Apply("deploy.sh", 1, ("k8s/app.yaml",))),
    ("kubectl apply -f https://example.com/crds.yaml", Apply("deploy.sh", 1, (),
                                                              remote=("https://example.com/crds.yaml",))),
    ("kubectl apply -f /etc/kubernetes/app.yaml", Apply("deploy.sh", 1, (), remote=("/etc/kubernetes/app.yaml",))),
    ("kubectl apply -f ../elsewhere/app.yaml", Apply("deploy.sh", 1, (), remote=("../elsewhere/app.yaml",))),
    ('kubectl apply -f "$MANIFEST"', Apply("deploy.sh", 1, (), remote=("$MANIFEST",))),
    ('kubectl apply -f k8s/app.yaml -n "$(cat ns.txt)"', Apply("deploy.sh", 1, ("k8s/app.yaml",),
                                                                unresolved=('$(cat ns.txt)',))),
    ("sudo env KUBECONFIG=/tmp/k kubectl apply -f k8s/app.yaml", Apply("deploy.sh", 1, ("k8s/app.yaml",))),
    ("echo go && kubectl apply -f k8s/app.yaml; echo done", Apply("deploy.sh", 1, ("k8s/app.yaml",))),
])
def test_kubectl_apply_forms(line: str, record: Apply) -> None:
    assert applies(line + "\n") == [record]


def test_a_path_resolves_against_the_folder_the_script_runs_in() -> None:
    # the script's folder first (ops/k8s/app.yaml exists), then the repository root
    assert applies("kubectl apply -f k8s/app.yaml\n", "ops/up.sh") == [Apply("ops/up.sh", 1, ("ops/k8s/app.yaml",))]
    assert applies("kubectl apply -f k8s/db.yaml\n", "ops/up.sh") == [Apply("ops/up.sh", 1, ("k8s/db.yaml",))]


def test_cd_moves_later_relative_paths() -> None:
    script = ('cd "$(dirname "$0")/.."\nkubectl apply -f k8s/app.yaml\npushd ops\nkubectl apply -f k8s/app.yaml\n'
              "popd\ncd \"$WORKDIR\"\nkubectl apply -f k8s/app.yaml\n")
    assert applies(script, "ops/up.sh") == [
        Apply("ops/up.sh", 2, ("k8s/app.yaml",)),
        Apply("ops/up.sh", 4, ("ops/k8s/app.yaml",)),
        Apply("ops/up.sh", 7, (), remote=("k8s/app.yaml",)),  # after an unknown cd, not guessed
    ]


def test_a_subshell_cd_does_not_move_the_script() -> None:
    script = "(cd ops && kubectl apply -f k8s/app.yaml)\nkubectl apply -f k8s/app.yaml\n"
    assert [a.paths for a in applies(script)] == [("ops/k8s/app.yaml",), ("k8s/app.yaml",)]


def test_a_heredoc_is_named_in_a_note_and_its_lines_are_not_commands() -> None:
    script = "kubectl apply -f - <<EOF\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kubectl\nEOF\n"
    result = found(script)
    assert result.applies == [Apply("deploy.sh", 1, (), remote=("-",))]
    assert [(n.line, n.message) for n in result.notes] == [
        (1, "manifest written inline in deploy.sh:1 is not analysed")]


def test_remote_things_get_one_note_per_line() -> None:
    result = found("kubectl apply -f https://a.example/x.yaml -f https://a.example/y.yaml\n")
    assert [(n.file, n.line, n.level, n.message) for n in result.notes] == [
        ("deploy.sh", 1, "note", "kubectl apply -f https://a.example/x.yaml, kubectl apply -f "
                                 "https://a.example/y.yaml: not in this repository, not analysed")]


@pytest.mark.parametrize("line", [
    "kubectl create namespace orbit",
    "kubectl create ns orbit",
    "kubectl create namespace orbit --dry-run=client -o yaml | kubectl apply -f -",
])
def test_namespace_creation(line: str) -> None:
    result = found(line + "\n")
    assert (result.namespaces, result.applies) == ([NamespaceCreate("deploy.sh", 1, "orbit")], [])


def test_a_dry_run_alone_creates_nothing() -> None:
    assert found("kubectl create ns orbit --dry-run=client -o yaml > ns.yaml\n").namespaces == []


@pytest.mark.parametrize(("line", "record"), [
    ("kubectl label namespace orbit istio-injection=enabled --overwrite",
     NamespaceLabel("deploy.sh", 1, ("orbit",), {"istio-injection": "enabled"})),
    ("kubectl label ns/orbit istio.io/rev=canary istio-injection-",
     NamespaceLabel("deploy.sh", 1, ("orbit",), {"istio.io/rev": "canary", "istio-injection": None})),
    ("kubectl label namespaces a b team=x",
     NamespaceLabel("deploy.sh", 1, ("a", "b"), {"team": "x"})),
    ('kubectl label ns "$NS" istio-injection=enabled',
     NamespaceLabel("deploy.sh", 1, (), {"istio-injection": "enabled"}, ("$NS",))),
])
def test_namespace_labels(line: str, record: NamespaceLabel) -> None:
    assert found(line + "\n").labels == [record]


def test_a_label_on_something_else_is_not_a_namespace_label() -> None:
    assert found("kubectl label pod web tier=front\n").labels == []


@pytest.mark.parametrize(("line", "record"), [
    ("""kubectl patch svc istio-ingressgateway -n istio-system --type=merge -p '{"spec":{"type":"NodePort"}}'""",
     Patch("deploy.sh", 1, "Service", "istio-ingressgateway", "istio-system", "merge",
           {"spec": {"type": "NodePort"}})),
    ("""kubectl -n web patch deployment/api --type json -p '[{"op":"remove","path":"/spec/replicas"}]'""",
     Patch("deploy.sh", 1, "Deployment", "api", "web", "json", [{"op": "remove", "path": "/spec/replicas"}])),
    ("kubectl patch service edge --patch-file svc-patch.yaml",
     Patch("deploy.sh", 1, "Service", "edge", None, "strategic",
           {"spec": {"ports": [{"port": 80, "nodePort": 30080}]}}, "svc-patch.yaml")),
    ("kubectl patch svc edge -p 'spec: {type: [unclosed'",
     Patch("deploy.sh", 1, "Service", "edge", None, "strategic", None)),
])
def test_patches(line: str, record: Patch) -> None:
    assert found(line + "\n").patches == [record]


@pytest.mark.parametrize(("line", "record"), [
    ("kubectl port-forward -n istio-system svc/istio-ingressgateway 8080:80 &",
     PortForward("deploy.sh", 1, "svc/istio-ingressgateway", "istio-system", ((8080, "80"),))),
    ("kubectl port-forward --address 0.0.0.0 service/web 9000:http 9001 -n shop",
     PortForward("deploy.sh", 1, "service/web", "shop", ((9000, "http"), (9001, "9001")), "0.0.0.0")),
    ("kubectl port-forward deploy/api 7000:7070",
     PortForward("deploy.sh", 1, "deploy/api", None, ((7000, "7070"),))),
])
def test_port_forwards(line: str, record: PortForward) -> None:
    assert found(line + "\n").port_forwards == [record]


def test_helm_install_every_flag() -> None:
    line = ("helm upgrade -i --namespace=orbit --create-namespace web charts/web -f a.yaml,b.yaml --values c.yaml "
            "--set image.tag=2.1,replicas=3 --set-string port=80 --set-json 'cfg={\"a\":1}' "
            "--set-file cert=tls.pem --repo https://charts.example.com --version 1.2.3 --wait --timeout 5m\n")
    assert found(line).helm == [HelmInstall(
        "deploy.sh", 1, "web", "charts/web", "orbit", ("a.yaml", "b.yaml", "c.yaml"),
        (("--set", "image.tag", "2.1"), ("--set", "replicas", "3"), ("--set-string", "port", "80"),
         ("--set-json", "cfg", '{"a":1}'), ("--set-file", "cert", "tls.pem")),
        True, "https://charts.example.com", "1.2.3")]


def test_helm_generate_name_has_no_release() -> None:
    assert found("helm install --generate-name charts/web -n x\n").helm == [
        HelmInstall("deploy.sh", 1, "", "charts/web", "x")]


def test_helm_with_an_unknown_chart_is_flagged() -> None:
    assert found('helm install web "$CHART"\n').helm == [
        HelmInstall("deploy.sh", 1, "web", "$CHART", None, unresolved=("$CHART",))]


def test_helm_template_applied_is_recorded_as_templated() -> None:
    assert found("helm template web charts/web -n x | kubectl apply -f -\n").helm == [
        HelmInstall("deploy.sh", 1, "web", "charts/web", "x", templated=True)]


@pytest.mark.parametrize(("line", "record"), [
    ("istioctl install -y", IstioctlInstall("deploy.sh", 1)),
    ("istioctl install --set profile=demo -y", IstioctlInstall("deploy.sh", 1, (), (("profile", "demo"),))),
    ("istioctl install -f mesh/op.yaml --set values.pilot.env.X=1 --revision=canary --skip-confirmation",
     IstioctlInstall("deploy.sh", 1, ("mesh/op.yaml",), (("values.pilot.env.X", "1"),), "canary")),
    ("istioctl manifest apply -f mesh/op.yaml", IstioctlInstall("deploy.sh", 1, ("mesh/op.yaml",))),
])
def test_istioctl(line: str, record: IstioctlInstall) -> None:
    assert found(line + "\n").istioctl == [record]
    assert record.profile == dict(record.sets).get("profile", "default")


@pytest.mark.parametrize(("line", "record"), [
    ("kind create cluster --name lab --config cluster/kind.yaml", KindCreate("deploy.sh", 1, "cluster/kind.yaml", "lab")),
    ("kind create cluster --config=cluster/kind.yaml", KindCreate("deploy.sh", 1, "cluster/kind.yaml")),
    ("kind create cluster", KindCreate("deploy.sh", 1, None)),
    ('kind create cluster --config "$CFG"', KindCreate("deploy.sh", 1, None, None, ("$CFG",))),
])
def test_kind_create(line: str, record: KindCreate) -> None:
    assert found(line + "\n").kind_clusters == [record]


def test_kind_commands_that_create_nothing_are_ignored() -> None:
    assert found("kind delete cluster --name lab\nkind load docker-image web:dev\n").kind_clusters == []


def test_makefile_recipes_with_make_variables() -> None:
    text = ("NS ?= orbit\nKUBECTL := kubectl --context kind-$(NS)\nOVERLAY = overlays/lab\n"
            "deploy:\n\t@$(KUBECTL) apply -k ${OVERLAY} -n $(NS)\n\t-$(MAKE) smoke\n")
    assert applies(text, "Makefile") == [Apply("Makefile", 5, ("overlays/lab",), kustomize=True, namespace="orbit")]


def test_a_manifest_piped_from_another_command_is_named_in_a_note() -> None:
    result = found("envsubst < k8s/app.yaml | kubectl apply -f -\n")
    assert result.applies == [Apply("deploy.sh", 1, (), remote=("-",))]
    assert [n.message for n in result.notes] == ["what `envsubst` writes into kubectl in deploy.sh:1 is not analysed"]


def test_a_variable_assigned_two_values_is_not_known() -> None:
    script = 'if [ -n "$CI" ]; then\n  NS=ci\nelse\n  NS=lab\nfi\nkubectl apply -f k8s -n "$NS"\n'
    assert applies(script) == [Apply("deploy.sh", 6, ("k8s",), unresolved=("$NS",))]
    assert applies(script.replace("NS=lab", "NS=ci"))[0].namespace == "ci"


def test_a_variable_given_a_default_keeps_the_value_the_file_set() -> None:
    assert applies('NS=prod\nNS="${NS:-lab}"\nkubectl apply -f k8s -n "$NS"\n')[0].namespace == "prod"


def test_a_make_variable_last_assignment_wins_and_conditional_ones_do_not_override() -> None:
    text = "NS = a\nNS = b\nNS ?= c\nup:\n\tkubectl apply -f k8s -n $(NS)\n"
    assert applies(text, "Makefile")[0].namespace == "b"


def test_a_powershell_variable_set_from_a_command_is_not_known() -> None:
    script = '$Ns = Read-Host "namespace"\n$Dir = "k8s"\nkubectl apply -f $Dir -n $Ns\n'
    assert applies(script, "up.ps1") == [Apply("up.ps1", 3, ("k8s",), unresolved=("$Ns",))]


def test_a_manifest_redirected_into_kubectl() -> None:
    assert applies("kubectl apply -f - < k8s/app.yaml\n") == [Apply("deploy.sh", 1, ("k8s/app.yaml",))]


def test_a_namespace_written_inline_is_read_with_its_labels() -> None:
    script = ("NS=orbit\ncat <<EOF | kubectl apply -f -\napiVersion: v1\nkind: Namespace\nmetadata:\n"
              "  name: $NS\n  labels:\n    istio-injection: enabled\nEOF\nkubectl apply -f k8s\n")
    result = found(script)
    assert result.namespaces == [NamespaceCreate("deploy.sh", 2, "orbit")]
    assert result.labels == [NamespaceLabel("deploy.sh", 2, ("orbit",), {"istio-injection": "enabled"})]
    assert [a.line for a in result.applies] == [2, 10]
    assert result.notes == []


def test_a_quoted_heredoc_is_not_expanded() -> None:
    script = "NS=orbit\nkubectl apply -f - <<'EOF'\nkind: Namespace\nmetadata: {name: $NS}\nEOF\n"
    assert [(n.line, n.message) for n in found(script).notes] == [
        (2, "manifest written inline in deploy.sh:2 is not analysed")]


def test_the_repository_root_is_a_dot() -> None:
    assert applies("cd ..\nkubectl apply -k .\n", "ops/up.sh") == [Apply("ops/up.sh", 2, (".",), kustomize=True)]


@pytest.mark.parametrize("line", [
    "kubectl apply --dry-run=client -f k8s/app.yaml",
    "kubectl apply -f k8s/app.yaml --dry-run=server",
    "kubectl diff -f k8s/app.yaml",
    "helm upgrade --install web charts/web --dry-run",
    "helm install web charts/web --dry-run=server",
])
def test_a_dry_run_deploys_nothing(line: str) -> None:
    result = found(line + "\n")
    assert (result.applies, result.helm) == ([], [])


def test_a_heredoc_after_a_continued_command() -> None:
    script = ("kubectl apply \\\n  -n lab -f - <<EOF\nkind: Namespace\nmetadata: {name: lab}\nEOF\n"
              "kubectl apply -f k8s\n")
    result = found(script)
    assert (result.namespaces, [a.line for a in result.applies]) == ([NamespaceCreate("deploy.sh", 1, "lab")], [1, 6])


def test_a_path_above_the_script_folder_and_the_repository_is_remote() -> None:
    assert applies('kubectl apply -f "$(dirname "$0")/../../x.yaml"\n', "ops/up.sh") == [
        Apply("ops/up.sh", 1, (), remote=("../x.yaml",))]


def test_a_namespace_patcher_cannot_resolve_is_kept_as_written() -> None:
    script = ('kubectl apply -n "$APP_NS" -f k8s/\nhelm upgrade --install web charts/web -n "$APP_NS"\n'
              'kubectl apply -f k8s/app.yaml -n shop\n')
    assert applies(script) == [Apply("deploy.sh", 1, ("k8s",), unresolved=("$APP_NS",)),
                               Apply("deploy.sh", 3, ("k8s/app.yaml",), namespace="shop")]
    assert [a.unresolved_namespace for a in applies(script)] == ["$APP_NS", None]
    assert found(script).helm == [HelmInstall("deploy.sh", 2, "web", "charts/web", None, cwd="",
                                              unresolved=("$APP_NS",), unresolved_namespace="$APP_NS")]
