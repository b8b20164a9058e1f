"""What patcher reads from shell scripts: local URLs and Helm releases (scripts are never run)."""

from __future__ import annotations

import pytest

from patcher.scripts import HelmInstall, LocalUrl, helm_installs, local_urls, injection_labelled, served_ports

SMOKE = """\
#!/usr/bin/env bash
# Smoke test through the ingress. Old address: http://localhost:9999 (do not use)
set -euo pipefail

BASE_URL="http://localhost:8080"
curl -fsS "http://127.0.0.1/healthz"
  # curl http://localhost:7000/commented-out
curl -k https://localhost/api/ \\
  -H 'Host: shop.example.com'
curl http://0.0.0.0:3000/metrics http://[::1]:15021/healthz/ready
curl https://example.com/ http://10.0.0.1:8080/
"""


def test_local_urls_in_a_smoke_script() -> None:
    assert local_urls(SMOKE, "scripts/smoke.sh") == [
        LocalUrl("scripts/smoke.sh", 5, 11, "http://localhost:8080", "http", "localhost", 8080),
        LocalUrl("scripts/smoke.sh", 6, 12, "http://127.0.0.1", "http", "127.0.0.1", None),
        LocalUrl("scripts/smoke.sh", 8, 9, "https://localhost", "https", "localhost", None),
        LocalUrl("scripts/smoke.sh", 10, 6, "http://0.0.0.0:3000", "http", "0.0.0.0", 3000),
        LocalUrl("scripts/smoke.sh", 10, 34, "http://[::1]:15021", "http", "[::1]", 15021),
    ]


@pytest.mark.parametrize(("line", "port"), [
    ("curl http://localhost:8080/", 8080),
    ("curl http://localhost/", 80),
    ("curl https://localhost/", 443),
    ("curl https://127.0.0.1:8443/", 8443),
])
def test_effective_port_defaults_by_scheme(line: str, port: int) -> None:
    (url,) = local_urls(line + "\n", "s.sh")
    assert url.effective_port == port


def test_local_urls_with_crlf_line_ends_keep_line_numbers() -> None:
    text = "#!/bin/sh\r\n\r\ncurl http://localhost:8080/\r\n"
    assert [(u.line, u.column, u.text) for u in local_urls(text, "s.sh")] == [(3, 6, "http://localhost:8080")]


def test_local_urls_ignore_trailing_comments() -> None:
    text = "curl -fsS http://localhost/healthz  # was http://localhost:8080 before the move\n"
    assert [u.text for u in local_urls(text, "s.sh")] == ["http://localhost"]


@pytest.mark.parametrize(("line", "found"), [
    ("curl http://localhost:8080/#/home\n", [("http://localhost:8080", 6)]),  # a URL fragment
    ('echo "step #2: http://localhost:8080"\n', [("http://localhost:8080", 16)]),  # '#' inside quotes
    ("curl 'http://localhost:8080/a#b'  # see http://localhost:9\n", [("http://localhost:8080", 7)]),
    ("URL=http://localhost:8080#x\n", [("http://localhost:8080", 5)]),  # '#' inside a word
])
def test_local_urls_hash_that_is_not_a_comment(line: str, found: list) -> None:
    assert [(u.text, u.column) for u in local_urls(line, "s.sh")] == found


def test_local_urls_need_the_whole_host_to_be_local() -> None:
    text = "curl http://localhost.example.com:8080/\ncurl http://127.0.0.1.nip.io:8080/\n"
    assert local_urls(text, "s.sh") == []


DEPLOY = """\
#!/usr/bin/env bash
set -euo pipefail
NS="${NS:-shop}"
RELEASE=storefront
CHART_DIR=./charts/storefront

# helm install old-release ./charts/old -n legacy
helm repo add bitnami https://charts.bitnami.com/bitnami
helm dependency update "$CHART_DIR"

helm upgrade --install "$RELEASE" "$CHART_DIR" \\
  --namespace "$NS" --create-namespace \\
  -f "$CHART_DIR/values.yaml" \\
  --values=values-kind.yaml \\
  --set image.tag=dev --wait --timeout 5m

helm template debug ./charts/storefront
"""


def test_helm_installs_in_a_deploy_script() -> None:
    assert helm_installs(DEPLOY, "hack/deploy.sh") == [
        HelmInstall("hack/deploy.sh", 11, "storefront", "./charts/storefront", "shop",
                    ("./charts/storefront/values.yaml", "values-kind.yaml")),
    ]


@pytest.mark.parametrize(("script", "namespace"), [
    ("helm install web ./web -n shop\n", "shop"),
    ("helm install web ./web --namespace shop\n", "shop"),
    ("helm install web ./web --namespace=shop\n", "shop"),
    ("helm install web ./web -n=shop\n", "shop"),
    ("helm install --namespace shop web ./web\n", "shop"),  # flags before the positionals
    ("helm install web ./web\n", None),
    # ${VAR:-default}: the default when the script never sets VAR
    ('helm install web ./web -n "${NS:-shop}"\n', "shop"),
    # and the script's own value when it does
    ('NS=prod\nhelm install web ./web -n "${NS:-shop}"\n', "prod"),
    ('export NS="${NS:-staging}"\nhelm install web ./web -n "$NS"\n', "staging"),
    # an empty assignment leaves the default in force
    ('NS=\nhelm install web ./web -n "${NS:-shop}"\n', "shop"),
    # a variable the script never sets is not guessed
    ('helm install web ./web -n "$UNSET"\n', None),
    ('helm install web ./web -n "${UNSET}"\n', None),
])
def test_helm_namespace(script: str, namespace: str | None) -> None:
    (install,) = helm_installs(script, "s.sh")
    assert (install.release, install.chart, install.namespace) == ("web", "./web", namespace)


