"""New strings quoted as their siblings are: exact text before and after."""

from __future__ import annotations

import pytest

from patcher.edits import InsertItem, InsertKey
from patcher.yamledit import apply_yaml_edits

KIND = """\
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
- role: control-plane
  extraPortMappings:
  - containerPort: 30080
    hostPort: 8000
    listenAddress: "127.0.0.1"
  # Grafana
  - containerPort: 30300
    hostPort: 3000
    listenAddress: "127.0.0.1"
- role: worker
"""

GATEWAY = """\
apiVersion: networking.istio.io/v1beta1
kind: Gateway
spec:
  servers:
  - port:
      number: 80
      name: http
      protocol: HTTP
    hosts:
    - '*'
  - port:
      number: 443
      name: https
      protocol: HTTPS
    hosts:
    - 'bank.test'
    - 'www.bank.test'
"""

MAPPINGS = ("nodes", 0, "extraPortMappings")
SERVERS = ("spec", "servers")


def edit(text, *edits):
    return apply_yaml_edits(text, list(edits))


def test_new_port_mapping_double_quotes_its_listen_address_like_its_siblings():
    new = {"containerPort": 30443, "hostPort": 8443, "listenAddress": "127.0.0.1", "protocol": "TCP"}
    out = edit(KIND, InsertItem("f", 0, MAPPINGS, new, None))
    assert out == KIND.replace(
        '    listenAddress: "127.0.0.1"\n- role: worker\n',
        '    listenAddress: "127.0.0.1"\n'
        "  - containerPort: 30443\n    hostPort: 8443\n    listenAddress: \"127.0.0.1\"\n    protocol: TCP\n"
        "- role: worker\n",
    )


def test_new_server_single_quotes_its_hosts_like_its_siblings():
    new = {"port": {"number": 8080, "name": "http-alt", "protocol": "HTTP"}, "hosts": ["*", "api.bank.test"]}
    out = edit(GATEWAY, InsertItem("f", 0, SERVERS, new, None))
    assert out == GATEWAY + (
        "  - port:\n      number: 8080\n      name: http-alt\n      protocol: HTTP\n"
        "    hosts:\n    - '*'\n    - 'api.bank.test'\n"
    )


def test_key_added_to_an_item_follows_the_same_key_in_the_other_items():
    text = KIND.replace('    hostPort: 3000\n    listenAddress: "127.0.0.1"\n', "    hostPort: 3000\n")
    out = edit(text, InsertKey("f", 0, MAPPINGS + (1,), "listenAddress", "127.0.0.1", None))
    assert out == KIND


def test_a_key_no_sibling_has_keeps_the_default_emission():
    out = edit(KIND, InsertKey("f", 0, MAPPINGS + (1,), "protocol", "TCP", None))
    assert out == KIND.replace('3000\n    listenAddress: "127.0.0.1"\n', '3000\n    listenAddress: "127.0.0.1"\n    protocol: TCP\n')


def test_key_with_a_mapping_value_follows_the_mappings_at_its_place_in_the_other_items():
    text = GATEWAY.replace("      protocol: HTTPS\n    hosts:\n", "      protocol: HTTPS\n    tls:\n      mode: 'SIMPLE'\n    hosts:\n")
    out = edit(text, InsertKey("f", 0, SERVERS + (0,), "tls", {"mode": "SIMPLE", "credentialName": "bank-tls"}, None))
    assert out == text.replace("    - '*'\n", "    - '*'\n    tls:\n      mode: 'SIMPLE'\n      credentialName: bank-tls\n")


def test_key_added_to_a_nested_mapping_follows_its_counterparts_in_the_other_items():
    text = GATEWAY.replace("protocol: HTTP\n", "protocol: 'HTTP'\n").replace("protocol: HTTPS\n", "protocol: 'HTTPS'\n")
    text = text.replace("      protocol: 'HTTPS'\n", "")
    out = edit(text, InsertKey("f", 0, SERVERS + (1, "port"), "protocol", "HTTPS", None))
    assert out == text.replace("      name: https\n", "      name: https\n      protocol: 'HTTPS'\n")


