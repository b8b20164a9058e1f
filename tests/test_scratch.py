"""Where scratch copies go (patcher.scratch): memory-backed /dev/shm unless the user chose a
temporary folder, as the README says."""

from __future__ import annotations

import os
import tempfile

import pytest

from patcher import scratch


@pytest.mark.skipif(not os.access(scratch.SHM, os.W_OK), reason="needs a writable /dev/shm")
def test_without_a_chosen_folder_copies_go_to_dev_shm(monkeypatch) -> None:
    monkeypatch.delenv("TMPDIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", None)
    assert scratch.folder() == "/dev/shm"
    with scratch.directory("patcher-test-") as made:
        assert os.path.dirname(made) == "/dev/shm"
    assert not os.path.exists(made)


def test_tmpdir_is_honoured(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    assert scratch.folder() == str(tmp_path)
    with scratch.directory("patcher-test-") as made:
        assert os.path.dirname(made) == str(tmp_path)


def test_a_folder_set_in_python_is_honoured(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("TMPDIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert scratch.folder() == str(tmp_path)
