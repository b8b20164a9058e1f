"""What placing one change gives: edits, or why there are none."""

from __future__ import annotations

from dataclasses import dataclass

from patcher.edits import Edit


@dataclass(frozen=True)
class Placed:
    """Edits for one change, or why it has none (``refused``); ``downgrade`` is why the
    edits may only be shown (a generated file no entry point deploys)."""

    edits: tuple[Edit, ...] = ()
    refused: str = ""
    downgrade: str = ""
    where: str = ""  # the file a generated resource goes to, named in the fix's title
    # edits that make an entry point deploy a generated file (its kustomization entry): one fix
    # creating several resources in one file lists that file once
    registration: tuple[Edit, ...] = ()
    note: str = ""  # what the proof of the edits rests on (sentences), added to the fix's reason


class Refused(Exception):
    """A change that has no place in the files: the message says why."""
