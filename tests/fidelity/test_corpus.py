"""Round-trip fidelity on the shared corpus of real Kubernetes YAML.

Test A: reading and writing a file without edits gives the same bytes.
Test B: one probe edit of each kind per mapping-rooted document changes only
the lines of the addressed node and reads back as exactly that change.
Files that cannot pass are listed in tests/known-failures.tsv; the list may
only shrink.
"""

from __future__ import annotations

import copy
import csv
import difflib
import os
from collections import Counter
from pathlib import Path

import pytest
import yaml
from deepdiff import DeepDiff

from patcher.yamledit import YamlEditError, apply_yaml_edits, read_roundtrip

from .corpus_edits import PROBES, deletion_lines

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("PATCHER_SHARED", REPO.parent / "shared")) / "corpus"
KNOWN = REPO / "tests" / "known-failures.tsv"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared corpus not found at {CORPUS}")


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    files = [p for p in CORPUS.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()]
    return sorted(p for p in files if p.relative_to(CORPUS).parts[0] != "helm-templates")


def known_failures() -> dict[tuple[str, str], str]:
    if not KNOWN.exists():
        return {}
    with KNOWN.open(newline="") as f:
        rows = [r for r in csv.reader(f, delimiter="\t") if r and not r[0].startswith("#")]
    return {(r[0], r[1]): r[2] if len(r) > 2 else "" for r in rows if r[0] != "path"}


def read(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as f:
        return f.read()


def check_against_known(test: str, failures: dict[str, str], total: int) -> None:
    known = {p: why for (p, t), why in known_failures().items() if t == test}
    new = {p: why for p, why in failures.items() if p not in known}
    fixed = sorted(p for p in known if p not in failures)
    problems = [f"unlisted failure {p}: {why}" for p, why in sorted(new.items())]
    problems += [f"listed in known-failures.tsv but passes now (remove it): {p}" for p in fixed]
    assert not problems, "\n".join(problems[:30])


def test_a_read_write_is_identity(report):
    files = corpus_files()
    failures = {}
    for path in files:
        text = read(path)
        if read_roundtrip(text) != text:
            failures[str(path.relative_to(CORPUS))] = "read_roundtrip changed the bytes"
    report([f"Test A: {len(files) - len(failures)}/{len(files)} files byte-identical"])
    check_against_known("roundtrip", failures, len(files))


def _changed_within(old: str, new: str, lo: int, hi: int) -> str | None:
    """None when every changed original line lies in [lo, hi) (insertions up to trailing comments)."""
    a, b = old.split("\n"), new.split("\n")
    ins_hi = hi
    while ins_hi < len(a) and (not a[ins_hi].strip() or a[ins_hi].lstrip().startswith("#")):
        ins_hi += 1
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag == "insert" and lo <= i1 <= ins_hi:
            continue
        if tag != "insert" and lo <= i1 and i2 <= hi:
            continue
        return f"{tag} of lines {i1 + 1}-{i2} outside the node's lines {lo + 1}-{hi}"
    return None


def _strict_equal(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_strict_equal(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(_strict_equal(x, y) for x, y in zip(a, b))
    return a == b


def _expected(data: list, edit) -> list:
    data = list(data)
    data[edit.doc] = target = copy.deepcopy(data[edit.doc])
    for elem in edit.path[:-1] if type(edit).__name__ == "SetValue" else edit.path:
        target = target[elem]
    kind = type(edit).__name__
    if kind == "SetValue":
        target[edit.path[-1]] = edit.new
    elif kind == "InsertKey":
        target[edit.key] = edit.value
    elif kind == "InsertItem":
        target.append(edit.value)
    elif kind == "DeleteKey":
        del target[edit.key]
    return data


def probe(text: str, category: str, counts: Counter, failures: dict[str, list[str]]) -> None:
    roots = list(yaml.compose_all(text, Loader=yaml.CSafeLoader))
    data = list(yaml.load_all(text, Loader=yaml.CSafeLoader))
    for doc, root in enumerate(roots):
        if not isinstance(root, yaml.MappingNode):
            continue
        for name, make in PROBES.items():
            made = make(doc, root, data[doc])
            if made is None:
                continue
            edit, (lo, hi) = made
            if name == "delete-key":
                lo, hi = deletion_lines(text.split("\n"), lo, hi)
            counts[(category, name, "tried")] += 1
            try:
                new = apply_yaml_edits(text, [edit])
                problem = _changed_within(text, new, lo, hi)
                if problem is None:
                    want, got = _expected(data, edit), list(yaml.load_all(new, Loader=yaml.CSafeLoader))
                    # DeepDiff is slow on whole manifests: only ask it to explain a mismatch
                    if not _strict_equal(want, got):
                        problem = f"data differs: {DeepDiff(want, got) or 'in types only'}"
            except YamlEditError as exc:
                problem = f"YamlEditError: {exc}"
            if problem is None:
                counts[(category, name, "passed")] += 1
            else:
                failures.setdefault(name, []).append(f"doc {doc}: {problem}")


def test_b_probe_edits_touch_only_their_node(report):
    counts: Counter = Counter()
    failures: dict[str, str] = {}
    for path in corpus_files():
        rel = str(path.relative_to(CORPUS))
        per_file: dict[str, list[str]] = {}
        probe(read(path), rel.split("/")[0], counts, per_file)
        if per_file:
            failures[rel] = "; ".join(f"{k}: {v[0]}" for k, v in per_file.items())
    lines = ["Test B pass rates (category / edit: passed/tried):"]
    for category, name in sorted({(c, n) for c, n, _ in counts}):
        tried, passed = counts[(category, name, "tried")], counts[(category, name, "passed")]
        lines.append(f"  {category:12} {name:12} {passed}/{tried} ({100 * passed / tried:.1f}%)")
    report(lines)
    check_against_known("edits", failures, len(counts))
