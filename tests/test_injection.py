"""Sidecar injection: which namespaces and pods are in the mesh, and what stays unknown."""

from __future__ import annotations

from pathlib import Path

from patcher.deployed.injection import NamespaceFacts, read_injection
from patcher.entrypoints.records import EntryPoints, IstioctlInstall, NamespaceCreate, NamespaceLabel
from tests.test_callgraph import deployment, topology_of


def test_namespace_labels_decide_and_later_facts_win() -> None:
    injection = read_injection([
        NamespaceFacts("vault", "ns.yaml:1", {"istio-injection": "enabled"}, True),
        NamespaceFacts("quarry", "ns.yaml:7", {"istio.io/rev": "1-22"}, True),
        NamespaceFacts("kiln", "ns.yaml:13", {"team": "ops"}, True),
        NamespaceFacts("moss", "ns.yaml:19", {"istio-injection": "enabled"}, True),
        NamespaceFacts("moss", "up.sh:4", {"istio-injection": "disabled"}),
        NamespaceFacts("fern", "up.sh:5", {"istio-injection": "enabled"}),
        NamespaceFacts("fern", "up.sh:6", {"istio-injection": None}),
        NamespaceFacts("reed", "up.sh:7", {"owner": "me"}),
    ])
    assert {n: (m.in_mesh, m.why) for n, m in injection.namespaces.items()} == {
        "vault": (True, "labelled istio-injection=enabled (ns.yaml:1)"),
        "quarry": (True, "labelled istio.io/rev=1-22 (ns.yaml:7)"),
        "kiln": (False, "namespace kiln has no injection label (ns.yaml:13)"),
        "moss": (False, "labelled istio-injection=disabled (up.sh:4)"),
        "fern": (None, "the repository does not show the labels of namespace fern"),
        "reed": (None, "the repository does not show the labels of namespace reed"),
    }
    assert injection.mesh_namespaces == ["quarry", "vault"]
    assert injection.namespace("elsewhere").in_mesh is None


def test_a_label_on_a_namespace_patcher_cannot_resolve_leaves_unknown_what_it_may_change() -> None:
    facts = [NamespaceFacts("kiln", "ns.yaml:13", {"team": "ops"}, True),
             NamespaceFacts("vault", "ns.yaml:1", {"istio-injection": "enabled"}, True),
             NamespaceFacts("moss", "ns.yaml:19", {"istio-injection": "disabled"}, True)]
    enabling = read_injection(facts, unresolved=[NamespaceFacts("$APP_NS", "up.sh:8", {"istio-injection": "enabled"})])
    assert {n: (m.in_mesh, m.why) for n, m in enabling.namespaces.items()} == {
        "kiln": (None, "up.sh:8 labels namespace '$APP_NS', which patcher cannot resolve: it may be kiln"),
        "vault": (True, "labelled istio-injection=enabled (ns.yaml:1)"),
        "moss": (False, "labelled istio-injection=disabled (ns.yaml:19)")}
    removing = read_injection(facts, unresolved=[NamespaceFacts("{{.NS}}", "app.yml:6", {"istio-injection": None})])
    assert [(n, m.in_mesh) for n, m in removing.namespaces.items()] == [("kiln", False), ("vault", None),
                                                                         ("moss", False)]
    unrelated = read_injection(facts, unresolved=[NamespaceFacts("$NS", "up.sh:9", {"team": "ops"})])
    assert [m.in_mesh for m in unrelated.namespaces.values()] == [False, True, False]


def test_pod_labels_and_annotations() -> None:
    injection = read_injection([NamespaceFacts("vault", "a:1", {"istio-injection": "enabled"}, True),
                                NamespaceFacts("kiln", "a:2", {}, True),
                                NamespaceFacts("moss", "a:3", {"istio-injection": "disabled"}, True)])
    opt_in, opt_out = {"sidecar.istio.io/inject": "true"}, {"sidecar.istio.io/inject": "false"}
    assert injection.pod("vault", {}, {}) is True
    assert injection.pod("vault", opt_out, {}) is False
    assert injection.pod("vault", {}, opt_out) is False
    assert injection.pod("vault", {}, {}, host_network=True) is False
    assert injection.pod("kiln", opt_in, {}) is True  # the webhook's object selector
    assert injection.pod("kiln", {}, opt_in) is False  # an annotation alone does not select the pod
    assert injection.pod("moss", opt_in, {}) is False  # a disabled namespace is never injected
    assert injection.pod("unknown", {}, {}) is None
    assert injection.pod("unknown", opt_in, {}) is True


