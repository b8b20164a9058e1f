"""Istio/protobuf durations ("30s", "1.5s", "250ms", "1m", "2h") to seconds and back."""

from __future__ import annotations

import re

UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
PART = re.compile(r"(\d+(?:\.\d+)?)(h|ms|us|µs|ns|m|s)")


def seconds(text: str) -> float | None:
    """Seconds in a duration, or None when the text is not one."""
    text = text.strip()
    parts = PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(float(n) * UNITS[u] for n, u in parts)


def duration(value: float) -> str:
    """The shortest exact spelling: whole seconds as "10s", else milliseconds."""
    if value >= 1 and float(value).is_integer():
        return f"{int(value)}s"
    return f"{round(value * 1000)}ms"
