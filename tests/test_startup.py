"""`patcher --help` stays quick: the command line imports the analysis only when a command runs.

Each check runs in a fresh interpreter, since this one has imported everything already. They
assert which modules are loaded, not how long it took, so they cannot flake on a busy machine.
"""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("patcher.model", "patcher.analyse", "patcher.plan", "patcher.emit", "patcher.commands", "deepdiff",
         "kubernetes_validate", "helm_python", "ruamel", "pydantic", "jsonschema", "yaml")


def _loaded(code: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", f"import sys\n{code}\n"
                           f"print(sorted(m for m in sys.modules if m.startswith({HEAVY!r})))"],
                          capture_output=True, text=True, check=True)
    return eval(done.stdout.strip().splitlines()[-1])


def _help(*argv: str) -> str:
    return (f"sys.argv = ['patcher', *{list(argv)!r}]\nfrom patcher.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass")


def test_importing_the_command_line_imports_no_analysis() -> None:
    assert _loaded("import patcher.cli") == []


def test_help_and_version_import_no_analysis_nor_pydantic() -> None:
    # typer would build a pydantic coercion for the group's unset flags (patcher.cli._Group)
    for argv in (["--help"], ["plan", "--help"], ["rule", "--help"], ["--version"]):
        assert _loaded(_help(*argv)) == [], argv


def test_a_command_still_imports_what_it_needs() -> None:
    assert "patcher.plan" in _loaded(_help("rules"))
