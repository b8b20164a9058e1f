"""Helpers the tests share: copying trees, reading trees, running a plan."""

from __future__ import annotations

import shutil
from pathlib import Path

from patcher.analyse import Selection
from patcher.config import load_config
from patcher.findings import Applicability
from patcher.plan import Plan, make_plan
from patcher.writer import write_changes


def copy_tree(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, symlinks=True)
    return target


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file below root (relative POSIX path -> bytes), .git left out."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file() and ".git" not in p.relative_to(root).parts}


def plan(root: Path, *rules: str, unsafe: bool = False) -> Plan:
    threshold = Applicability.UNSAFE if unsafe else Applicability.SAFE
    return make_plan(root, load_config(root), Selection(tuple(rules)), threshold)


def apply(root: Path, *rules: str, unsafe: bool = False) -> Plan:
    """What `patcher apply` (with --unsafe-fixes when ``unsafe``) writes; the plan as written."""
    result = plan(root, *rules, unsafe=unsafe)
    write_changes(root, result.changes)
    return result.written()


def finding_rows(result: Plan) -> list[dict]:
    return [{"rule": f.rule, "file": f.location.file, "line": f.location.line,
             "column": f.location.column, "message": f.message,
             "fix": f.fix.applicability.label if f.fix else None, "status": r.status}
            for f, r in zip(result.findings, result.results)]
