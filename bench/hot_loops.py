"""Time the script readers and the chart lookups on repositories shaped to stress them (issue 11).

    python bench/hot_loops.py OUT_DIR [--scripts 500] [--charts 300]

Writes OUT_DIR/scripts (base/ plus N scripts of 40 lines: helm, kubectl, curl, port-forward,
heredocs, comments, quotes) and OUT_DIR/charts (base/ plus N charts with templates, and 3N
manifests), then prints: three passes of the script readers over every script (what a plan's
fix loop does), cold and warm; and discovery plus the inventory lookups of three passes.
Run it with PYTHONPATH pointing at another checkout to compare. Timings are printed, not asserted.
"""

from __future__ import annotations

import argparse
import random
import shutil
import time
from pathlib import Path

from patcher.discover import discover
from patcher.entrypoints.commands import read_commands
from patcher.entrypoints.shell import read_scripts
from patcher.scripts import forwarded_ports, injection_labelled, local_urls, served_ports
from patcher.workspace import Workspace

BASE = Path(__file__).resolve().parent.parent / "base"
LINES = [
    'NS="${NS:-shop}"', 'PORT=80{i}', 'export RELEASE=web-{i}', '# a comment about localhost:9000 and "quotes"',
    'kubectl -n "$NS" port-forward svc/web-{i} 18{i}:80 &  # forward',
    'curl -fsS "http://localhost:${PORT}/healthz" -H "Host: shop.example.com" || echo \'failed # not a comment\'',
    'curl -s http://127.0.0.1:8080/api/v1/items?q=a#frag',
    'helm upgrade --install web-{i} ./charts/web -n $NS -f values/web-{i}.yaml --set image.tag=$(git rev-parse HEAD)',
    'kubectl label namespace "$NS" istio-injection=enabled --overwrite', 'docker run -d -p 127.0.0.1:50{i}:5000 registry:2',
    'docker push localhost:5001/app:dev', 'echo "waiting for `date` on $NS"; sleep 2',
    'if [ -z "$X" ]; then echo "x is #unset"; fi', 'cat <<EOF | kubectl apply -f -', 'apiVersion: v1',
    'kind: ConfigMap', 'metadata:', '  name: c{i}', 'EOF', 'kubectl apply -f k8s/ \\', '  --namespace "$NS" \\',
    '  --dry-run=client', 'cd "$(dirname "$0")/.." && pwd', 'pushd k8s >/dev/null', 'popd',
    'python3 -m http.server 86{i} &', 'nc -l -p 87{i} &', "awk '{print $1}' file | grep -v '#' > out.txt",
    'for i in 1 2 3; do curl -s "http://localhost:30{i}/x"; done',
    'VALUE=$(kubectl get svc web -o jsonpath="{.spec.ports[0].port}")',
]


def write_scripts(out: Path, count: int) -> None:
    shutil.copytree(BASE, out)
    dice = random.Random(7)
    (out / "scripts").mkdir(exist_ok=True)
    for number in range(count):
        body = ["#!/usr/bin/env bash", "set -euo pipefail"]
        body += [dice.choice(LINES).replace("{i}", str(dice.randint(1, 9))) for _ in range(38)]
        (out / "scripts" / f"s{number:03d}.sh").write_text("\n".join(body) + "\nEOF\n")


def write_charts(out: Path, count: int) -> None:
    shutil.copytree(BASE, out)
    for number in range(count):
        chart = out / "charts" / f"c{number:03d}"
        (chart / "templates").mkdir(parents=True)
        (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: c{number:03d}\nversion: 0.1.0\n")
        (chart / "values.yaml").write_text("replicas: 1\n")
        for name in ("deployment", "service", "configmap"):
            (chart / "templates" / f"{name}.yaml").write_text(
                f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{{{ .Release.Name }}}}-{name}\n")
    many = out / "k8s" / "many"
    many.mkdir(parents=True)
    for number in range(3 * count):
        (many / f"cm{number:04d}.yaml").write_text(
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{number}\n  namespace: shop\n")


def time_scripts(root: Path) -> None:
    texts = {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*.sh"))}
    paths = sorted(texts)
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(3):  # a plan's passes
            read_commands(read_scripts(paths, texts))
            for path in paths:
                text = texts[path]
                served_ports(text), injection_labelled(text), local_urls(text, path), forwarded_ports(text)
        runs.append(time.perf_counter() - start)
    lines = sum(t.count("\n") for t in texts.values())
    print(f"scripts: {len(paths)} scripts, {lines} lines, 3 passes: first {runs[0]:.3f}s, best {min(runs):.3f}s")


def time_discovery(root: Path) -> None:
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        inventory = discover(root)
        texts = {p: "" for p in (*inventory.yaml, *inventory.kustomizations, *inventory.scripts)}
        for _ in range(3):
            workspace = Workspace(root, dict(texts), inventory)
            workspace.yaml_files, workspace.scripts
        runs.append(time.perf_counter() - start)
    print(f"discovery: {len(texts)} files, {len(inventory.charts)} charts: best {min(runs):.3f}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--scripts", type=int, default=500)
    parser.add_argument("--charts", type=int, default=300)
    args = parser.parse_args()
    for name in ("scripts", "charts"):
        if (args.out / name).exists():
            shutil.rmtree(args.out / name)
    write_scripts(args.out / "scripts", args.scripts)
    write_charts(args.out / "charts", args.charts)
    time_scripts(args.out / "scripts")
    time_discovery(args.out / "charts")


if __name__ == "__main__":
    main()
