"""What `patcher pr` prints: each pull request (title, body and diff on a dry run), then a table
of what happened to each; or all of it as JSON."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

from patcher.pr.secrets import redact


def show(out: Console, err: Console, format: str, dry_run: bool, clone, proposed, others) -> None:
    if format == "json":
        out.out(redact(json.dumps(_json(dry_run, clone, proposed, others), indent=2)), highlight=False)
        return
    for note in clone.notes + proposed.notes:
        err.print(f"note: {redact(note)}", markup=False, soft_wrap=True)
    if dry_run:
        for proposal in proposed.proposals:
            rule = "─" * 8
            count = len(proposal.built.commits)
            out.print(f"{rule} {proposal.branch} -> {proposal.base} ({count} commit{'s' if count != 1 else ''}) {rule}",
                      markup=False, soft_wrap=True)
            out.print(f"title: {proposal.text.title}\n", markup=False, soft_wrap=True)
            out.print(redact(proposal.text.body), markup=False, soft_wrap=True)
            out.print("commits:", markup=False)
            for commit in proposal.built.commits:
                out.print(f"  {commit.sha[:12]} {commit.subject}", markup=False, soft_wrap=True)
            if proposal.diff not in proposal.text.body:  # the body summarised it: shown here in full
                out.print("", markup=False)
                out.print(redact(proposal.diff), markup=False, soft_wrap=True, end="")
            out.print("", markup=False)
    if not proposed.proposals and not others:
        out.print(f"nothing to propose: no fix for {clone.base} ({clone.base_sha[:12]})", markup=False)
        return
    table = Table(title=None, show_edge=False, pad_edge=False)
    for column in ("status", "branch", "base", "commits", "pull request"):
        table.add_column(column, no_wrap=column != "pull request", overflow="fold")
    for proposal in proposed.proposals:
        shown = proposal.url or (f"#{proposal.number}" if proposal.number else "-")
        table.add_row(proposal.status, proposal.branch, proposal.base, str(len(proposal.built.commits)), shown)
    for other in others:
        table.add_row(other.status, other.branch, clone.base, "-", other.url or f"#{other.number}")
    # a terminal's own width; piped, wide enough that a branch name or URL is never folded
    wide = out if out.is_terminal else Console(file=out.file, width=max(out.width, 200), highlight=False)
    wide.print(table)
    for proposal in proposed.proposals:
        if proposal.error:
            err.print(f"error: {proposal.branch}: {redact(proposal.error)}", markup=False, soft_wrap=True)
    for other in others:
        err.print(f"{other.status}: {other.branch} (#{other.number}): {other.note}", markup=False, soft_wrap=True)


def _json(dry_run: bool, clone, proposed, others) -> dict:
    return {
        "base": clone.base, "base_sha": clone.base_sha, "dry_run": dry_run,
        "notes": clone.notes + proposed.notes,
        "pull_requests": [{
            "status": p.status, "branch": p.branch, "base": p.base, "stacked_on": p.stacked_on, "stacked_because": p.built.why or None,
            "title": p.text.title, "url": p.url or None, "number": p.number, "head": p.built.tip,
            "commits": [{"sha": c.sha, "subject": c.subject, "rule": c.step.finding.rule,
                         "files": list(c.files)} for c in p.built.commits],
            "files": p.files, "error": p.error or None,
            **({"body": p.text.body, "diff": p.diff} if dry_run else {}),
        } for p in proposed.proposals],
        "other_pull_requests": [{"status": o.status, "branch": o.branch, "number": o.number, "url": o.url,
                                 "note": o.note} for o in others],
    }
