"""Writing a plan: atomic, mode-preserving, all or nothing, and never over a file that changed."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import patcher.writer
from helpers import copy_tree, plan, read_tree
from patcher.plan import FileChange
from patcher.source import PatcherError
from patcher.writer import write_changes

BASE = Path(__file__).resolve().parent.parent / "base"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _tree(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob("*.patcher"))


def test_writes_exact_bytes_creates_and_deletes(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"a.yaml": b"a: 1\n", "crlf.yaml": b"\xef\xbb\xbfx: 1\r\n", "gone.yaml": b"g: 1"})
    write_changes(root, [
        FileChange("a.yaml", "a: 1\n", "a: 2\nb: 3"),
        FileChange("crlf.yaml", "\ufeffx: 1\r\n", "\ufeffx: 1\r\ny: 2\r\n"),
        FileChange("gone.yaml", "g: 1", None),
        FileChange("deep/new/dir/p.yaml", None, "kind: NetworkPolicy\n"),
    ])
    assert read_tree(root) == {
        "a.yaml": b"a: 2\nb: 3",
        "crlf.yaml": b"\xef\xbb\xbfx: 1\r\ny: 2\r\n",
        "deep/new/dir/p.yaml": b"kind: NetworkPolicy\n",
    }
    assert _leftovers(root) == []


def test_write_replaces_the_file_instead_of_truncating_it(tmp_path: Path) -> None:
    # a reader that opened the file before the write sees the whole old text, never a mix
    root = _tree(tmp_path, {"a.yaml": b"old: text\n"})
    with open(root / "a.yaml", "rb") as reader:
        write_changes(root, [FileChange("a.yaml", "old: text\n", "new: text\n")])
        assert reader.read() == b"old: text\n"
    assert (root / "a.yaml").read_bytes() == b"new: text\n"


def test_failed_rename_leaves_the_original_and_no_temp_file(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path, {"a.yaml": b"a: 1\n"})

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device", str(dst))

    monkeypatch.setattr(patcher.writer.os, "replace", broken_replace)
    with pytest.raises(PatcherError) as info:
        write_changes(root, [FileChange("a.yaml", "a: 1\n", "a: 2\n")])
    assert "nothing changed" in info.value.message
    assert info.value.file == "a.yaml"
    assert read_tree(root) == {"a.yaml": b"a: 1\n"}
    assert _leftovers(root) == []


@pytest.mark.parametrize("mode", [0o755, 0o640, 0o600])
def test_preserves_file_mode(tmp_path: Path, mode: int) -> None:
    root = _tree(tmp_path, {"run.sh": b"#!/bin/sh\necho a\n"})
    os.chmod(root / "run.sh", mode)
    write_changes(root, [FileChange("run.sh", "#!/bin/sh\necho a\n", "#!/bin/sh\necho b\n")])
    assert (root / "run.sh").read_bytes() == b"#!/bin/sh\necho b\n"
    assert _mode(root / "run.sh") == mode


def test_created_file_mode_follows_umask(tmp_path: Path) -> None:
    write_changes(tmp_path, [FileChange("k8s/network-policies.yaml", None, "kind: NetworkPolicy\n")])
    assert _mode(tmp_path / "k8s/network-policies.yaml") == 0o666 & ~_umask()


def test_refuses_when_a_target_changed_on_disk_after_planning(tmp_path: Path) -> None:
    repo = copy_tree(BASE, tmp_path / "repo")
    result = plan(repo)
    assert "k8s/istio/virtual-services/app-vs.yaml" in [c.path for c in result.changes]
    edited = repo / "k8s/istio/virtual-services/app-vs.yaml"
    edited.write_bytes(edited.read_bytes() + b"# edited by hand meanwhile\n")
    before = read_tree(repo)
    with pytest.raises(PatcherError) as info:
        write_changes(repo, result.changes)
    assert info.value.file == "k8s/istio/virtual-services/app-vs.yaml"
    assert "changed on disk" in info.value.message
    assert "nothing was written" in info.value.hint
    assert read_tree(repo) == before  # not even the files planned before it


def test_refuses_a_read_only_file(tmp_path: Path) -> None:
    # tests run as root, who could write it anyway: the mode itself must stop patcher
    root = _tree(tmp_path, {"a.yaml": b"a: 1\n", "locked.yaml": b"l: 1\n"})
    os.chmod(root / "locked.yaml", 0o444)
    with pytest.raises(PatcherError) as info:
        write_changes(root, [FileChange("a.yaml", "a: 1\n", "a: 2\n"), FileChange("locked.yaml", "l: 1\n", "l: 2\n")])
    assert info.value.file == "locked.yaml"
    assert "read-only" in info.value.message
    assert read_tree(root) == {"a.yaml": b"a: 1\n", "locked.yaml": b"l: 1\n"}
    assert _mode(root / "locked.yaml") == 0o444


def test_refuses_when_a_file_to_create_appeared(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"a.yaml": b"a: 1\n", "new.yaml": b"someone: else\n"})
    with pytest.raises(PatcherError) as info:
        write_changes(root, [FileChange("a.yaml", "a: 1\n", "a: 2\n"), FileChange("new.yaml", None, "n: 1\n")])
    assert info.value.file == "new.yaml"
    assert "appeared on disk" in info.value.message
    assert read_tree(root) == {"a.yaml": b"a: 1\n", "new.yaml": b"someone: else\n"}


def test_refuses_when_a_file_to_delete_changed(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"old.yaml": b"x: 2\n"})
    with pytest.raises(PatcherError) as info:
        write_changes(root, [FileChange("old.yaml", "x: 1\n", None)])
    assert (info.value.file, "changed on disk" in info.value.message) == ("old.yaml", True)
    assert read_tree(root) == {"old.yaml": b"x: 2\n"}


def test_refuses_when_a_planned_file_vanished(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"a.yaml": b"a: 1\n"})
    with pytest.raises(PatcherError) as info:
        write_changes(root, [FileChange("a.yaml", "a: 1\n", "a: 2\n"), FileChange("b.yaml", "b: 1\n", "b: 2\n")])
    assert info.value.file == "b.yaml"
    assert read_tree(root) == {"a.yaml": b"a: 1\n"}


def _fail_on_call(monkeypatch: pytest.MonkeyPatch, failing_call: int) -> list[Path]:
    """Make the n-th temporary file fail to be written; later ones (the rollback's) work."""
    real = patcher.writer._stage
    calls: list[Path] = []

    def flaky(path: Path, data: bytes, *args, **kwargs) -> None:
        calls.append(path)
        if len(calls) == failing_call:
            raise OSError(13, "Permission denied", str(path))
        return real(path, data, *args, **kwargs)

    monkeypatch.setattr(patcher.writer, "_stage", flaky)
    return calls


def test_all_or_nothing_when_a_write_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {"1-first.yaml": b"first: 1\r\n", "3-deleted.yaml": b"d: 1", "4-fails.yaml": b"f: 1\n",
             "5-later.yaml": b"l: 1\n"}
    root = _tree(tmp_path, files)
    os.chmod(root / "1-first.yaml", 0o751)
    changes = [
        FileChange("1-first.yaml", "first: 1\r\n", "first: 2\r\n"),
        FileChange("2-created/new.yaml", None, "n: 1\n"),
        FileChange("3-deleted.yaml", "d: 1", None),
        FileChange("4-fails.yaml", "f: 1\n", "f: 2\n"),
        FileChange("5-later.yaml", "l: 1\n", "l: 2\n"),
    ]
    _fail_on_call(monkeypatch, 3)  # 1-first, 2-created, then 4-fails (deleting is not a write)
    with pytest.raises(PatcherError) as info:
        write_changes(root, changes)
    error = info.value
    assert "nothing changed" in error.message
    assert "Permission denied" in error.message
    assert error.file == "4-fails.yaml"
    assert read_tree(root) == files  # restored byte for byte; the created file is gone
    assert _mode(root / "1-first.yaml") == 0o751
    assert _leftovers(root) == []


def test_rollback_on_the_second_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {"a.yaml": b"a: 1\n", "b.yaml": b"b: 1\n"}
    root = _tree(tmp_path, files)
    calls = _fail_on_call(monkeypatch, 2)
    with pytest.raises(PatcherError, match="nothing changed"):
        write_changes(root, [FileChange("a.yaml", "a: 1\n", "a: 2\n"), FileChange("b.yaml", "b: 1\n", "b: 2\n")])
    assert read_tree(root) == files
    assert [p.name for p in calls] == ["a.yaml", "b.yaml"]  # nothing was replaced, so nothing is restored


def test_rollback_restores_a_deleted_file_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path, {"old.sh": b"#!/bin/sh\n", "b.yaml": b"b: 1\n"})
    os.chmod(root / "old.sh", 0o755)
    _fail_on_call(monkeypatch, 1)
    with pytest.raises(PatcherError):
        write_changes(root, [FileChange("old.sh", "#!/bin/sh\n", None), FileChange("b.yaml", "b: 1\n", "b: 2\n")])
    assert (root / "old.sh").read_bytes() == b"#!/bin/sh\n"
    assert _mode(root / "old.sh") == 0o755


