"""`patcher overlay` on the command line: exit codes, what it says, which folders it writes into."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from helpers import copy_tree, read_tree
from patcher.cli import app

ROOT = Path(__file__).resolve().parents[1]
REPOS = ROOT / "tests" / "repos"


def invoke(*args) -> object:
    return CliRunner().invoke(app, ["overlay", *map(str, args)])


def test_writes_the_overlay_exits_1_and_leaves_the_repository_alone(tmp_path: Path) -> None:
    repo = copy_tree(REPOS / "ep-taskfile", tmp_path / "repo")
    before = read_tree(repo)
    result = invoke(repo, "--out", tmp_path / "ov")
    assert result.exit_code == 1, result.stderr
    assert read_tree(repo) == before
    assert sorted(read_tree(tmp_path / "ov")) == [
        "README.md", "generated/02-destinationrule-books-ledger.yaml", "kustomization.yaml",
        "patches/01-istio-route-without-timeout-virtualservice-ledger-routes.yaml"]
    assert result.stderr.endswith(f"overlay: 4 files written to {tmp_path / 'ov'}\n")
    kustomization = (tmp_path / "ov" / "kustomization.yaml").read_text()
    assert "  - ../repo/manifests/base\n" in kustomization


def test_lists_what_an_overlay_cannot_carry(tmp_path: Path) -> None:
    repo = copy_tree(ROOT / "base", tmp_path / "repo")
    result = invoke(repo, "--out", tmp_path / "ov")
    assert result.exit_code == 1, result.stderr
    readme = (tmp_path / "ov" / "README.md").read_text()
    for line in (f"- `patcher apply --rule script/url-unmapped-port {repo}`",
                 f"- `patcher apply --rule kind/unmapped-gateway-port {repo}` (it also writes in place the "
                 "resource changes this overlay carries)",
                 "  - k8s/istio/gateway.yaml:39:9: edits k8s/kind-config.yaml",
                 "  - scripts/07-test-api-endpoints.sh:5:11: rewrites scripts/07-test-api-endpoints.sh:5"):
        assert line + "\n" in readme
        assert line + "\n" in result.stderr


def test_nothing_to_write_exits_0(tmp_path: Path) -> None:
    repo = copy_tree(REPOS / "ep-argo", tmp_path / "repo")
    result = invoke(repo, "--out", tmp_path / "ov")
    assert result.exit_code == 0, result.stderr
    assert "nothing was written" in result.stderr
    assert not (tmp_path / "ov").exists()


def test_a_folder_with_other_files_is_refused_without_force(tmp_path: Path) -> None:
    repo = copy_tree(REPOS / "ep-taskfile", tmp_path / "repo")
    out = tmp_path / "ov"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n")
    refused = invoke(repo, "--out", out)
    assert refused.exit_code == 2
    assert refused.stderr == (f"error: {out} is not empty and is not an overlay patcher wrote\n"
                              "  hint: give an empty or new folder, or --force to write into it anyway\n")
    assert read_tree(out) == {"notes.txt": b"mine\n"}
    forced = invoke(repo, "--out", out, "--force")
    assert forced.exit_code == 1, forced.stderr
    assert (out / "notes.txt").read_text() == "mine\n"
    assert (out / "kustomization.yaml").is_file()


def test_a_previous_overlay_is_replaced_without_stale_patches(tmp_path: Path) -> None:
    repo = copy_tree(REPOS / "ep-taskfile", tmp_path / "repo")
    out = tmp_path / "ov"
    assert invoke(repo, "--out", out).exit_code == 1
    first = read_tree(out)
    (out / "patches" / "99-stale.yaml").write_text("- op: test\n")
    again = invoke(repo, "--out", out)
    assert again.exit_code == 1, again.stderr
    assert read_tree(out) == first


def test_one_of_out_or_post_renderer(tmp_path: Path) -> None:
    for args in ((), ("--out", tmp_path / "a", "--post-renderer", tmp_path / "b")):
        result = invoke(tmp_path, *args)
        assert result.exit_code == 2
        assert result.stderr.startswith("error: give one of --out DIR or --post-renderer DIR\n")


def test_no_kustomization_is_an_error_naming_the_files(tmp_path: Path) -> None:
    repo = copy_tree(REPOS / "fn-env-ns", tmp_path / "repo")
    result = invoke(repo, "--out", tmp_path / "ov")
    assert result.exit_code == 2
    assert result.stderr == ("error: the repository has no kustomization for an overlay to point at\n"
                             "  hint: a kustomization.yaml listing manifests/edge/gateway.yaml would let the "
                             "overlay patch them; or `patcher apply` fixes them in place\n")
    assert not (tmp_path / "ov").exists()


def test_a_resource_written_into_a_chart_is_listed_with_its_chart(tmp_path: Path) -> None:
    repo = copy_tree(REPOS / "hm-umbrella", tmp_path / "repo")
    result = invoke(repo, "--out", tmp_path / "ov")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.endswith(
        f"- `patcher apply --rule istio/destination-without-circuit-breaker {repo}`\n"
        "  - platform/umbrella/charts/ledger/templates/ledger.yaml:25:1: writes "
        "platform/umbrella/templates/destination-rules.yaml, in chart platform/umbrella (Helm renders it)\n"
        "  - services/quotes-svc/templates/service.yaml:1:1: writes "
        "platform/umbrella/templates/destination-rules.yaml, in chart platform/umbrella (Helm renders it)\n"
        "\nno fix changes a Kubernetes resource an overlay can patch: nothing was written\n")
    assert not (tmp_path / "ov").exists()


def test_a_previous_overlay_with_nothing_left_to_carry_is_removed(tmp_path: Path) -> None:
    repo = copy_tree(REPOS / "ep-taskfile", tmp_path / "repo")
    out = tmp_path / "ov"
    assert invoke(repo, "--out", out).exit_code == 1
    (out / "mine.txt").write_text("kept\n")
    result = invoke(repo, "--out", out, "--rule", "istio/route-to-missing-service")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.endswith("nothing was written; the previous overlay's files in "
                                  f"{out} were removed\n")
    assert read_tree(out) == {"mine.txt": b"kept\n"}
