"""Generated resources as their root builds them, by real kustomize.

A resource apply adds to a kustomization is transformed by it and every kustomization above
it (``namespace:``, labels, name prefixes). The overlay lists the resource itself, where
none of those run, so its file must hold the built form: the roots are built once with the
plan's final texts, and each generated resource is taken from that build by the file and
document it was written to.
"""

from __future__ import annotations

import dataclasses

from patcher.deployed.kustomize_build import build_roots, kubectl_path
from patcher.model import ParseCache
from patcher.overlay.collect import Collected, Generated
from patcher.plan import Plan


def as_built(collected: Collected, plan: Plan) -> Collected:
    generated = [x for x in collected.items if isinstance(x, Generated) and x.doc is not None]
    kubectl = kubectl_path()
    if not generated or kubectl is None:
        return collected
    workspace = plan.model.workspace
    texts = dict(workspace.texts)
    for change in plan.changes:
        if change.new is None:
            texts.pop(change.path, None)
        else:
            texts[change.path] = change.new
    roots = sorted({x.root for x in generated})
    builds = {b.root: b for b in build_roots(workspace.with_texts(texts), ParseCache(), kubectl, roots)}
    items = []
    for item in collected.items:
        if isinstance(item, Generated) and item.doc is not None and item.root in builds:
            found = [r.data for r in builds[item.root].resources if (r.file, r.doc) == (item.file, item.doc)]
            if len(found) == 1:
                item = dataclasses.replace(item, data=found[0])
        items.append(item)
    return dataclasses.replace(collected, items=items)
