"""CI runs Hypothesis the same way every time: derandomised, with no example database."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings


@pytest.mark.skipif(os.environ.get("HYPOTHESIS_PROFILE", "ci") != "ci", reason="another profile was asked for")
def test_the_ci_profile_is_the_default():
    active = settings()
    assert active.derandomize is True
    assert active.database is None
    assert active.deadline is None
    assert active.max_examples == 100


def test_the_fuzz_profile_explores_at_random():
    fuzz = settings.get_profile("fuzz")
    assert (fuzz.derandomize, fuzz.database, fuzz.max_examples) == (False, None, 2000)