@pytest.mark.parametrize("value", ['"$(cat ns.txt)"', "`cat ns.txt`"])
def test_helm_namespace_from_a_command_is_unresolved(value: str) -> None:
    (install,) = helm_installs(f"helm install web ./web -n {value}\n", "s.sh")
    assert install.namespace is None


def test_helm_values_files_in_order() -> None:
    script = "helm install web ./web -f base.yaml --values prod.yaml -f=extra.yaml --set-file x=y.txt\n"
    (install,) = helm_installs(script, "s.sh")
    assert install.values == ("base.yaml", "prod.yaml", "extra.yaml")


def test_helm_line_continuations_report_the_first_line() -> None:
    script = "set -e\n\nhelm upgrade \\\n  --install \\\n  web \\\n  ./web \\\n  -n shop\necho done\n"
    assert helm_installs(script, "s.sh") == [HelmInstall("s.sh", 3, "web", "./web", "shop", ())]


def test_helm_commands_that_install_nothing_are_ignored() -> None:
    script = ("helm repo add x https://example.com/charts\n"
              "helm repo update\n"
              "helm template web ./web\n"
              "helm uninstall web -n shop\n"
              "helm install --generate-name ./web\n"
              "# helm install commented ./out\n"
              "echo 'run: helm install web ./web'\n")
    assert helm_installs(script, "s.sh") == []


def test_helm_installs_chained_with_and() -> None:
    script = "helm install a ./a -n x && helm install b ./b -n y || true\n"
    assert [(i.release, i.chart, i.namespace) for i in helm_installs(script, "s.sh")] == [
        ("a", "./a", "x"), ("b", "./b", "y")]


def test_helm_trailing_comment_is_not_parsed() -> None:
    script = "helm install a ./a -n x  # later: helm install b ./b\n"
    assert [(i.release, i.chart, i.namespace) for i in helm_installs(script, "s.sh")] == [("a", "./a", "x")]


def test_helm_by_path_and_sudo() -> None:
    script = "sudo /usr/local/bin/helm install a ./a -n x\n"
    assert [(i.release, i.chart, i.namespace) for i in helm_installs(script, "s.sh")] == [("a", "./a", "x")]


def test_helm_command_ended_by_a_semicolon() -> None:
    script = "helm install web ./charts/web; echo done\n"
    assert [(i.release, i.chart) for i in helm_installs(script, "s.sh")] == [("web", "./charts/web")]


def test_makefile_recipes_variables_and_bare_host_ports() -> None:
    from patcher.scripts import helm_installs, local_urls

    text = ("RELEASE ?= shop\nNS := store\nsmoke:\n\tcurl -fsS localhost:3000/healthz\n"
            "\techo open localhost in a browser; ssh admin@localhost:22\n"
            "deploy:\n\thelm upgrade --install $(RELEASE) charts/web -n $(NS)\n")
    [url] = local_urls(text, "Makefile")
    assert (url.line, url.column, url.text, url.port, url.bare) == (4, 12, "localhost:3000", 3000, True)
    [install] = helm_installs(text, "Makefile")
    assert (install.release, install.chart, install.namespace) == ("shop", "charts/web", "store")


def test_ports_a_script_publishes_or_serves_itself() -> None:
    text = ("reg_port='5001'\n"
            "docker run -d --restart=always -p \"127.0.0.1:${reg_port}:5000\" --name kind-registry registry:2\n"
            "podman run --publish 8888:80 nginx\n"
            "python3 -m http.server 9000 --directory site &\n"
            "mkdocs serve --port=8001\n"
            "kubectl expose deployment web --port 8080\n"  # a cluster port, not a local server
            "helm install web ./chart --set service.port=7000\n")
    assert served_ports(text) == {5001, 8888, 9000, 8001}


def test_registry_image_references_are_not_urls() -> None:
    text = "docker push localhost:5001/shop:dev\ncurl -fsS localhost:5001/v2/_catalog\n"
    assert [(u.line, u.text) for u in local_urls(text, "r.sh")] == [(2, "localhost:5001")]


def test_a_host_header_marks_a_call_for_an_ingress() -> None:
    text = 'curl -H "Host: shop.example.com" http://localhost:8000/\ncurl http://localhost:8000/\n'
    assert [u.virtual_host for u in local_urls(text, "e2e.sh")] == [True, False]


def test_namespaces_labelled_for_sidecar_injection() -> None:
    text = ("NS=shop\n"
            "kubectl label namespace \"$NS\" istio-injection=enabled --overwrite\n"
            "kubectl label ns payments istio.io/rev=1-22\n"
            "kubectl label namespace batch team=data\n")
    assert injection_labelled(text) == {"shop", "payments"}
