"""Shared test setup: where ../shared is, the --update-golden switch, and the Hypothesis profiles.

Hypothesis runs the "ci" profile unless HYPOTHESIS_PROFILE names another: derandomised (the
same examples every run, so a red build is the code's fault, not the dice's) and with no
example database (nothing is written to .hypothesis/, nothing replayed from an earlier run).
"fuzz" (`make fuzz`) explores at random with many examples; a failure it finds is printed
with a reproduction blob and belongs in an explicit @example.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, max_examples=100, deadline=None,
                          print_blob=True)
settings.register_profile("fuzz", derandomize=False, database=None, max_examples=2000, deadline=None,
                          print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    """../shared beside the clone, or PATCHER_SHARED when it lives elsewhere."""
    return Path(os.environ.get("PATCHER_SHARED", REPO.parent / "shared"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite expected trees and findings from the current output, for review")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def shared() -> Path:
    path = shared_dir()
    if not path.is_dir():
        pytest.skip(f"shared folder not found at {path} (set PATCHER_SHARED)")
    return path
