"""Pushing the branches and opening or updating their pull requests, idempotently.

All branches that changed go in one atomic push, each with a lease on the commit the remote had
when the run looked (a branch someone pushed to since is not overwritten). Then, parents before the
pull requests stacked on them, each branch's open pull request is found and edited (title, body,
base) when it differs, or one is opened, labelled and given reviewers. A pull request whose branch
no longer has a fix is reported as stale, and closed only when asked. A failure half-way leaves
branches pushed and pull requests partly made: a second run finds them and finishes the work.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from patcher.pr.clone import Clone
from patcher.pr.github import GitHub, GitHubError
from patcher.pr.proposals import Proposal
from patcher.pr.units import PREFIX, rule_of_branch
from patcher.source import PatcherError

OPENED, UPDATED, UNCHANGED, STALE, CLOSED, MERGED, FAILED = (
    "opened", "updated", "unchanged", "stale", "closed", "merged", "failed")
WOULD_OPEN, WOULD_UPDATE = "would-open", "would-update"


@dataclass
class Other:
    """A pull request of patcher's that this run has no fix for."""

    branch: str
    status: str  # stale, closed, merged
    url: str
    number: int
    note: str


@dataclass
class Settings:
    labels: list[str] = field(default_factory=list)
    reviewers: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    draft: bool = False
    close_stale: bool = False


def dry_statuses(clone: Clone, proposals: list[Proposal]) -> None:
    for proposal in proposals:
        remote = clone.remote_branches.get(proposal.branch)
        proposal.status = WOULD_OPEN if remote is None else (UNCHANGED if remote == proposal.built.tip else WOULD_UPDATE)


def push(clone: Clone, proposals: list[Proposal]) -> set[str]:
    """Push the branches that differ from the remote's; the names pushed."""
    specs, pushed = [], set()
    for proposal in proposals:
        remote = clone.remote_branches.get(proposal.branch)
        if remote == proposal.built.tip:
            continue
        specs += [f"--force-with-lease=refs/heads/{proposal.branch}:{remote or ''}",
                  f"{proposal.built.tip}:refs/heads/{proposal.branch}"]
        pushed.add(proposal.branch)
    if specs:
        leases = [s for s in specs if s.startswith("--")]
        refs = [s for s in specs if not s.startswith("--")]
        clone.git.run("push", "--quiet", "--atomic", "--no-verify", *leases, clone.url, *refs)
    return pushed


def publish(api: GitHub, clone: Clone, proposals: list[Proposal], pushed: set[str], settings: Settings,
            selected: set[str]) -> list[Other]:
    existing = [p for p in api.pulls("all") if str(p.get("head", {}).get("ref", "")).startswith(PREFIX)]
    latest: dict[str, dict] = {}
    for pull in sorted(existing, key=lambda p: p["number"]):
        ref = pull["head"]["ref"]
        if ref not in latest or pull["state"] == "open" or latest[ref]["state"] != "open":
            latest[ref] = pull
    numbers: dict[str, int] = {}
    for proposal in proposals:
        try:
            if proposal.branch not in latest:  # older than the pages listed: asked for by its branch
                found = api.pulls("all", head=proposal.branch, limit_pages=1)
                if found:
                    latest[proposal.branch] = max(found, key=lambda p: (p["state"] == "open", p["number"]))
            _one(api, proposal, latest.get(proposal.branch), proposal.branch in pushed, settings, numbers)
        except GitHubError as exc:
            proposal.status, proposal.error = FAILED, str(exc)
    planned = {p.branch for p in proposals}
    return [o for o in (_other(api, pull, settings, clone) for ref, pull in sorted(latest.items())
                        if ref not in planned and rule_of_branch(ref) in selected) if o is not None]


def _one(api: GitHub, proposal: Proposal, pull: dict | None, pushed: bool, settings: Settings,
         numbers: dict[str, int]) -> None:
    if proposal.stacked_on in numbers:
        proposal.linked(numbers[proposal.stacked_on])
    title, body = proposal.text.title, proposal.text.body
    if pull is not None and pull.get("state") == "open":
        wanted = {k: v for k, v in (("title", title), ("body", body), ("base", proposal.base))
                  if (pull["base"]["ref"] if k == "base" else pull.get(k) or "") != v}
        if wanted:
            pull = api.update(pull["number"], **wanted)
        proposal.status = UPDATED if wanted or pushed else UNCHANGED
    else:
        try:
            pull = api.create(title, proposal.branch, proposal.base, body, settings.draft)
        except GitHubError as exc:
            # opened meanwhile (by a run that failed before it could say so): edited instead
            opened = api.pulls("open", head=proposal.branch, limit_pages=1) if exc.status == 422 else []
            if not opened or "already exists" not in str(exc):
                raise
            _one(api, proposal, opened[0], pushed, settings, numbers)
            return
        proposal.status = OPENED
        if settings.labels:
            api.add_labels(pull["number"], settings.labels)
        if settings.reviewers or settings.teams:
            api.request_reviewers(pull["number"], settings.reviewers, settings.teams)
    if proposal.status != OPENED and settings.labels:
        have = {l.get("name") for l in pull.get("labels", [])}
        missing = [l for l in settings.labels if l not in have]
        if missing:
            api.add_labels(pull["number"], missing)
    proposal.url, proposal.number = pull.get("html_url", ""), pull["number"]
    numbers[proposal.branch] = pull["number"]


def _other(api: GitHub, pull: dict, settings: Settings, clone: Clone) -> Other | None:
    branch, number, url = pull["head"]["ref"], pull["number"], pull.get("html_url", "")
    if pull.get("merged") or pull.get("merged_at"):
        return Other(branch, MERGED, url, number, f"its fix is on {clone.base} already: nothing to open")
    if pull.get("state") != "open":
        return None
    if settings.close_stale:
        api.update(number, state="closed")
        return Other(branch, CLOSED, url, number, f"no fix left on {clone.base}: closed (--close-stale)")
    return Other(branch, STALE, url, number, f"no fix left on {clone.base}: close it, or run with --close-stale")


def check_settings(settings: Settings) -> None:
    for name, values in (("labels", settings.labels), ("reviewers", settings.reviewers), ("team-reviewers", settings.teams)):
        if any(not isinstance(v, str) or not v.strip() for v in values):
            raise PatcherError(f"pull-requests.{name} must be a list of names", ".patcher.yaml")