def test_refuses_to_write_through_a_symlink(tmp_path: Path) -> None:
    root = _tree(tmp_path / "repo", {"real/values.yaml": b"replicas: 1\n", "a.yaml": b"a: 1\n"})
    outside = _tree(tmp_path / "outside", {"secret.yaml": b"s: 1\n"})
    (root / "link.yaml").symlink_to(outside / "secret.yaml")
    (root / "values.yaml").symlink_to("real/values.yaml")
    for change in (FileChange("link.yaml", "s: 1\n", "s: 2\n"),
                   FileChange("values.yaml", "replicas: 1\n", "replicas: 2\n"),
                   FileChange("values.yaml", "replicas: 1\n", None)):
        with pytest.raises(PatcherError) as info:
            write_changes(root, [FileChange("a.yaml", "a: 1\n", "a: 2\n"), change])
        assert info.value.file == change.path
        assert "symbolic link" in info.value.message
        assert (root / change.path).is_symlink()
    assert (outside / "secret.yaml").read_bytes() == b"s: 1\n"
    assert (root / "real/values.yaml").read_bytes() == b"replicas: 1\n"
    assert (root / "a.yaml").read_bytes() == b"a: 1\n"


def test_apply_of_a_whole_plan_matches_the_plan(tmp_path: Path) -> None:
    repo = copy_tree(BASE, tmp_path / "repo")
    result = plan(repo)
    before = read_tree(repo)
    write_changes(repo, result.changes)
    after = read_tree(repo)
    for change in result.changes:
        if change.new is None:
            assert change.path not in after
        else:
            assert after[change.path] == change.new.encode("utf-8")
    untouched = set(before) - {c.path for c in result.changes}
    assert {p: after[p] for p in untouched} == {p: before[p] for p in untouched}
    assert _leftovers(repo) == []
