"""Entry points: the command lines of Taskfiles and PowerShell scripts (vars, dir, includes, continuation)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from patcher.entrypoints import Apply, HelmInstall
from patcher.entrypoints.commands import Paths, read_commands
from patcher.entrypoints.shell import read_scripts, script_lines
from patcher.scripts import local_urls

TASKFILE = """\
version: '3'
vars:
  NS: orbit
  BASE: overlays
  OVERLAY: '{{.BASE}}/lab'
  SHA:
    sh: git rev-parse HEAD
env:
  CHART: charts/web
tasks:
  up:
    dir: ops
    vars:
      NS: orbit-lab
    cmds:
      - kubectl apply -k ../{{.OVERLAY}} -n {{.NS}}
      - cmd: helm upgrade --install web ../$CHART -n {{.NS}}
      - task: smoke
      - defer: echo bye
  smoke: curl -fsS http://localhost:8081/healthz
  tag:
    cmds:
      - |
        kubectl apply \\
          -f k8s/{{.SHA}}.yaml
"""


def lines_of(texts: dict[str, str]):
    return [(l.file, l.line, l.text, l.cwd) for l in read_scripts(sorted(texts), texts)]


def test_taskfile_vars_env_dir_and_lines() -> None:
    assert lines_of({"Taskfile.yml": TASKFILE}) == [
        ("Taskfile.yml", 16, "kubectl apply -k ../overlays/lab -n orbit-lab", "ops"),
        ("Taskfile.yml", 17, "helm upgrade --install web ../charts/web -n orbit-lab", "ops"),
        ("Taskfile.yml", 20, "curl -fsS http://localhost:8081/healthz", ""),
        ("Taskfile.yml", 24, "kubectl apply    -f k8s/\x01{{.SHA}}\x01.yaml", ""),
    ]


def test_taskfile_records_and_an_sh_var_stays_unresolved() -> None:
    texts = {"Taskfile.yml": TASKFILE}
    exists = {"overlays/lab", "charts/web"}.__contains__
    found = read_commands(read_scripts(["Taskfile.yml"], texts), Paths(exists))
    assert found.applies == [Apply("Taskfile.yml", 16, ("overlays/lab",), kustomize=True, namespace="orbit-lab"),
                             Apply("Taskfile.yml", 24, (), remote=("k8s/{{.SHA}}.yaml",))]
    assert found.helm == [HelmInstall("Taskfile.yml", 17, "web", "../charts/web", "orbit-lab", cwd="ops")]


def test_an_included_taskfile_is_read_once_in_the_folder_the_include_gives() -> None:
    texts = {
        "Taskfile.yaml": "version: '3'\nincludes:\n  db:\n    taskfile: ./db\n    dir: ./db\n  web: web/Taskfile.yml\n",
        "db/Taskfile.yml": "version: '3'\ntasks:\n  up:\n    cmds:\n      - kubectl apply -f pg.yaml\n",
        "web/Taskfile.yml": "version: '3'\ntasks:\n  up:\n    cmds:\n      - kubectl apply -f web/k8s\n",
    }
    assert lines_of(texts) == [("db/Taskfile.yml", 5, "kubectl apply -f pg.yaml", "db"),
                               ("web/Taskfile.yml", 5, "kubectl apply -f web/k8s", "")]


def test_a_taskfile_that_is_not_yaml_gives_no_lines() -> None:
    assert lines_of({"Taskfile.yml": "tasks: [unclosed\n"}) == []


def test_taskfile_curl_is_a_local_url_with_its_own_line_and_column() -> None:
    [url] = local_urls(TASKFILE, "Taskfile.yml")
    assert (url.line, url.column, url.port) == (20, 20, 8081)


def test_a_taskfile_image_push_is_not_a_url() -> None:
    assert local_urls("tasks:\n  push:\n    cmds:\n      - docker push localhost:5001/web:dev\n", "Taskfile.yml") == []


PS1 = """\
# deploy to the lab
$Namespace = "orbit"
$env:OVERLAY = 'overlays\\lab'
<# a block comment
kubectl apply -f ignored.yaml
#>
Set-Location $PSScriptRoot\\..
kubectl apply -k $env:OVERLAY `
  -n ${Namespace}   # the lab namespace
helm upgrade --install web .\\charts\\web -n $Namespace
Set-Location $Elsewhere
kubectl apply -f k8s\\app.yaml
"""


def test_powershell_assignments_continuation_and_set_location() -> None:
    assert [(l.line, l.text, l.cwd) for l in script_lines("ops/deploy.ps1", PS1)] == [
        (7, "Set-Location @repo@/ops/..", "ops"),
        (8, "kubectl apply -k overlays/lab    -n orbit   ", ""),
        (10, "helm upgrade --install web ./charts/web -n orbit", ""),
        (11, "Set-Location $Elsewhere", ""),
        (12, "kubectl apply -f k8s/app.yaml", None),
    ]


def test_powershell_records() -> None:
    found = read_commands(script_lines("ops/deploy.ps1", PS1), Paths({"overlays/lab"}.__contains__))
    assert found.applies == [Apply("ops/deploy.ps1", 8, ("overlays/lab",), kustomize=True, namespace="orbit"),
                             Apply("ops/deploy.ps1", 12, (), remote=("k8s/app.yaml",))]
    assert [(h.release, h.chart, h.namespace, h.cwd) for h in found.helm] == [("web", "./charts/web", "orbit", "")]


def test_discovery_reads_taskfiles_as_yaml_and_scripts_and_ps1_as_scripts(tmp_path) -> None:
    from patcher.discover import discover
    from patcher.plan import load_workspace

    for name in ("Taskfile.yml", "ops/db.Taskfile.yml", "ops/up.ps1", "ops/notes.yml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("version: '3'\n" if name.endswith(".yml") else "kubectl apply -f k8s\n")
    inventory = discover(tmp_path)
    assert (inventory.yaml, inventory.scripts) == (("Taskfile.yml", "ops/db.Taskfile.yml", "ops/notes.yml"),
                                                   ("Taskfile.yml", "ops/db.Taskfile.yml", "ops/up.ps1"))
    workspace, diagnostics = load_workspace(tmp_path)
    assert (sorted(workspace.texts), diagnostics) == (
        ["Taskfile.yml", "ops/db.Taskfile.yml", "ops/notes.yml", "ops/up.ps1"], [])


def test_taskfiles_that_include_each_other_are_each_read_once() -> None:
    texts = {"a/Taskfile.yml": "includes: {b: ../b}\ntasks:\n  up:\n    cmds: kubectl apply -f a.yaml\n",
             "b/Taskfile.yml": "includes: {a: ../a}\ntasks:\n  up: kubectl apply -f b.yaml\n"}
    assert lines_of(texts) == [("a/Taskfile.yml", 4, "kubectl apply -f a.yaml", "a"),
                               # included without a dir: run in the folder of the Taskfile that includes it
                               ("b/Taskfile.yml", 3, "kubectl apply -f b.yaml", "a")]


def test_strange_taskfiles_give_no_lines_and_no_crash() -> None:
    for text in ("[]\n", "tasks: [a, b]\n", "tasks:\n  up:\n    cmds: {task: x}\n", "tasks:\n  up: 3\n",
                 "vars: [1]\nenv: 2\nincludes: [x]\ntasks:\n  up:\n    dir: [x]\n    cmds: [[1], {cmd: 2}]\n"):
        assert lines_of({"Taskfile.yml": text}) == []


WORDS = ["kubectl", "apply", "create", "-f", "-k", "-n", "-R", "-", "|", "&&", ";", "(", ")", "$(", "`", "'", '"',
         "\\", "`\n", "<<EOF", "EOF", "\n", "cd", "pushd", "popd", "helm", "install", "--set", "a=b,c", "istioctl",
         "kind", "create", "cluster", "--config", "patch", "svc", "-p", "{", "}", "{{.X}}", "$X", "${X:-y}",
         "port-forward", "svc/x", "80:8080", "label", "ns", "k=v", "k-", "X=1", "kustomize", "build", "cat", "<",
         "tasks:", "  up:", "    cmds:", "      - ", "includes:", "vars:", "dir:", "\t", "#", "Set-Location", "$env:X"]


@given(st.lists(st.sampled_from(WORDS), max_size=40), st.sampled_from(["s.sh", "Makefile", "s.ps1", "Taskfile.yml"]))
def test_any_script_is_read_without_a_crash(words: list[str], path: str) -> None:
    text = " ".join(words)
    read_commands(read_scripts([path], {path: text}), Paths(lambda p: True, lambda p: "spec: {}\n"))
