"""Kustomization roots as kustomize builds them, each built resource traced to its source file.

Each root is built by the real ``kubectl kustomize`` (patcher.kustomize_run: stripped
environment, time limit, process group) in a scratch copy holding exactly what the
root names (patcher.kustomize_refs.closure), with the workspace's texts, so that the
fix loop's unwritten edits are what is built. Every kustomization in the copy asks
kustomize for origin and transformer annotations: a built resource then names the
file it came from, or the kustomization whose generator made it; the annotations are
removed from the data the model keeps. A root that names a remote or a path outside
the read boundary is not built at all (kustomize would fetch or read it): it is
refused, and the model falls back to its own approximation for it.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import yaml

from patcher import kustomize_run
from patcher.scratch import directory as scratch_directory, folder as scratch_folder
from patcher.containment import boundary, inside, regular_file
from patcher.discover import KUSTOMIZATION_NAMES
from patcher.deployed.kustomize_split import Parts, disjoint, file_groups, files_only, identity, parts
from patcher.incremental import enabled as incremental
from patcher.kustomize_refs import OUTSIDE, REMOTE, Closure, closure
from patcher.source import PatcherError
from patcher.yamlread import Document, read_documents

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

if TYPE_CHECKING:
    from patcher.workspace import ParseCache, Workspace

ORIGIN = "config.kubernetes.io/origin"
TRANSFORMATIONS = "alpha.config.kubernetes.io/transformations"
_METADATA = ("originAnnotations", "transformerAnnotations")
_PATCH_FIELDS = ("patches", "patchesStrategicMerge", "patchesJson6902")


@dataclass(frozen=True)
class BuiltResource:
    """One resource of a build, and where it is defined."""

    data: dict[str, Any]  # as built, the origin annotations removed
    file: str  # repository-relative: the document that defines it, or the generating kustomization
    doc: int | None  # its document in ``file``; None: generated (no document holds it)
    document: Document | None  # that document; for a generated one, the kustomization's
    patched_by: tuple[str, ...] = ()  # patch files (or kustomizations, for inline patches) that select it
    patched_paths: tuple[tuple, ...] = ()  # the paths those patches set


@dataclass(frozen=True)
class RootBuild:
    root: str  # the root's folder, repository-relative ("" for the repository itself)
    files: frozenset[str]  # repository-relative files the build reads (kustomizations included)
    resources: tuple[BuiltResource, ...] = ()
    error: str = ""  # kustomize's message when the root does not build
    refused: str = ""  # why it was not built (a remote or an outside path it names)

    @property
    def built(self) -> bool:
        return not self.error and not self.refused


def kubectl_path() -> str | None:
    return shutil.which("kubectl")


def _closure(scope: "_Scope", cache: "ParseCache", folder: str) -> Closure:
    """``closure`` of ``folder``, reused while the kustomization texts it followed are unchanged
    (the files on disk do not change during a plan: fixes are held in memory until written)."""
    held = cache.closures.get(folder) if incremental() else None
    if held is not None and all(scope.texts(rel) == texts for rel, texts in held[0].items()):
        return held[1]
    read: dict[str, list[str]] = {}

    def texts(rel: str) -> list[str]:
        read[rel] = scope.texts(rel)
        return read[rel]

    found = closure(scope.boundary, folder, texts)
    cache.closures[folder] = (read, found)
    return found


def kustomization_roots(workspace: "Workspace", kustomizations: Sequence[str]) -> list[str]:
    """Folders of kustomizations no other kustomization in the repository includes."""
    scope = _Scope(workspace)
    included: set[str] = set()
    for path in kustomizations:
        folder = posixpath.dirname(path)
        found = closure(scope.boundary, scope.rel(folder), scope.texts)
        included |= {f for f in found.files if posixpath.dirname(f) != scope.rel(folder)}
    return sorted({posixpath.dirname(p) for p in kustomizations
                   if scope.rel(p) not in included and not _component(scope.text(scope.rel(p)))})


def _component(text: str | None) -> bool:
    """A Component is built only as part of the kustomization that includes it: alone, its
    patches may have nothing to patch."""
    data = _loaded(text)
    return isinstance(data, dict) and data.get("kind") == "Component"


def build_roots(workspace: "Workspace", cache: "ParseCache", kubectl: str, roots: Iterable[str]) -> list[RootBuild]:
    """Each root built (or refused), cached in ``cache`` by the texts of what it reads. A root
    that only lists resources is built as the sum of its parts (patcher.deployed.kustomize_split)."""
    builder = _Builder(workspace, cache, kubectl)
    wanted = sorted(set(roots))
    jobs = [builder.job(root) for root in wanted]
    builder.run(j for job in jobs if isinstance(job, _Job) for j in builder.needed(job))
    builds = [job if isinstance(job, RootBuild) else builder.assembled(job) for job in jobs]
    whole = [job for job, build in zip(jobs, builds) if build is None]
    builder.run(whole)
    return [build if build is not None else builder.traced(job) for job, build in zip(jobs, builds)]


@dataclass
class _Job:
    root: str  # repository-relative folder
    files: frozenset[str]  # repository-relative files the whole build reads
    texts: dict[str, str | None]  # boundary-relative: what the scratch copy holds
    key: tuple
    split: Parts | None = None
    own: tuple["_Job", ...] = ()  # the root's listed files, built on their own in groups


class _Builder:
    """One run of builds: jobs, their kubectl processes side by side, and their results traced."""

    def __init__(self, workspace: "Workspace", cache: "ParseCache", kubectl: str) -> None:
        self.scope = _Scope(workspace, cache)
        self.cache, self.kubectl = cache, kubectl
        self.jobs: dict[str, _Job | RootBuild] = {}
        self.visiting: set[str] = set()

    def job(self, root: str) -> "_Job | RootBuild":
        if root in self.jobs:
            return self.jobs[root]
        scope = self.scope
        found = _closure(scope, self.cache, scope.rel(root))
        files = frozenset(scope.repo(f) for f in found.files)
        if found.refused:
            made: _Job | RootBuild = RootBuild(root, files, refused=_refusal(scope, found))
        else:
            texts = {f: scope.text(f) for f in sorted(found.files)}
            helm = next((f for f in texts if posixpath.basename(f) in KUSTOMIZATION_NAMES and _inflates(texts[f])),
                        None)
            if helm is not None:
                made = RootBuild(root, files, refused=f"{scope.repo(helm)} inflates Helm charts (helmCharts), "
                                                      "which patcher does not build through kustomize")
            else:
                made = _Job(root, files, texts, ("kustomize build", root, tuple(texts.items())))
        self.jobs[root] = made
        if isinstance(made, _Job):
            self._split(made)
        return made

    def _split(self, job: _Job) -> None:
        if not incremental():
            return
        found = parts(self.scope.boundary, self.scope.rel(job.root), job.texts)
        if found is None or not found.folders:
            return  # not only a list of resources, or no folder among them: nothing to share
        if any(self.scope.repo(f) in self.visiting for f in found.folders):
            return  # a cycle: kustomize's own build of the whole says so
        self.visiting.add(job.root)
        try:
            for folder in found.folders:
                self.job(self.scope.repo(folder))
        finally:
            self.visiting.discard(job.root)
        job.split = found
        own = []
        for group in file_groups(found):
            texts = files_only(group, self.scope.rel(job.root), job.texts)
            own.append(_Job(job.root, job.files, texts, ("kustomize build", job.root, tuple(texts.items()))))
        job.own = tuple(own)

    def _subjobs(self, job: _Job) -> list["_Job | RootBuild"]:
        return [self.jobs[self.scope.repo(f)] for f in job.split.folders] if job.split else []

    def needed(self, job: _Job) -> list[_Job]:
        """The builds ``job`` is made of: itself, or its parts."""
        if job.split is None:
            return [job]
        out = list(job.own)
        for sub in self._subjobs(job):
            if isinstance(sub, _Job):
                out += self.needed(sub)
        return out

    def run(self, jobs: Iterable[_Job]) -> None:
        """Each build not cached yet is a kubectl process: they run side by side."""
        missing = list({j.key: j for j in jobs if not self.cache.holds(j.key)}.values())
        if not missing:
            return
        with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
            running = {j.key: pool.submit(_attempt, self.kubectl, self.scope, j.root, j.texts) for j in missing}
            done = {key: future.result() for key, future in running.items()}
        for key, result in done.items():
            try:
                self.cache.rendered(key, lambda result=result: _settled(result))
            except PatcherError:
                pass  # kept as the failure it is: told when the build is traced

    def traced(self, job: _Job) -> RootBuild:
        """The whole build of ``job``, from the cache, each resource traced to its source."""
        def produce() -> RootBuild:
            try:
                output = self.cache.rendered(job.key, lambda: _settled(_attempt(self.kubectl, self.scope, job.root,
                                                                               job.texts)))
            except PatcherError as exc:
                return RootBuild(job.root, job.files, error=exc.message)
            return RootBuild(job.root, job.files,
                             tuple(_traced(self.scope, self.cache, job.root, job.texts, output)))
        return self.cache.kept(("traced", job.key), produce)

    def assembled(self, job: _Job) -> RootBuild | None:
        """``job`` as the sum of its parts; None when it must be built whole."""
        if job.split is None:
            return self.traced(job)
        groups: list[tuple[BuiltResource, ...]] = []
        for part in job.own:
            own = self.traced(part)
            if not own.built:
                return None
            groups.append(own.resources)
        for sub in self._subjobs(job):
            built = sub if isinstance(sub, RootBuild) else self.assembled(sub)
            if built is None or not built.built:
                return None
            groups.append(built.resources)
        if not disjoint(groups, lambda r: identity(r.data), lambda r: r.file):
            return None
        return RootBuild(job.root, job.files, tuple(r for group in groups for r in group))


def _attempt(kubectl: str, scope: "_Scope", root: str, texts: dict) -> str | PatcherError:
    try:
        return _build(kubectl, scope, root, texts)
    except PatcherError as exc:
        return exc


def _settled(result: str | PatcherError) -> str:
    if isinstance(result, PatcherError):
        raise result
    return result


class _Scope:
    """The workspace inside its read boundary: paths relative to the boundary, texts as the
    workspace holds them (unwritten edits included), else as on disk."""

    def __init__(self, workspace: "Workspace", cache: "ParseCache | None" = None) -> None:
        self.workspace = workspace
        # what is on disk does not change during a plan (fixes are held in memory until written)
        self.disk: dict[str, str | None] = cache.disk if cache is not None else {}
        self.boundary = boundary(workspace.root)
        prefix = Path(os.path.realpath(workspace.root)).relative_to(self.boundary).as_posix()
        self.prefix = "" if prefix == "." else prefix
        self.read = frozenset(workspace.inventory.yaml) | frozenset(workspace.inventory.kustomizations)

    def rel(self, path: str) -> str:
        return posixpath.join(self.prefix, path) if self.prefix and path else (self.prefix or path)

    def repo(self, rel: str) -> str:
        """Boundary-relative to repository-relative (``../platform/x.yaml`` above the repository)."""
        if not self.prefix:
            return rel
        return posixpath.relpath(rel or ".", self.prefix)

    def text(self, rel: str) -> str | None:
        repo = self.repo(rel)
        held = self.workspace.texts.get(repo)
        if held is not None:
            return held
        if repo in self.read:
            return None  # read into the workspace once, gone from it now: a fix deletes it
        if rel not in self.disk:
            self.disk[rel] = self._on_disk(rel)
        return self.disk[rel]

    def _on_disk(self, rel: str) -> str | None:
        path = inside(self.boundary, rel)
        if path is None or not regular_file(path):
            return None
        try:
            return path.read_bytes().decode("utf-8", "surrogateescape")
        except OSError:
            return None  # unreadable: kustomize cannot read it either

    def texts(self, rel: str) -> list[str]:
        text = self.text(rel)
        return [] if text is None else [text]


def _inflates(text: str | None) -> bool:
    data = _loaded(text)
    return isinstance(data, dict) and bool(data.get("helmCharts") or data.get("helmChartInflationGenerator"))


def _refusal(scope: _Scope, found: Closure) -> str:
    first = found.refused[0]
    ref, where = first.reference, scope.repo(first.kustomization)
    if first.why == REMOTE:
        what = f"names the remote {ref.field} entry '{ref.entry}', which patcher does not fetch"
    elif first.why == OUTSIDE:
        what = (f"names '{ref.entry}' ({ref.field}), which is outside the repository" if ref.field
                else "is a link leading outside the repository")
    else:
        what = f"names '{ref.entry}' ({ref.field}), which is not a regular file" if ref.field else \
            "is not a regular file"
    return f"{where} {what}"


def _build(kubectl: str, scope: _Scope, root: str, texts: dict[str, str | None]) -> str:
    """kustomize's output for ``root``, built in a scratch copy; PatcherError with its message
    when it does not build."""
    try:
        with scratch_directory("patcher-kbuild-") as tmp, kustomize_run.refusing_port() as proxy:
            scratch = Path(tmp)
            tree = scratch / "tree"
            tree.mkdir()
            for rel, text in texts.items():
                if text is None:
                    continue
                if posixpath.basename(rel) in KUSTOMIZATION_NAMES:
                    text = with_build_metadata(text)
                target = tree / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(text.encode("utf-8", "surrogateescape"))
            env = kustomize_run.environment(scratch, proxy)
            run = kustomize_run.build(kubectl, tree / scope.rel(root), env, scratch, keep_output=True)
            prefixes = [str(tree / scope.rel(root)) + os.sep, str(tree / scope.prefix) + os.sep, str(tree) + os.sep]
    except OSError as exc:
        raise PatcherError(f"`kubectl kustomize {root or '.'}` could not be run on a scratch copy in "
                           f"{scratch_folder()}: {exc.strerror or exc}") from None
    if run.returncode is None:
        raise PatcherError(f"`kubectl kustomize {root or '.'}` did not finish within "
                           f"{kustomize_run.TIMEOUT_SECONDS} s and was stopped")
    if run.returncode != 0:
        raise PatcherError(f"`kubectl kustomize {root or '.'}` fails: {_message(run.stderr, prefixes)}")
    return run.stdout


def _message(stderr: str, prefixes: list[str]) -> str:
    """kustomize's own words: kubectl wraps them in a log line (time, process id) that differs
    every run, as a quoted string or an indented ``<`` block."""
    found = re.search(r'"command failed" err=(.*)', stderr, re.S)
    if found:
        body = found.group(1).strip()
        if body.startswith('"'):
            try:
                body = json.loads(body.splitlines()[0])  # a Go quoted string reads as JSON
            except ValueError:
                body = body.strip('"')
        elif body.startswith("<"):
            body = body[1:].rstrip().removesuffix(">")
        stderr = body
    for prefix in prefixes:  # the copy's paths, as the repository names them
        stderr = stderr.replace(prefix, "")
    lines = [line.strip() for line in stderr.splitlines()
             if line.strip() and not line.lstrip().startswith("# Warning")]
    return " ".join(lines[:4])[:400] or "no message"


def with_build_metadata(text: str) -> str:
    """The kustomization asking for origin and transformer annotations. The text is appended to
    (the user's bytes stay as kustomize reads them) unless it already sets ``buildMetadata``."""
    try:
        data = yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError:
        return text  # kustomize reports it, with its own message
    if not isinstance(data, dict):
        return text
    if "buildMetadata" not in data:
        return text + ("" if text.endswith("\n") or not text else "\n") + \
            f"buildMetadata: [{', '.join(_METADATA)}]\n"
    kept = data.get("buildMetadata") if isinstance(data.get("buildMetadata"), list) else []
    data["buildMetadata"] = list(dict.fromkeys([*kept, *_METADATA]))
    return yaml.safe_dump(data, sort_keys=False)


def _traced(scope: _Scope, cache: "ParseCache", root: str, texts: dict[str, str | None],
            output: str) -> list[BuiltResource]:
    rel_root = scope.rel(root)
    out = []
    try:
        # kustomize's own output: only the data is read (positions come from the source documents)
        built = list(yaml.load_all(output, Loader=SAFE_LOADER))
    except yaml.YAMLError:
        built = [d.data for d in read_documents(output, f"kubectl kustomize {root or '.'}")]
    for data in built:
        if not isinstance(data, dict):
            continue
        meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        annotations = meta.get("annotations") if isinstance(meta.get("annotations"), dict) else {}
        origin = _loaded(annotations.get(ORIGIN))
        transformations = _loaded(annotations.get(TRANSFORMATIONS))
        data = _stripped(data)
        if isinstance(origin, dict) and isinstance(origin.get("path"), str):
            file = posixpath.normpath(posixpath.join(rel_root, origin["path"]))
            source = _source_document(cache, scope.repo(file), texts.get(file), data)
            index = None if source is None else source.index
        else:
            configured = origin.get("configuredIn") if isinstance(origin, dict) else None
            file = posixpath.normpath(posixpath.join(rel_root, configured)) if isinstance(configured, str) \
                else _kustomization_file(rel_root, texts)
            docs = _documents(cache, scope.repo(file), texts.get(file))
            source, index = (docs[0] if docs else None), None
        if index is not None:
            data = _ordered(data, source.data)
        original = _original_name(source) if index is not None else None
        patched, paths = _patched_by(cache, scope, rel_root, texts, transformations, data, original)
        out.append(BuiltResource(data, scope.repo(file), index, source, patched, paths))
    return out


def _ordered(built: Any, written: Any) -> Any:
    """``built`` with its keys in the order the source document writes them (kustomize sorts
    them): a fix that copies part of a resource then reads like the file it copies from."""
    if isinstance(built, dict) and isinstance(written, dict):
        keys = [k for k in written if k in built] + [k for k in built if k not in written]
        return {k: _ordered(built[k], written.get(k)) for k in keys}
    if isinstance(built, list) and isinstance(written, list):
        return [_ordered(b, written[i] if i < len(written) else None) for i, b in enumerate(built)]
    return built


def _loaded(value: Any) -> Any:
    if not isinstance(value, str):
        return None
    try:
        return yaml.load(value, Loader=SAFE_LOADER)  # libyaml: kustomize's output is large
    except yaml.YAMLError:
        return None


def _stripped(data: dict[str, Any]) -> dict[str, Any]:
    """The resource without the annotations patcher asked for (the repository's own stay)."""
    meta = dict(data["metadata"])
    annotations = {k: v for k, v in meta["annotations"].items() if k not in (ORIGIN, TRANSFORMATIONS)} \
        if isinstance(meta.get("annotations"), dict) else meta.get("annotations")
    if annotations:
        meta["annotations"] = annotations
    else:
        meta.pop("annotations", None)
    return {**data, "metadata": meta}


def _documents(cache: "ParseCache", path: str, text: str | None) -> list[Document]:
    if text is None:
        return []
    try:
        return cache.documents(path, text)
    except PatcherError:
        return []


def _kustomization_file(folder: str, texts: dict[str, str | None]) -> str:
    names = [posixpath.join(folder, n) for n in KUSTOMIZATION_NAMES]
    return next((n for n in names if texts.get(n) is not None), names[0])


def _source_document(cache: "ParseCache", path: str, text: str | None, built: dict[str, Any]) -> Document | None:
    """Which document of ``path`` a built resource comes from: kustomize names the file, not the
    document. Same kind and group, and the longest original name the built one contains (a
    prefix and suffix wrap it); the first such document when names do not tell."""
    kind, group = built.get("kind"), _group(built.get("apiVersion"))
    name = str((built.get("metadata") or {}).get("name", ""))
    candidates = []
    for doc in _documents(cache, path, text):
        data = doc.data
        if not (isinstance(data, dict) and data.get("kind") == kind and _group(data.get("apiVersion")) == group):
            continue
        meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        original = str(meta.get("name", ""))
        candidates.append((original == name, bool(original) and original in name, len(original), -doc.index, doc))
    if not candidates:
        return None
    return max(candidates, key=lambda c: c[:4])[4]


def _original_name(doc: Document | None) -> str | None:
    if doc is not None and isinstance(doc.data, dict) and isinstance(doc.data.get("metadata"), dict):
        return str(doc.data["metadata"].get("name", ""))
    return None


def _group(api_version: Any) -> str:
    text = str(api_version or "")
    return text.split("/")[0] if "/" in text else ""


def _patched_by(cache: "ParseCache", scope: _Scope, rel_root: str, texts: dict[str, str | None],
                transformations: Any, built: dict[str, Any],
                original: str | None) -> tuple[tuple[str, ...], tuple[tuple, ...]]:
    """The patches that select this resource, and the paths they set, from the kustomizations
    whose patch transformers ran on it (kustomize's transformer annotations list every patch
    transformer of a kustomization, whether it matched or not: which patch selects the resource
    is decided here, erring toward "patched": a label or annotation selector, or a target
    without a name, counts)."""
    if not isinstance(transformations, list):
        return (), ()
    kustomizations = dict.fromkeys(
        posixpath.normpath(posixpath.join(rel_root, t["configuredIn"])) for t in transformations
        if isinstance(t, dict) and isinstance(t.get("configuredIn"), str)
        and (t.get("configuredBy") or {}).get("kind") == "PatchTransformer")
    names = {str((built.get("metadata") or {}).get("name", "")), original or ""} - {""}
    found: list[str] = []
    paths: list[tuple] = []
    for kust in kustomizations:
        docs = _documents(cache, scope.repo(kust), texts.get(kust))
        if not docs or not isinstance(docs[0].data, dict):
            continue
        for patch in _patches(docs[0].data, posixpath.dirname(kust), cache, scope, texts):
            if _selects(patch.target, built, names):
                found.append(scope.repo(patch.file) if patch.file else scope.repo(kust))
                paths += patch.paths
    return tuple(dict.fromkeys(found)), tuple(dict.fromkeys(paths))


@dataclass(frozen=True)
class _Patch:
    file: str | None  # None: inline in the kustomization
    target: dict[str, Any]
    paths: tuple[tuple, ...]  # what it sets in its target (a list it merges counts as a whole)


def _patches(data: dict[str, Any], folder: str, cache: "ParseCache", scope: _Scope,
             texts: dict[str, str | None]) -> list[_Patch]:
    """Each patch a kustomization applies; a strategic-merge patch without a target selects
    what its documents name."""
    out: list[_Patch] = []
    for key in _PATCH_FIELDS:
        entries = data.get(key) if isinstance(data.get(key), list) else []
        for entry in entries:
            if isinstance(entry, str):
                entry = {"patch": entry} if "\n" in entry else {"path": entry}
            if not isinstance(entry, dict):
                continue
            path = entry.get("path") if isinstance(entry.get("path"), str) else None
            file = posixpath.normpath(posixpath.join(folder, path)) if path else None
            body = texts.get(file) if file else entry.get("patch") if isinstance(entry.get("patch"), str) else None
            docs = _documents(cache, scope.repo(file) if file else f"{folder} (inline patch)", body)
            target = entry.get("target")
            if isinstance(target, dict):
                out.append(_Patch(file, target, tuple(p for d in docs for p in _set_paths(d.data))))
                continue
            for doc in docs:
                if isinstance(doc.data, dict) and isinstance(doc.data.get("metadata"), dict):
                    out.append(_Patch(file, {"kind": doc.data.get("kind"), "name": doc.data["metadata"].get("name")},
                                      tuple(_set_paths(doc.data))))
    return out


def _set_paths(patch: Any) -> list[tuple]:
    """The paths a patch sets: a JSON 6902 patch's operation paths, a strategic-merge patch's
    leaves (its identity, kind and name, left out)."""
    if isinstance(patch, list):
        return [tuple(int(p) if p.isdigit() else p.replace("~1", "/").replace("~0", "~")
                      for p in op["path"].split("/")[1:])
                for op in patch if isinstance(op, dict) and isinstance(op.get("path"), str)]
    if not isinstance(patch, dict):
        return []
    out: list[tuple] = []

    def walk(node: dict, prefix: tuple) -> None:
        for key, value in node.items():
            path = prefix + (key,)
            if path in (("apiVersion",), ("kind",), ("metadata", "name")):
                continue
            if isinstance(value, dict) and value and "$patch" not in value:
                walk(value, path)
            else:
                out.append(path)

    walk(patch, ())
    return out


def _selects(target: dict[str, Any], built: dict[str, Any], names: set[str]) -> bool:
    if target.get("kind") and str(target["kind"]) != built.get("kind"):
        return False
    if target.get("group") is not None and str(target["group"]) != _group(built.get("apiVersion")):
        return False
    name = target.get("name")
    if not name:
        return True
    try:
        pattern = re.compile(f"^(?:{name})$")
    except re.error:
        return str(name) in names
    return any(pattern.match(n) for n in names)
