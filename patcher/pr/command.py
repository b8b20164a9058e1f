"""`patcher pr`: plan on the base branch in a temporary clone, build the branches, show or publish them."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from patcher.pr import publish as pub
from patcher.pr.clone import open_clone
from patcher.pr.commits import Committer
from patcher.pr.git import Askpass, Git, commit_env, identity, toplevel
from patcher.pr.github import GitHub, api_for, parse_slug
from patcher.pr.output import show
from patcher.pr.proposals import propose
from patcher.pr.secrets import redact, token
from patcher.pr.units import SINGLE
from patcher.source import PatcherError


@dataclass(frozen=True)
class Options:
    path: Path
    remote: str = "origin"
    base: str | None = None
    single: bool = False
    dry_run: bool = False
    rule: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    unsafe_fixes: bool = False
    schema_location: str | None = None
    baseline: Path | None = None
    labels: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    close_stale: bool = False
    github_repo: str | None = None
    api_url: str | None = None
    template: Path | None = None
    format: str = "text"
    strategy: str = "inplace"
    overlay_dir: str = "overlays/patcher"


def run_pr(options: Options, out: Console, err: Console) -> int:
    from patcher.cli import Run
    from patcher.commands import plan_for
    from patcher.config import load_config

    secret = token()
    api = None if options.dry_run else _api(options, secret)
    askpass = Askpass()
    clone = None
    try:
        clone = open_clone(options.path, options.remote, options.base, askpass, need_remote=not options.dry_run)
        config = load_config(clone.root)
        settings = _settings(config, options)
        template = options.template or (clone.root / settings_template(config) if settings_template(config) else None)

        def plans(root: Path, rules: tuple[str, ...]):
            run = Run(root, rules or options.rule, options.skip, options.unsafe_fixes, options.schema_location,
                      baseline=options.baseline)
            return plan_for(run, err)

        plan = plans(clone.root, ())
        top, _ = toplevel(options.path)
        name, email = identity(Git(top))
        date = clone.git.out("show", "-s", "--format=%cI", clone.base_sha)
        committer = Committer(clone.git, clone.prefix, commit_env(name, email, date))
        overlay = None
        if options.strategy == "overlay":
            chosen = [*(f"--rule={r}" for r in options.rule), *(f"--skip={s}" for s in options.skip),
                      *(["--unsafe-fixes"] if options.unsafe_fixes else [])]
            overlay = (_overlay_dir(options.overlay_dir), chosen)
        proposed = propose(clone, plan, plans, committer, options.single, template, clone.prefix, overlay)
        others: list[pub.Other] = []
        if options.dry_run:
            pub.dry_statuses(clone, proposed.proposals)
        else:
            pushed = pub.push(clone, proposed.proposals)
            selected = ({"overlay"} if overlay else {SINGLE} if options.single
                        else {r.id for r in _selected(config, options)})
            others = pub.publish(api, clone, proposed.proposals, pushed, settings, selected)
        show(out, err, options.format, options.dry_run, clone, proposed, others)
        return 2 if any(p.status == pub.FAILED for p in proposed.proposals) else 0
    finally:
        if clone is not None:
            shutil.rmtree(clone.folder, ignore_errors=True)
        askpass.close()


def _overlay_dir(folder: str) -> str:
    parts = Path(folder).parts
    if not folder or Path(folder).is_absolute() or ".." in parts:
        raise PatcherError(f"--overlay-dir must be a folder inside the repository, not '{folder}'")
    return Path(folder).as_posix()


def settings_template(config) -> str:
    return config["pull-requests"]["template"]


def _settings(config, options: Options) -> pub.Settings:
    given = config["pull-requests"]
    settings = pub.Settings(list(dict.fromkeys([*given["labels"], *options.labels])),
                            list(dict.fromkeys([*given["reviewers"], *options.reviewers])),
                            list(given["team-reviewers"]), bool(given["draft"]), options.close_stale)
    pub.check_settings(settings)
    return settings


def _selected(config, options: Options):
    from patcher.analyse import Selection
    from patcher.rule_patterns import split
    return Selection(split(options.rule), split(options.skip)).rules(config)


def _api(options: Options, secret: str | None) -> GitHub:
    if not secret:
        raise PatcherError("no GitHub token: set GITHUB_TOKEN or GH_TOKEN",
                           hint="--dry-run shows the pull requests without one")
    if options.github_repo:
        owner, _, repo = options.github_repo.partition("/")
        if not owner or not repo or "/" in repo:
            raise PatcherError(f"--github-repo must be OWNER/NAME, not '{options.github_repo}'")
        host = "github.com"
    else:
        top, _ = toplevel(options.path)
        done = Git(top).run("remote", "get-url", "--push", options.remote, check=False)
        url = done.stdout.decode().strip()
        parsed = parse_slug(url) if done.returncode == 0 else None
        if parsed is None:
            raise PatcherError(f"cannot tell the GitHub repository from remote '{options.remote}' ({redact(url) or 'none'})",
                               hint="name it with --github-repo OWNER/NAME")
        host, owner, repo = parsed
    api = options.api_url or os.environ.get("GITHUB_API_URL") or api_for(host)
    return GitHub(api, owner, repo, secret)
