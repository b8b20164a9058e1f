"""Whether a plan reuses what earlier passes built (the default) or rebuilds everything.

``PATCHER_INCREMENTAL=0`` builds every kustomization root whole and every fix pass's
model from nothing: slower, and the reference the incremental loop is tested against.
"""

from __future__ import annotations

import os

ENV = "PATCHER_INCREMENTAL"


def enabled() -> bool:
    return os.environ.get(ENV, "1") != "0"