def test_enable_namespaces_by_default() -> None:
    injection = read_injection([NamespaceFacts("kiln", "a:2", {}, True),
                                NamespaceFacts("moss", "a:3", {"istio-injection": "disabled"}, True)], by_default=True)
    assert injection.namespace("kiln").in_mesh is True
    assert injection.namespace("moss").in_mesh is False
    assert injection.namespace("anything").in_mesh is True


NAMESPACES = ("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: vault\n  labels: {istio.io/rev: stable}\n---\n"
              "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kiln\n")
OPT_OUT = "      annotations: {sidecar.istio.io/inject: \"false\"}\n"


def test_topology_reads_manifests_pod_annotations_and_scripts(tmp_path: Path) -> None:
    t = topology_of(tmp_path, {"ns.yaml": NAMESPACES,
                               "a.yaml": deployment("safe", "vault", "app: safe") + "---\n"
                               + deployment("db", "vault", "app: db", template_meta=OPT_OUT) + "---\n"
                               + deployment("oven", "kiln", "app: oven") + "---\n"
                               + deployment("moth", "attic", "app: moth") + "---\n"
                               + deployment("bee", "hive", "app: bee")},
                    EntryPoints(namespaces=(NamespaceCreate("up.sh", 2, "hive"),),
                                labels=(NamespaceLabel("up.sh", 3, ("hive",), {"istio-injection": "enabled"}),)))
    assert {w.resource.name: t.in_mesh(w) for w in t.workloads} == {
        "safe": True, "db": False, "oven": False, "moth": None, "bee": True}
    assert t.mesh_namespaces == ["hive", "vault"]


def test_scripts_labels_fall_back_to_the_old_reader(tmp_path: Path) -> None:
    """Until the entry points are filled, ``kubectl label namespace`` lines of scripts count."""
    t = topology_of(tmp_path, {"a.yaml": deployment("moth", "attic", "app: moth"),
                               "up.sh": "#!/bin/sh\nkubectl label namespace attic istio-injection=enabled\n"})
    assert [t.in_mesh(w) for w in t.workloads] == [True]
    assert t.mesh_namespaces == ["attic"]


def test_istioctl_enables_namespaces_by_default(tmp_path: Path) -> None:
    t = topology_of(tmp_path, {"a.yaml": deployment("moth", "attic", "app: moth")},
                    EntryPoints(istioctl=(IstioctlInstall("up.sh", 1, (), (
                        ("values.sidecarInjectorWebhook.enableNamespacesByDefault", "true"),)),)))
    assert [t.in_mesh(w) for w in t.workloads] == [True]


def test_topology_reads_a_label_on_an_unresolved_namespace_and_not_a_label_value(tmp_path: Path) -> None:
    files = {"ns.yaml": NAMESPACES, "a.yaml": deployment("oven", "kiln", "app: oven")}
    labels = (NamespaceLabel("up.sh", 8, (), {"istio-injection": "enabled"}, ("$APP_NS",)),)
    t = topology_of(tmp_path / "a", files, EntryPoints(labels=labels))
    assert [t.in_mesh(w) for w in t.workloads] == [None]
    # an unknown label value names no namespace: kiln is still outside the mesh
    valued = (NamespaceLabel("up.sh", 8, ("kiln",), {"istio-injection": "enabled"}, ("team=$TEAM",)),
              NamespaceLabel("up.sh", 9, ("kiln",), {"istio-injection": None}))
    t = topology_of(tmp_path / "b", files, EntryPoints(labels=valued))
    assert [t.in_mesh(w) for w in t.workloads] == [False]
