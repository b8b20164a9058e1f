"""What bench/run.py measures on one tree: counts, the plain-parse baseline, plan and apply
times, a plan's peak memory in a fresh process, and the tools it is compared with."""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from patcher.analyse import Selection
from patcher.config import load_config
from patcher.plan import make_plan
from patcher.writer import write_changes

RUN = Path(__file__).resolve().parent / "run.py"


def yaml_files(root: Path) -> list[Path]:
    """YAML files outside Helm charts (templates are rendered by Helm, never parsed as YAML)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        if "Chart.yaml" in filenames:
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        found += [Path(dirpath) / n for n in sorted(filenames) if n.endswith((".yaml", ".yml"))]
    return found


def count_files(root: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(root))


def count_scripts(root: Path) -> int:
    return sum(1 for _, _, files in os.walk(root) for n in files if n.endswith((".sh", ".ps1")))


def parse_all(paths: list[Path]) -> int:
    documents = 0
    for path in paths:
        text = path.read_text(encoding="utf-8")
        documents += sum(1 for d in yaml.load_all(text, Loader=yaml.CSafeLoader) if d is not None)
    return documents


def timed(action) -> tuple[float, float, object]:
    """Wall time, CPU time of this process (less noisy on a shared machine), result."""
    gc.collect()
    start, start_cpu = time.perf_counter(), time.process_time()
    result = action()
    return time.perf_counter() - start, time.process_time() - start_cpu, result


def best_of(repeat: int, action) -> tuple[float, object, float]:
    """Best wall time, the last result, and the best CPU time."""
    runs = [timed(action) for _ in range(repeat)]
    return min(r[0] for r in runs), runs[-1][2], min(r[1] for r in runs)


@dataclass
class Measured:
    files: int = 0
    yaml_files: int = 0
    documents: int = 0
    releases: int = 0
    charts_rendered: int = 0  # release charts and the subcharts Helm renders with them
    scripts: int = 0
    findings: int = 0
    passes: int = 0
    parse: float = 0.0
    parse_cpu: float = 0.0
    plan: float = 0.0
    plan_cpu: float = 0.0
    paired: list[float] = field(default_factory=list)
    apply: float = 0.0
    apply_cpu: float = 0.0
    cold: float = 0.0  # the plan in a fresh process (imports, Helm engine start-up included)
    peak_mib: float = 0.0
    checkov: float | None = None
    checkov_note: str = ""
    tree_cpu: float = 0.0  # the fresh plan's CPU with its children's (kubectl, the Helm engine)
    kustomize_builds: int = 0  # kubectl kustomize processes the fresh plan ran
    helm_requests: int = 0  # renders (and dependency checks) it asked the Helm engine for
    report: float | None = None  # patcher report's own work on a plan: traces, tables, pictures, both formats
    flows: int = 0
    diagrams: int = 0

    @property
    def paired_median(self) -> float:
        ordered = sorted(self.paired)
        return ordered[len(ordered) // 2] if ordered else float("nan")


def plan_counts(root: Path, plan) -> dict:
    releases = tuple(getattr(plan.model, "releases", ()) or ())
    return {"releases": len(releases),
            "charts_rendered": sum(sum(1 for _ in (root / r.chart).rglob("Chart.yaml")) for r in releases),
            "findings": len(plan.findings),
            "passes": max((a.number for a in plan.applied), default=0)}


def fresh_plan(root: Path) -> tuple[float, float, dict, float]:
    """One plan in a child process: its wall time and its peak RSS in MiB (the child's own and
    its reaped children's, i.e. the Helm engine's, whichever is larger), read with wait4 so that
    no other case's size is mixed in."""
    with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, str(RUN), "--one-case", str(root), "--json", out.name])
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        info = json.loads(out.read() or "{}")
    return wall, usage.ru_maxrss / 1024, info, usage.ru_utime + usage.ru_stime