def test_appended_host_follows_the_items_of_its_sequence():
    out = edit(GATEWAY, InsertItem("f", 0, SERVERS + (1, "hosts"), "api.bank.test", None))
    assert out == GATEWAY + "    - 'api.bank.test'\n"


def test_appended_item_of_a_flow_sequence_follows_its_items():
    text = 'hosts: ["*"]\nnames: [a, b]\n'
    out = edit(text, InsertItem("f", 0, ("hosts",), "bank.test", None), InsertItem("f", 0, ("names",), "c", None))
    assert out == 'hosts:\n  - "*"\n  - "bank.test"\nnames:\n  - a\n  - b\n  - c\n'


@pytest.mark.parametrize(
    "hosts",
    [
        "    - '*'\n    - \"bank.test\"\n",  # mixed within the sequence
        "    - bank.test\n    - \"www.bank.test\"\n",
    ],
)
def test_mixed_sibling_styles_keep_the_default_emission(hosts):
    text = GATEWAY.replace("    - 'bank.test'\n    - 'www.bank.test'\n", hosts)
    new = {"port": {"number": 8080, "name": "alt", "protocol": "HTTP"}, "hosts": ["api.bank.test", "*"]}
    out = edit(text, InsertItem("f", 0, SERVERS, new, None))
    assert out == text + (
        "  - port:\n      number: 8080\n      name: alt\n      protocol: HTTP\n"
        "    hosts:\n    - api.bank.test\n    - \"*\"\n"
    )


def test_a_sibling_that_is_not_a_scalar_means_no_shared_style():
    text = 'items:\n- value: "a"\n- value: {x: 1}\n'
    out = edit(text, InsertItem("f", 0, ("items",), {"value": "b"}, None))
    assert out == text + "- value: b\n"


@pytest.mark.parametrize(
    "sibling,new,written",
    [
        ("mode: plain", "yes", 'mode: "yes"'),  # the YAML 1.1 guard still quotes
        ("mode: plain", "0755", 'mode: "0755"'),
        ("mode: plain", "*", 'mode: "*"'),  # cannot be plain: quoted as by default
        ("mode: 'quoted'", "yes", "mode: 'yes'"),  # quoted either way: the siblings' quote char
        ("mode: 'quoted'", "0755", "mode: '0755'"),
        ("mode: 'quoted'", "it's", "mode: 'it''s'"),
        ('mode: "quoted"', "on", 'mode: "on"'),
        ("mode: 'quoted'", 7, "mode: 7"),  # only strings follow
        ("mode: 'quoted'", True, "mode: true"),
    ],
)
def test_strings_that_cannot_be_plain_stay_quoted(sibling, new, written):
    text = f"files:\n- {sibling}\n"
    out = edit(text, InsertItem("f", 0, ("files",), {"mode": new}, None))
    assert out == text + f"- {written}\n"


def test_multi_line_strings_keep_the_default_emission():
    text = "scripts:\n- run: 'a'\n"
    out = edit(text, InsertItem("f", 0, ("scripts",), {"run": "echo a\necho b\n"}, None))
    assert out == text + '- run: "echo a\\necho b\\n"\n'


def test_crlf_file():
    text = KIND.replace("\n", "\r\n")
    out = edit(text, InsertItem("f", 0, MAPPINGS, {"containerPort": 30443, "listenAddress": "127.0.0.1"}, None))
    assert out == text.replace(
        '    listenAddress: "127.0.0.1"\r\n- role: worker\r\n',
        '    listenAddress: "127.0.0.1"\r\n  - containerPort: 30443\r\n    listenAddress: "127.0.0.1"\r\n- role: worker\r\n',
    )


def test_one_call_and_one_edit_at_a_time_write_the_same():
    edits = [
        InsertItem("f", 0, SERVERS + (0, "hosts"), "a.bank.test", None),
        InsertItem("f", 0, SERVERS + (1, "hosts"), "yes", 0),
        InsertItem("f", 0, SERVERS, {"port": {"number": 1, "name": "x", "protocol": "TCP"}, "hosts": ["b"]}, None),
    ]
    one_by_one = GATEWAY
    for e in edits:  # none of them moves what another addresses
        one_by_one = edit(one_by_one, e)
    assert edit(GATEWAY, *edits) == one_by_one
