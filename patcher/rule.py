"""What a rule module declares, and what its ``check`` receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from patcher.config import Config
from patcher.findings import Severity
from patcher.model import Model
from patcher.topology import Topology


@dataclass(frozen=True)
class RuleInfo:
    id: str  # family/bad-pattern, e.g. istio/route-without-timeout
    severity: Severity
    summary: str
    fixable: bool
    options: dict[str, Any] = field(default_factory=dict)  # settings the rule reads, with defaults
    default_enabled: bool = True  # False: runs only when selected (--rule, or `enable` in the settings)
    derived: bool = False  # its fix writes policy derived from the routing: applied after routing fixes
    # when its fix is labelled safe (applied by default) and when unsafe (--unsafe-fixes)
    safety: str = ""


@dataclass(frozen=True)
class Context:
    """The read-only view a rule checks: the model, its topology and the settings."""

    model: Model
    topology: Topology
    config: Config