def one_case(root: Path, json_path: str) -> None:
    """The child's side of fresh_plan; it also counts the external tools' runs."""
    from patcher import helm_process, kustomize_run

    counts = {"kustomize_builds": 0, "helm_requests": 0}

    def counted(owner, name: str, key: str) -> None:
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            counts[key] += 1
            return original(*args, **kwargs)
        setattr(owner, name, wrapper)

    counted(kustomize_run, "build", "kustomize_builds")
    counted(helm_process, "request", "helm_requests")
    seconds, cpu, plan = timed(lambda: make_plan(root, load_config(root), Selection()))
    Path(json_path).write_text(json.dumps({"plan": seconds, "cpu": cpu, **counts, **plan_counts(root, plan)}))


def apply_once(root: Path) -> tuple[float, float]:
    """What `patcher apply` does (plan, then write the changes), on a fresh copy of the tree;
    only the patcher part is timed."""
    with tempfile.TemporaryDirectory(prefix="patcher-bench-apply-") as tmp:
        copy = Path(tmp) / "repo"
        shutil.copytree(root, copy, symlinks=True)
        config = load_config(copy)
        wall, cpu, _ = timed(lambda: _apply(copy, config))
    return wall, cpu


def _apply(root: Path, config) -> None:
    plan = make_plan(root, config, Selection())
    write_changes(plan.root, plan.changes)


def measure(root: Path, repeat: int, apply_repeat: int) -> tuple[Measured, object]:
    """Everything but checkov; returns the measurements and the last in-process plan (None when
    repeat is 1: the only plan then is the fresh process's)."""
    m = Measured(files=count_files(root), scripts=count_scripts(root))
    paths = yaml_files(root)
    m.yaml_files = len(paths)
    m.parse, m.documents, m.parse_cpu = best_of(repeat, lambda: parse_all(paths))
    # this machine's speed drifts by 2x from one minute to the next: each plan runs right after
    # a parse, the median of the paired ratios is the figure that counts, and the best plan of
    # these runs is the plan time. The first is the fresh process that also gives peak memory.
    parse_once = timed(lambda: parse_all(paths))[0]
    m.cold, m.peak_mib, child, m.tree_cpu = fresh_plan(root)
    plans = [(child.get("plan", m.cold), child.get("cpu", m.cold))]
    m.paired.append(plans[0][0] / parse_once)
    config = load_config(root)
    plan = None
    for _ in range(repeat - 1):
        parse_once = timed(lambda: parse_all(paths))[0]
        wall, cpu, plan = timed(lambda: make_plan(root, config, Selection()))
        plans.append((wall, cpu))
        m.paired.append(wall / parse_once)
    m.plan, m.plan_cpu = min(p[0] for p in plans), min(p[1] for p in plans)
    applies = [apply_once(root) for _ in range(apply_repeat)]
    if applies:
        m.apply, m.apply_cpu = min(a[0] for a in applies), min(a[1] for a in applies)
    if plan is not None:
        m.report, m.flows, m.diagrams = report_time(plan)
    for key in ("releases", "charts_rendered", "findings", "passes", "kustomize_builds", "helm_requests"):
        setattr(m, key, child.get(key, 0))
    return m, plan


def report_time(plan) -> tuple[float, int, int]:
    """What `patcher report` adds to a plan: the review (every entry point traced) and its Markdown
    and HTML renderings."""
    from patcher.report.command import render, review_of

    def review_and_render():
        review = review_of(plan)
        render(review, "markdown", False)
        render(review, "html", False)
        return review
    wall, _, review = timed(review_and_render)
    return wall, len(review.traces), len(review.diagrams)


def help_time(repeat: int = 5) -> float:
    patcher = Path(sys.executable).parent / "patcher"
    command = [str(patcher), "--help"] if patcher.exists() else [sys.executable, "-m", "patcher", "--help"]
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        best = min(best, time.perf_counter() - start)
    return best


def find_checkov() -> str | None:
    given = os.environ.get("CHECKOV")
    if given:
        return given if shutil.which(given) or Path(given).is_file() else None
    return shutil.which("checkov")


def checkov_time(checkov: str, root: Path) -> tuple[float | None, str]:
    """One checkov run over the tree's Kubernetes manifests, as it is usually run in CI."""
    command = [checkov, "-d", str(root), "--framework", "kubernetes", "--quiet", "--compact",
               "--output", "json", "--skip-download"]
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: it found something
        return None, f"checkov failed ({done.returncode}): {done.stderr.strip().splitlines()[-1:]}"
    return wall, ""
