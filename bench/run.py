"""Benchmark patcher on generated repositories against a plain YAML parse and the issue-11 targets.

    python bench/run.py [--teams-small 50] [--teams-large 200] [--repeat 3] [--large-repeat 1]
                        [--apply-repeat 1] [--large-apply-repeat 0]
                        [--services 200] [--seed 1234] [--breakdown]
                        [--profile] [--no-checkov] [--no-incremental] [--only teams|old]

Three cases, each generated into a temporary folder: the multi-team shape of
bench/teams.py at two sizes 4x apart, and the old flat shape of
bench/generate.py. Per case it prints files, YAML files outside charts,
documents, Helm releases (and the charts they render, subcharts included) and
scripts; the best wall and CPU time of a C-backed PyYAML parse of those YAML
files; of make_plan; and of what `patcher apply` does (plan, then write) on a
fresh copy of the tree. The first plan of each case runs in a fresh process,
whose peak RSS (wait4, the Helm engine included) is the case's peak memory;
every plan runs right after a parse, and the median of those paired ratios is
the plan/parse figure that counts on this noisy machine. Then `patcher --help`
wall time, checkov's time on the same trees when a checkov executable is found
(env CHECKOV or PATH), the growth from the small to the large size, and a
summary table of target / measured / verdict. --breakdown adds a per-stage
breakdown of one instrumented plan of the small teams case (--profile a cProfile
listing). Always exits 0: timings are reported, not asserted.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402
from measure import Measured, checkov_time, find_checkov, help_time, measure, one_case  # noqa: E402
from teams import generate_teams  # noqa: E402

TARGET_RATIO = 3.0  # plan / parse, paired median
TARGET_APPLY = 1.3  # apply / plan
TARGET_TIME_GROWTH = 4.4  # plan time, large / small (4x the teams)
TARGET_MEMORY_GROWTH = 4.0
TARGET_HELP = 0.15  # seconds
TARGET_CHECKOV = 3.0  # checkov / plan


@dataclass
class Case:
    label: str
    make: object  # (folder) -> files written
    repeat: int
    apply_repeat: int
    checkov: bool = True
    measured: Measured | None = None
    note: str = ""


def fmt(seconds: float) -> str:
    return f"{seconds:8.2f} s"


def print_plan(plan) -> None:
    by_rule = Counter(f.rule for f in plan.findings)
    status = Counter(r.status for r in plan.results)
    print(f"  plan: {len(plan.findings)} findings, {len(plan.changes)} files changed, "
          f"{len(plan.diagnostics)} diagnostics, {len(plan.unresolved)} unresolved")
    for rule, count in sorted(by_rule.items()):
        print(f"    {rule:<44}{count:5d}")
    if status:
        print("    fix results: " + ", ".join(f"{k} {v}" for k, v in sorted(status.items())))
    errors = [d for d in plan.diagnostics if getattr(d, "level", "") == "error"]
    for diagnostic in errors[:5]:
        print(f"    error diagnostic: {diagnostic}")


def print_case(case: Case, m: Measured) -> None:
    print(f"  files / YAML files (outside charts) / documents: {m.files} / {m.yaml_files} / {m.documents}")
    print(f"  Helm releases (charts rendered, subcharts included) / scripts: "
          f"{m.releases} ({m.charts_rendered}) / {m.scripts}")
    print(f"  findings: {m.findings}   fix loop passes: {m.passes}")
    print(f"  {f'CSafeLoader parse (best of {case.repeat}):':<40}{fmt(m.parse)}   CPU {fmt(m.parse_cpu).strip()}")
    first = " (the fresh process's: Helm engine start-up and cold caches included)" if case.repeat == 1 else ""
    print(f"  {f'make_plan (best of {case.repeat}):':<40}{fmt(m.plan)}   CPU {fmt(m.plan_cpu).strip()}"
          f"   fresh process, imports included: {fmt(m.cold).strip()}{first}")
    if m.apply:
        print(f"  {f'apply on a fresh copy (best of {case.apply_repeat}):':<40}{fmt(m.apply)}   "
              f"CPU {fmt(m.apply_cpu).strip()}   apply / plan {m.apply / m.plan:.2f}x")
    else:
        print("  apply: not run at this size")
    print(f"  plan / parse: best {m.plan / m.parse:.2f}x   paired median {m.paired_median:.2f}x "
          f"({len(m.paired)} pairs: {', '.join(f'{r:.2f}' for r in sorted(m.paired))})")
    if m.report is not None:
        print(f"  {'patcher report on that plan:':<40}{fmt(m.report)}   {m.flows} flows traced, "
              f"{m.diagrams} picture(s), Markdown and HTML rendered ({m.report / m.plan:.2f}x the plan)")
    print(f"  peak memory (max RSS of the fresh plan process): {m.peak_mib:.0f} MiB")
    print(f"  the fresh plan ran {m.kustomize_builds} kubectl kustomize builds and {m.helm_requests} Helm engine "
          f"requests; its CPU with theirs: {m.tree_cpu:.1f} s (patcher's own: {m.plan_cpu:.1f} s in the best plan)")
    if m.checkov is not None:
        print(f"  checkov --framework kubernetes: {fmt(m.checkov)}   checkov / plan {m.checkov / m.plan:.2f}x")
    elif m.checkov_note:
        print(f"  {m.checkov_note}")


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "MISSED")


def print_summary(rows: list[tuple[str, str, str, bool | None]]) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"\n{'summary':<{width}}  {'target':<12}{'measured':<14}verdict")
    for what, target, measured, ok in rows:
        print(f"{what:<{width}}  {target:<12}{measured:<14}{verdict(ok)}")


def summary_rows(cases: list[Case], small: Case | None, large: Case | None, help_seconds: float,
                 checkov_missing: str) -> list[tuple[str, str, str, bool | None]]:
    rows = []
    for case in cases:
        m = case.measured
        rows.append((f"{case.label}: plan / parse (paired median)", f"<= {TARGET_RATIO:.1f}x",
                     f"{m.paired_median:.2f}x", m.paired_median <= TARGET_RATIO))
        if m.apply:
            rows.append((f"{case.label}: apply / plan", f"<= {TARGET_APPLY:.1f}x", f"{m.apply / m.plan:.2f}x",
                         m.apply / m.plan <= TARGET_APPLY))
        if m.checkov is not None:
            rows.append((f"{case.label}: checkov / plan", f">= {TARGET_CHECKOV:.1f}x", f"{m.checkov / m.plan:.2f}x",
                         m.checkov / m.plan >= TARGET_CHECKOV))
        rows.append((f"{case.label}: peak memory", "", f"{m.peak_mib:.0f} MiB", None))
    if small and large and small.measured and large.measured:
        s, l = small.measured, large.measured
        rows.append(("growth: plan time large / small", f"<= {TARGET_TIME_GROWTH:.1f}x",
                     f"{l.plan / s.plan:.2f}x", l.plan / s.plan <= TARGET_TIME_GROWTH))
        rows.append(("growth: plan CPU large / small", f"<= {TARGET_TIME_GROWTH:.1f}x",
                     f"{l.plan_cpu / s.plan_cpu:.2f}x", l.plan_cpu / s.plan_cpu <= TARGET_TIME_GROWTH))
        rows.append(("growth: peak memory large / small", f"<= {TARGET_MEMORY_GROWTH:.1f}x",
                     f"{l.peak_mib / s.peak_mib:.2f}x", l.peak_mib / s.peak_mib <= TARGET_MEMORY_GROWTH))
    rows.append(("patcher --help (best of 5)", f"< {TARGET_HELP:.2f} s", f"{help_seconds:.3f} s",
                 help_seconds < TARGET_HELP))
    if checkov_missing:
        rows.append(("checkov / plan", f">= {TARGET_CHECKOV:.1f}x", "not installed", None))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams-small", type=int, default=50)
    parser.add_argument("--teams-large", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3, help="plans per case (the small and old cases)")
    parser.add_argument("--large-repeat", type=int, default=1,
                        help="plans for the large size (one plan of 200 teams takes minutes here)")
    parser.add_argument("--apply-repeat", type=int, default=1, help="applies per case")
    parser.add_argument("--large-apply-repeat", type=int, default=0,
                        help="applies for the large size (none by default: it would add minutes)")
    parser.add_argument("--services", type=int, default=200, help="size of the old shape")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--only", choices=("teams", "old"), help="run one shape only")
    parser.add_argument("--breakdown", action="store_true",
                        help="add a per-stage breakdown of one plan of the small teams case")
    parser.add_argument("--profile", action="store_true", help="add a cProfile listing of that plan")
    parser.add_argument("--profile-lines", type=int, default=30)
    parser.add_argument("--no-checkov", action="store_true", help="do not run checkov even if found")
    parser.add_argument("--no-incremental", action="store_true",
                        help="run patcher with PATCHER_INCREMENTAL=0 (the fix loop without incremental reuse)")
    parser.add_argument("--one-case", type=Path, help=argparse.SUPPRESS)  # the fresh plan process
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_case:
        one_case(args.one_case, args.json)
        return 0
    sys.stdout.reconfigure(line_buffering=True)
    started = time.perf_counter()
    if args.no_incremental:
        os.environ["PATCHER_INCREMENTAL"] = "0"  # read by patcher, here and in the child processes

    cases: list[Case] = []
    small = large = None
    if args.only != "old":
        small = Case(f"teams x{args.teams_small}", lambda out: generate_teams(out, args.teams_small, args.seed),
                     args.repeat, args.apply_repeat)
        large = Case(f"teams x{args.teams_large}", lambda out: generate_teams(out, args.teams_large, args.seed),
                     args.large_repeat, args.large_apply_repeat, checkov=False)
        large.note = (f"repeat {args.large_repeat} for this size (one plan takes minutes here), "
                      f"apply {args.large_apply_repeat}x (--large-apply-repeat); checkov is not run on it")
        cases += [small, large]
    if args.only != "teams":
        cases.append(Case(f"old x{args.services} services", lambda out: generate(out, args.seed, args.services),
                          args.repeat, args.apply_repeat))
    checkov = None if args.no_checkov else find_checkov()
    checkov_missing = "" if checkov or args.no_checkov else \
        "checkov: not installed (set CHECKOV or put checkov on PATH; e.g. python3 -m venv /tmp/checkov-venv " \
        "&& /tmp/checkov-venv/bin/pip install checkov)"
    print(f"PATCHER_INCREMENTAL={os.environ.get('PATCHER_INCREMENTAL', '(unset)')}")

    for case in cases:
        with tempfile.TemporaryDirectory(prefix="patcher-bench-") as tmp:
            root = Path(tmp) / "repo"
            written = case.make(root)
            print(f"\n== {case.label}: {written} files generated" + (f"  [{case.note}]" if case.note else ""))
            case.measured, plan = measure(root, case.repeat, case.apply_repeat)
            if checkov and case.checkov:
                case.measured.checkov, case.measured.checkov_note = checkov_time(checkov, root)
            print_case(case, case.measured)
            if plan is not None:
                print_plan(plan)
            if case is small and (args.breakdown or args.profile):
                from breakdown import print_profile, run_breakdown
                from patcher.config import load_config

                config = load_config(root)
                if args.breakdown:
                    run_breakdown(root, config)
                if args.profile:
                    print_profile(root, config, args.profile_lines)
    if checkov_missing:
        print(f"\n{checkov_missing}")
    print_summary(summary_rows(cases, small, large, help_time(), checkov_missing))
    print(f"\nthe benchmark took {(time.perf_counter() - started) / 60:.1f} minutes")
    return 0


if __name__ == "__main__":
    try:
        main()
    except Exception as exc:  # a benchmark reports, it does not fail the build
        import traceback
        traceback.print_exc()
        print(f"benchmark failed: {exc}", file=sys.stderr)
    sys.exit(0)
