"""Benchmark ``make_plan`` on a large synthetic repository against a plain YAML parse.

    python bench/run.py [--keep] [--repeat 3] [--services 200] [--seed 1234] [--profile]
                        [--tracemalloc]

Generates the tree of bench/generate.py into a temporary folder (or reuses
bench/out/repo with --keep), then prints: files and YAML documents; the best
wall time of make_plan; documents per second; peak memory (max RSS, and
Python's tracemalloc peak with --tracemalloc); the best time of a
C-backed PyYAML parse of the same YAML files (Helm templates excluded, read
from disk); the ratio plan/parse against the target of 3x; and a breakdown of
one instrumented plan (load, model, analyse, fix loop, and what is inside
them), so that optimisation can be aimed. --profile adds a cProfile listing of
one plan. It also prints plan's CPU time with and without the schema rule
(--skip schema/invalid-resource) and the rule's share. Always exits 0: timings are reported, not asserted.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import Counter, defaultdict
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

from patcher.analyse import Selection  # noqa: E402
from patcher.config import load_config  # noqa: E402
from patcher.plan import make_plan  # noqa: E402

TARGET_RATIO = 3.0
KEEP_DIR = HERE / "out" / "repo"


# --------------------------------------------------------------------------- the tree

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


def parse_all(paths: list[Path]) -> int:
    documents = 0
    for path in paths:
        text = path.read_text(encoding="utf-8")
        documents += sum(1 for d in yaml.load_all(text, Loader=yaml.CSafeLoader) if d is not None)
    return documents


def best_of(repeat: int, action) -> tuple[float, object, float]:
    """Best wall time, the last result, and the best CPU time of this process (less noisy
    than wall time on a shared machine)."""
    best, best_cpu, result = float("inf"), float("inf"), None
    for _ in range(repeat):
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        result = action()
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - start_cpu)
    return best, result, best_cpu


# --------------------------------------------------------------------------- instrumentation

class Timings:
    """Time spent per call path (phase, enclosing timed calls..., label)."""

    def __init__(self) -> None:
        self.phase = "setup"
        self.stack: list[str] = []
        self.spent: dict[tuple[str, ...], float] = defaultdict(float)
        self.calls: dict[tuple[str, ...], int] = defaultdict(int)
        self.stage_calls: Counter[str] = Counter()
        self.stage_first: dict[str, float] = {}

    def key(self, label: str) -> tuple[str, ...]:
        return (self.phase, *self.stack, label)

    def add(self, key: tuple[str, ...], seconds: float) -> None:
        self.spent[key] += seconds
        self.calls[key] += 1


def _timed(timings: Timings, label: str, func):
    def wrapper(*args, **kwargs):
        key = timings.key(label)
        timings.stack.append(label)
        start = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            timings.add(key, time.perf_counter() - start)
            timings.stack.pop()
    return wrapper


def _stage(timings: Timings, label: str, phase: str, func, after: str | None = None):
    """A top-level step of make_plan: its first call sets the phase; later ones are in the fix loop."""
    def wrapper(*args, **kwargs):
        timings.stage_calls[label] += 1
        first = timings.stage_calls[label] == 1 and timings.phase != "fix loop"
        if not first:
            return _timed(timings, label, func)(*args, **kwargs)
        timings.phase = phase
        start = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            timings.stage_first[label] = time.perf_counter() - start
            if after:
                timings.phase = after
    return wrapper


@contextmanager
def instrumented(timings: Timings):
    """Wrap patcher internals (whatever of them exists) with timers; undo afterwards."""
    import importlib

    undo: list[tuple[object, str, object]] = []

    def patch(owner, name: str, make) -> None:
        if isinstance(owner, str):
            try:
                owner = importlib.import_module(owner)
            except ImportError:
                return
        original = owner.__dict__.get(name) if isinstance(owner, type) else getattr(owner, name, None)
        if original is None:
            return
        undo.append((owner, name, original))
        setattr(owner, name, make(original))

    patch("patcher.plan", "load_workspace", lambda f: _stage(timings, "load_workspace", "load", f))
    patch("patcher.plan", "build_model", lambda f: _stage(timings, "build_model", "model", f))
    patch("patcher.plan", "analyse", lambda f: _stage(timings, "analyse", "analyse", f, after="fix loop"))
    patch("patcher.plan", "discover", lambda f: _timed(timings, "discover", f))
    patch("patcher.plan", "decode", lambda f: _timed(timings, "decode (read + decode files)", f))
    patch("patcher.plan", "apply_edits", lambda f: _timed(timings, "apply_edits", f))
    patch("patcher.plan", "verify_file", lambda f: _timed(timings, "verify (parse, compare, schema)", f))
    patch("patcher.plan", "_choose", lambda f: _timed(timings, "choose fixes", f))
    patch("patcher.model", "read_documents", lambda f: _timed(timings, "YAML parse (read_documents)", f))
    patch("patcher.model", "render", lambda f: _timed(timings, "Helm render (incl. parse of output)", f))
    patch("patcher.model", "read_kustomizations", lambda f: _timed(timings, "kustomizations", f))
    patch("patcher.model", "local_urls", lambda f: _timed(timings, "scripts: local_urls", f))
    patch("patcher.model", "helm_installs", lambda f: _timed(timings, "scripts: helm_installs", f))
    patch("patcher.model", "_resource", lambda f: _timed(timings, "Resource objects", f))
    patch("patcher.analyse", "build_topology", lambda f: _timed(timings, "build_topology", f))
    patch("patcher.analyse", "_ignored", lambda f: _timed(timings, "ignore comments (_ignored)", f))

    try:
        import patcher.analyse as analyse_module
        from patcher.registry import Rule

        original_rules = analyse_module.all_rules

        def timed_rules():
            rules = []
            for rule in original_rules():
                def check(context, _check=rule.check, _id=rule.id):
                    key = timings.key(f"rule {_id}")
                    timings.stack.append(f"rule {_id}")
                    start = time.perf_counter()
                    try:
                        found = list(_check(context))
                    finally:
                        timings.add(key, time.perf_counter() - start)
                        timings.stack.pop()
                    return iter(found)
                rules.append(Rule(rule.info, check, rule.module))
            return rules

        undo.append((analyse_module, "all_rules", original_rules))
        analyse_module.all_rules = timed_rules
    except (ImportError, AttributeError, TypeError):
        pass

    try:
        from patcher.topology import Topology
        for name, attr in list(vars(Topology).items()):
            if isinstance(attr, cached_property):
                timed = cached_property(_timed(timings, f"topology.{name} (first use)", attr.func))
                timed.__set_name__(Topology, name)
                undo.append((Topology, name, attr))
                setattr(Topology, name, timed)
    except ImportError:
        pass

    try:
        yield
    finally:
        for owner, name, original in reversed(undo):
            setattr(owner, name, original)


# --------------------------------------------------------------------------- report

def fmt(seconds: float) -> str:
    return f"{seconds * 1000:9.1f} ms"


def print_breakdown(timings: Timings, total: float) -> None:
    first = timings.stage_first
    loop = total - sum(first.get(k, 0.0) for k in ("load_workspace", "build_model", "analyse"))
    print(f"\nbreakdown of one plan ({fmt(total).strip()} instrumented; nested items are inside their stage)")
    rows = [("load", "load_workspace"), ("model", "build_model"), ("analyse", "analyse")]
    for phase, label in rows:
        spent = first.get(label, 0.0)
        print(f"  {label + ' (first pass)':<44}{fmt(spent)}  {spent / total:6.1%}")
        print_nested(timings, phase, total)
    passes = timings.stage_calls["build_model"] - 1
    print(f"  {'fix loop (' + str(passes) + ' passes)':<44}{fmt(loop)}  {loop / total:6.1%}")
    print_nested(timings, "fix loop", total)


def print_nested(timings: Timings, phase: str, total: float, parent: tuple[str, ...] = (),
                 depth: int = 2) -> None:
    prefix = (phase, *parent)
    children = [(key, spent) for key, spent in timings.spent.items()
                if len(key) == len(prefix) + 1 and key[:len(prefix)] == prefix]
    for key, spent in sorted(children, key=lambda i: -i[1]):
        label = key[-1]
        width = 46 - 2 * depth
        print(f"{' ' * 2 * depth}{label:<{width}}{fmt(spent)}  {spent / total:6.1%}  "
              f"({timings.calls[key]} calls)")
        print_nested(timings, phase, total, key[1:], depth + 1)


def print_profile(root: Path, config, lines: int) -> None:
    profile = cProfile.Profile()
    profile.enable()
    make_plan(root, config, Selection())
    profile.disable()
    for key in ("cumulative", "tottime"):
        stream = io.StringIO()
        pstats.Stats(profile, stream=stream).strip_dirs().sort_stats(key).print_stats(lines)
        text = stream.getvalue()
        start = text.find("   ncalls")
        print(f"\ncProfile of one plan, sorted by {key}:")
        print(text[start:].rstrip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help=f"reuse (or create) {KEEP_DIR}")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--services", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--profile", action="store_true", help="add a cProfile listing of one plan")
    parser.add_argument("--profile-lines", type=int, default=30)
    parser.add_argument("--tracemalloc", action="store_true",
                        help="trace the first plan for Python's peak memory (slow)")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)

    with tempfile.TemporaryDirectory(prefix="patcher-bench-") as tmp:
        if args.keep:
            root = KEEP_DIR
            if not (root / "cluster" / "kind-config.yaml").is_file():
                generate(root, args.seed, args.services)
        else:
            root = Path(tmp) / "repo"
            generate(root, args.seed, args.services)
        run(root, args)
    return 0


def run(root: Path, args) -> None:
    config = load_config(root)
    paths = yaml_files(root)
    files = count_files(root)
    parse_time, documents, parse_cpu = best_of(args.repeat, lambda: parse_all(paths))
    # patcher pauses the garbage collector while planning; the same parse with it paused, for fairness
    gc.disable()
    try:
        paused_time, _, _ = best_of(args.repeat, lambda: parse_all(paths))
    finally:
        gc.enable()
    size = sum(p.stat().st_size for p in paths)

    print(f"repository: {root}")
    print(f"files: {files}   YAML files parsed (Helm templates excluded): {len(paths)}   "
          f"YAML documents: {documents}   YAML bytes: {size / 1e6:.2f} MB")
    print(f"CSafeLoader parse (best of {args.repeat}):    {fmt(parse_time)}   "
          f"({documents / parse_time:.0f} documents/s, CPU {fmt(parse_cpu).strip()})")

    # first plan: imports, rule discovery and the Helm engine's start-up are paid here.
    # With --tracemalloc it is also traced for Python's peak memory (which slows it down).
    peak = None
    gc.collect()
    if args.tracemalloc:
        tracemalloc.start()
    cold, plan, _ = best_of(1, lambda: make_plan(root, config, Selection()))
    if args.tracemalloc:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(f"make_plan, first run{' (traced)' if peak is not None else ' (cold)'}:       {fmt(cold)}")
    print_plan(plan)

    timings = Timings()
    with instrumented(timings):
        gc.collect()
        start = time.perf_counter()
        make_plan(root, config, Selection())
        total = time.perf_counter() - start
    print_breakdown(timings, total)

    plan_time, _, plan_cpu = best_of(args.repeat, lambda: make_plan(root, config, Selection()))
    # this machine's speed drifts by 2x from one minute to the next: pair each plan with a parse
    # run right beside it, and take the median of the paired ratios as the figure that counts
    paired = []
    for _ in range(args.repeat):
        parse_once, _, _ = best_of(1, lambda: parse_all(paths))
        plan_once, _, _ = best_of(1, lambda: make_plan(root, config, Selection()))
        paired.append(plan_once / parse_once)
    paired.sort()

    # the schema rule's cost: plan without it, paired with plan with it, as above
    schema_off = Selection(skip=("schema/invalid-resource",))
    with_schema, without_schema = [], []
    for _ in range(args.repeat):
        with_schema.append(best_of(1, lambda: make_plan(root, config, Selection()))[2])
        without_schema.append(best_of(1, lambda: make_plan(root, config, schema_off))[2])
    schema_on_cpu, schema_off_cpu = min(with_schema), min(without_schema)

    maxrss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux

    ratio = plan_time / parse_time if parse_time else float("inf")
    print()
    print(f"files / YAML files / documents:     {files} / {len(paths)} / {documents}")
    print(f"make_plan (best of {args.repeat}):            {fmt(plan_time)}   CPU {fmt(plan_cpu).strip()}")
    print(f"documents per second:               {documents / plan_time:12.0f}")
    print(f"CSafeLoader parse (best of {args.repeat}):    {fmt(parse_time)}   CPU {fmt(parse_cpu).strip()}")
    verdict = "within target" if ratio <= TARGET_RATIO else "over target"
    print(f"ratio plan / parse:                 {ratio:9.2f}x   target <= {TARGET_RATIO:.0f}x: {verdict}"
          f"   (CPU time ratio {plan_cpu / parse_cpu:.2f}x)")
    print(f"CSafeLoader parse, GC paused:       {fmt(paused_time)}   "
          f"ratio plan / that parse: {plan_time / paused_time:.2f}x")
    median = paired[len(paired) // 2]
    print(f"paired runs, plan / parse:          median {median:.2f}x   (min {paired[0]:.2f}x, max {paired[-1]:.2f}x, "
          f"{len(paired)} pairs)   target <= {TARGET_RATIO:.0f}x: {'within' if median <= TARGET_RATIO else 'over'} target")
    share = (schema_on_cpu - schema_off_cpu) / schema_on_cpu if schema_on_cpu else 0.0
    print(f"plan CPU, schema rule on / off:     {fmt(schema_on_cpu)} / {fmt(schema_off_cpu).strip()}   "
          f"schema rule's share: {share:.1%} (best of {args.repeat} each, interleaved)")
    if peak is not None:
        print(f"peak memory (tracemalloc, Python):  {peak / 2**20:9.1f} MiB")
    print(f"max RSS (getrusage, whole process): {maxrss_kb / 1024:9.1f} MiB")

    if args.profile:
        print_profile(root, config, args.profile_lines)


def print_plan(plan) -> None:
    by_rule = Counter(f.rule for f in plan.findings)
    status = Counter(r.status for r in plan.results)
    print(f"plan: {len(plan.findings)} findings, {len(plan.changes)} files changed, "
          f"{len(plan.diagnostics)} diagnostics, {len(plan.unresolved)} unresolved")
    for rule, count in sorted(by_rule.items()):
        print(f"  {rule:<44}{count:5d}")
    if status:
        print("  fix results: " + ", ".join(f"{k} {v}" for k, v in sorted(status.items())))
    for diagnostic in plan.diagnostics[:5]:
        print(f"  diagnostic: {diagnostic}")


if __name__ == "__main__":
    try:
        main()
    except Exception as exc:  # a benchmark reports, it does not fail the build
        import traceback
        traceback.print_exc()
        print(f"benchmark failed: {exc}", file=sys.stderr)
    sys.exit(0)
