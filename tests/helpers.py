"""Helpers the tests share: copying trees, reading trees, running a plan."""

from __future__ import annotations

import os
import shutil
import subprocess
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


def git_env(**extra: str) -> dict[str, str]:
    """The environment for git and tools that run git: no GIT_* of an enclosing hook, an identity."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update({"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                "GIT_COMMITTER_EMAIL": "t@t", **extra})
    return env


def run_git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "core.autocrlf=false", "-c", "init.defaultBranch=main", *args], cwd=repo,
                          capture_output=True, text=True, env=git_env(), check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def snapshot_of_this_checkout(target: Path) -> tuple[Path, str]:
    """A git repository holding this checkout's files as they are now (tracked and new files,
    .gitignore'd ones left out), committed, and its commit: what pre-commit and pip install from,
    uncommitted changes included."""
    root = Path(__file__).resolve().parent.parent
    files = run_git(root, "ls-files", "--cached", "--others", "--exclude-standard", "-z").split("\0")
    target.mkdir(parents=True)
    for name in filter(None, files):
        source = root / name
        if source.is_file():  # a file deleted but not yet staged is listed too
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    run_git(target, "init", "-q")
    run_git(target, "add", "-A")
    run_git(target, "commit", "-qm", "snapshot")
    return target, run_git(target, "rev-parse", "HEAD").strip()


# The one note patcher prints on the base sample: its Istio addons are applied from a URL
# (scripts/02-install-istio.sh), which is not in the repository and is not analysed.
BASE_ADDONS_MESSAGE = ("kubectl apply -f https://raw.githubusercontent.com/istio/istio/release-1.22/samples/addons/"
                       "${addon}.yaml: not in this repository, not analysed")
BASE_NOTE = {"level": "note", "file": "scripts/02-install-istio.sh", "line": 17, "column": None,
             "message": BASE_ADDONS_MESSAGE, "hint": ""}
BASE_NOTE_TEXT = f"note: scripts/02-install-istio.sh:17: {BASE_ADDONS_MESSAGE}\n"
# base/'s Istio resources are networking.istio.io/v1beta1, which has a stable successor
BASE_SUCCESSOR_MESSAGE = ("4 resources use networking.istio.io/v1beta1, which has a stable successor, "
                          "networking.istio.io/v1 (since Istio 1.22); the first is VirtualService default/frontend-vs")
BASE_SUCCESSOR_NOTE = {"level": "note", "file": "k8s/istio/frontend-virtualservice.yaml", "line": 2,
                       "column": None, "message": BASE_SUCCESSOR_MESSAGE, "hint": ""}
BASE_NOTES = [BASE_NOTE, BASE_SUCCESSOR_NOTE]  # what a plan of base/ with every default rule notes
BASE_NOTES_TEXT = (BASE_NOTE_TEXT +
                   f"note: k8s/istio/frontend-virtualservice.yaml:2: {BASE_SUCCESSOR_MESSAGE}\n")


# The seed review's eight problems, each a rule: base/ must keep showing every one of them
# (newer rules may find more there).
CHECKLIST_RULES = frozenset({
    "kind/unmapped-gateway-port", "script/url-unmapped-port", "istio/duplicate-gateway-host",
    "kind/unused-port-mapping", "istio/route-without-timeout", "istio/destination-without-circuit-breaker",
    "k8s/namespace-without-network-policy", "istio/namespace-without-mtls"})
