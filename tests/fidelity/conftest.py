"""Prints the corpus pass rates at the end of the session, with or without -s."""

from __future__ import annotations

import pytest

_RATES = pytest.StashKey[list]()


@pytest.fixture
def report(request):
    """Call with lines of text to show in the terminal summary."""
    lines = request.config.stash.setdefault(_RATES, [])
    return lines.extend


def pytest_terminal_summary(terminalreporter, config):
    lines = config.stash.get(_RATES, [])
    if lines:
        terminalreporter.section("yamledit corpus fidelity")
        for line in lines:
            terminalreporter.write_line(line)
