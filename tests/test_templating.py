"""Generated files: the block emitter writes YAML that reads back as the data."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from patcher.templating import render_template, to_yaml

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
    st.sampled_from(["yes", "no", "on", "off", "null", "~", "1.0", "0755", "1:20", "*", "a: b", "- x",
                     "#c", "http://x:8080/y", "5xx,reset", "10s", "", " lead", "trail ", "@x", "`x"]))
KEYS = st.text(st.characters(whitelist_categories=("Ll", "Lu", "Nd"), whitelist_characters="-_./"),
               min_size=1, max_size=10)
DATA = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                     st.dictionaries(KEYS, inner, max_size=4)),
                    max_leaves=20)


@given(st.dictionaries(KEYS, DATA, min_size=1, max_size=5))
def test_to_yaml_reads_back_as_the_data(data) -> None:
    assert yaml.safe_load(to_yaml(data)) == data


def test_to_yaml_layout() -> None:
    data = {"podSelector": {}, "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}],
                         "ports": [{"protocol": "TCP", "port": 8080}]}]}
    assert to_yaml(data) == (
        "podSelector: {}\n"
        "policyTypes:\n"
        "  - Ingress\n"
        "ingress:\n"
        "  - from:\n"
        "      - podSelector:\n"
        "          matchLabels:\n"
        "            app: web\n"
        "    ports:\n"
        "      - protocol: TCP\n"
        "        port: 8080")


def test_peer_authentication_template() -> None:
    text = render_template("peer-authentication.yaml.j2", rule="istio/namespace-without-mtls",
                           namespace="shop", mode="STRICT", api_version="security.istio.io/v1")
    assert yaml.safe_load(text) == {"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication",
                                    "metadata": {"name": "default", "namespace": "shop"},
                                    "spec": {"mtls": {"mode": "STRICT"}}}
    assert text.startswith("# Mutual TLS for every workload in namespace shop")


@pytest.mark.parametrize(("value", "written"), [
    ("09", '"09"'), ("010", '"010"'), ("0o10", '"0o10"'), ("1_000", '"1_000"'), ("yes", '"yes"'),
    ("on", '"on"'), ("y", '"y"'), ("null", '"null"'), ("~", '"~"'), ("1e3", '"1e3"'), (".5", '".5"'),
    ("web", "web"), ("v1.2", "v1.2"),
    (1e20, "1.0e+20"), (1e-07, "1.0e-07"), (0.5, "0.5"), (float("inf"), ".inf"), (-float("inf"), "-.inf"),
    (None, "null"), (8, "8"), (True, "true"),
])
def test_to_yaml_writes_scalars_every_reader_reads_alike(value, written) -> None:
    """As the editor writes them (yamledit/plain.py): YAML 1.1, YAML 1.2 and go-yaml read the same value."""
    assert to_yaml({"k": value}) == f"k: {written}"
    assert yaml.safe_load(to_yaml({"k": value})) == {"k": value}
