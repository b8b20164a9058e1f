"""Where one plan's time goes: make_plan's stages and the calls inside them, timed by
wrapping patcher's internals (whatever of them exists), and a cProfile listing."""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from patcher.analyse import Selection
from patcher.plan import make_plan


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


def run_breakdown(root, config) -> None:
    """One instrumented plan, printed stage by stage."""
    import gc

    timings = Timings()
    with instrumented(timings):
        gc.collect()
        start = time.perf_counter()
        make_plan(root, config, Selection())
        total = time.perf_counter() - start
    print_breakdown(timings, total)
