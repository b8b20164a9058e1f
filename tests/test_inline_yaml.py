"""Inline Helm values (``helm.values: |``) edited in place: the inner document changes as an
edit says, the block keeps its header and indentation, and nothing outside the block changes."""

from __future__ import annotations

import pytest

from patcher.edits import DeleteKey, EditInline, InsertItem, InsertKey, SetValue
from patcher.source import PatcherError
from patcher.transform import apply_edits
from patcher.verify import verify_file
from patcher.yamledit.block import block_text

APP = "argocd/gateway.yaml"
VALUES = ("spec", "source", "helm", "values")
HTTPS = InsertItem(APP, 0, ("service", "ports"), {"name": "https", "port": 443})

HEAD = ("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: gateway\nspec:\n"
        "  source:\n    chart: gateway\n    helm:\n")
TAIL = "  destination: {namespace: istio-ingress}\n"


def edited(text: str, *inner, path=VALUES) -> str:
    edit = EditInline(APP, 0, path, tuple(inner))
    new = apply_edits({APP: text}, [edit], lambda p: text)[APP]
    verify_file(APP, text, new, [edit])  # only the string holding the values changed
    return new


def test_literal_block_gets_an_item_in_its_indentation() -> None:
    text = HEAD + ("      values: |\n        service:\n          type: NodePort   # kind maps it\n"
                   "          ports:\n            - name: http2\n              port: 80\n\n"
                   "        labels: {team: edge}\n") + TAIL
    assert edited(text, HTTPS) == HEAD + (
        "      values: |\n        service:\n          type: NodePort   # kind maps it\n"
        "          ports:\n            - name: http2\n              port: 80\n"
        "            - name: https\n              port: 443\n\n"
        "        labels: {team: edge}\n") + TAIL


def test_strip_chomping_and_a_last_line_without_line_end() -> None:
    text = HEAD + "      values: |-\n        service:\n          ports:\n            - {name: http2, port: 80}"
    assert edited(text, InsertKey(APP, 0, ("service",), "type", "NodePort")) == HEAD + (
        "      values: |-\n        service:\n          ports:\n            - {name: http2, port: 80}\n"
        "          type: NodePort")


def test_keep_chomping_indentation_indicator_and_header_comment() -> None:
    # |2+ : the content is indented two more than the key's level; the blank lines belong to the value
    text = HEAD + ("      values: |2+  # rendered by the gateway chart\n"
                   "          service:\n            type: LoadBalancer\n\n\n") + TAIL
    assert block_text(text, 0, VALUES) == "  service:\n    type: LoadBalancer\n\n\n"
    assert edited(text, SetValue(APP, 0, ("service", "type"), "LoadBalancer", "NodePort")) == HEAD + (
        "      values: |2+  # rendered by the gateway chart\n"
        "          service:\n            type: NodePort\n\n\n") + TAIL


def test_crlf_file_stays_crlf() -> None:
    text = (HEAD + "      values: |\n        service:\n          ports: []\n        replicas: 2\n" + TAIL) \
        .replace("\n", "\r\n")
    new = edited(text, DeleteKey(APP, 0, (), "replicas", 2))
    assert new == (HEAD + "      values: |\n        service:\n          ports: []\n" + TAIL).replace("\n", "\r\n")


def test_block_in_a_sources_list_with_trailing_whitespace_kept() -> None:
    text = ("spec:\n  sources:\n    - chart: gateway\n      helm:\n        values: |\n"
            "          service:   \n            ports:\n              - port: 80\n    \n"
            "    - path: apps\n")
    new = edited(text, InsertKey(APP, 0, ("service", "ports", 0), "name", "http2"),
                 path=("spec", "sources", 0, "helm", "values"))
    assert new == ("spec:\n  sources:\n    - chart: gateway\n      helm:\n        values: |\n"
                   "          service:   \n            ports:\n              - port: 80\n"
                   "                name: http2\n    \n    - path: apps\n")


@pytest.mark.parametrize("values, why", [
    ("values: >\n        service:\n          type: NodePort\n", "is a folded block (>)"),
    ("values: \"service:\\n  type: NodePort\\n\"\n", "is a quoted or plain string"),
    ("values:\n        service: {type: NodePort}\n", "is not a string holding YAML"),
])
def test_other_styles_are_refused_with_the_reason(values: str, why: str) -> None:
    text = HEAD + "      " + values + TAIL
    with pytest.raises(PatcherError) as caught:
        edited(text, SetValue(APP, 0, ("service", "type"), "NodePort", "LoadBalancer"))
    assert caught.value.file == APP
    assert caught.value.message.startswith("cannot edit the YAML held in spec.source.helm.values: spec.source."
                                           f"helm.values {why}")


def test_a_wrong_old_value_in_the_inner_document_is_refused() -> None:
    text = HEAD + "      values: |\n        service:\n          type: NodePort\n" + TAIL
    with pytest.raises(PatcherError, match="cannot edit the YAML held in spec.source.helm.values"):
        edited(text, SetValue(APP, 0, ("service", "type"), "ClusterIP", "LoadBalancer"))


@pytest.mark.parametrize("block", [
    "      values: |\n        a: 1\n\n        b: [x]   \n",
    "      values: |-\n        a: 1\n\n\n",
    "      values: |+\n        a: 1\n\n",
    "      values: |4\n            a: 1\n",
    "      values: |-2 # strip, indicator after it\n          a: 1\n",
    "      values: |\n        a: 1\n        # a closing comment\n",
])
def test_a_block_round_trips_and_takes_a_key_at_its_own_indentation(block: str) -> None:
    text = HEAD + block + TAIL
    inner = block_text(text, 0, VALUES)
    indent = " " * (len(block.splitlines()[1]) - len(block.splitlines()[1].lstrip(" ")))
    new = edited(text, InsertKey(APP, 0, (), "replicas", 2))
    assert block_text(new, 0, VALUES).startswith(inner.rstrip("\n"))
    assert new.startswith(HEAD + block.splitlines(keepends=True)[0]) and new.endswith(TAIL)
    assert f"\n{indent}replicas: 2\n" in new
    assert new.replace(f"{indent}replicas: 2\n", "", 1) == text
