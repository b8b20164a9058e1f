"""Where a generated resource goes: a file an entry point deploys into its namespace.

The resource is written as the repository writes its neighbours: where the manifests beside it
name no namespace because what deploys them sets it (a kustomization's ``namespace:``, every
``kubectl apply -n NS`` that reaches the folder), the generated one names none either; and it is
indented as the file it joins (else its folder's first manifest) is.
"""

from __future__ import annotations

import posixpath

from patcher.edits import AddDocument, DeleteKey
from patcher.intent.changes import Create
from patcher.model import Model
from patcher.outputs import placed, register
from patcher.place.result import Placed
from patcher.resources import is_manifest
from patcher.source import PatcherError
from patcher.transform import apply_edits
from patcher.yamledit.layout import Layout, detect
from patcher.yamledit.render import dump
from patcher.yamlread import read_documents


def place_create(model: Model, create: Create) -> Placed:
    path, undeployed = placed(model, create.output, create.default, create.namespace)
    registration = tuple(register(model, path))
    text = create.text
    if not undeployed and _namespace_from_deployer(model, path, create.namespace, registration):
        text = _without_namespace(text, create.namespace)
    if create.restyle:
        text = _in_layout(text, _neighbour_layout(model, path))
    return Placed((AddDocument(path, text),), downgrade=undeployed, where=path, registration=registration)


def _namespace_from_deployer(model: Model, path: str, namespace: str, registration) -> bool:
    folder = posixpath.dirname(path)
    neighbours = [d.data for file in model.files_by_folder.get(folder, ()) for d in model.documents[file]
                  if isinstance(d.data, dict) and is_manifest(d.data)]
    if not neighbours or any(_written_namespace(d) for d in neighbours):
        return False  # the folder's convention is to name it (or there is none to follow)
    listing = model.listing_kustomizations(path, (e.file for e in registration))
    if listing:
        return all(k.namespace == namespace for k in listing)
    applies = [a for a in model.entry_points.applies if not a.kustomize and a.verb != "delete"
               and any(_reaches(target, a.recursive, path, folder, model) for target in a.paths)]
    return bool(applies) and all(a.namespace == namespace for a in applies)


def _written_namespace(data: dict) -> bool:
    meta = data.get("metadata")
    return isinstance(meta, dict) and bool(meta.get("namespace"))


def _reaches(target: str, recursive: bool, path: str, folder: str, model: Model) -> bool:
    target = posixpath.normpath(target)
    target = "" if target == "." else target
    if target == path:
        return True
    if target in model.documents:
        return False
    return folder == target or (recursive and (target == "" or folder.startswith(target + "/")))


def _without_namespace(text: str, namespace: str) -> str:
    """The generated document without ``metadata.namespace`` (byte-minimal, its comments kept)."""
    name = "generated.yaml"
    try:
        return apply_edits({name: text}, [DeleteKey(name, 0, ("metadata",), "namespace", namespace)],
                           lambda p: text)[name] or text
    except PatcherError:
        return text


def _neighbour_layout(model: Model, path: str) -> Layout | None:
    """The indentation of the file the resource joins, else of its folder's first manifest."""
    folder = posixpath.dirname(path)
    files = [path] if path in model.documents else model.files_by_folder.get(folder, ())
    for file in files:
        for doc in model.documents[file]:
            if isinstance(doc.data, dict) and is_manifest(doc.data) and doc.node is not None:
                return detect(doc.node)
    return None


def _in_layout(text: str, layout: Layout | None) -> str:
    """``text`` re-indented to ``layout`` (its leading comment lines kept); unchanged when it
    already is, or holds comments further down that re-emitting would lose."""
    if layout is None:
        return text
    try:
        docs = read_documents(text, "generated.yaml")
    except PatcherError:
        return text
    if len(docs) != 1 or docs[0].node is None or detect(docs[0].node) == layout:
        return text
    lines = text.splitlines(keepends=True)
    head = 0
    while head < len(lines) and lines[head].lstrip().startswith("#"):
        head += 1
    if any("#" in line for line in lines[head:]):
        return text
    return "".join(lines[:head]) + "\n".join(dump(docs[0].data, layout)) + "\n"
