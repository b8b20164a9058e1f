"""A pull request's title and body, from a jinja2 template, kept under GitHub's size limit.

The template's first line is the title and the rest the body. A body over the limit loses, in
this order, the diff (summarised per file instead), then the longest semantic details and lists
(each ending in "… and N more"), never a line cut in half.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from patcher.pr.github import BODY_LIMIT
from patcher.source import PatcherError
from patcher.templating import render_template

DEFAULT = "pr.md.j2"


@dataclass(frozen=True)
class Text:
    title: str
    body: str


def render(context: dict[str, Any], template: Path | None = None, limit: int = BODY_LIMIT) -> Text:
    context = {"fix_count": len(context.get("findings", ())), **context}
    attempt = dict(context)
    text = _render(attempt, template)
    if len(text.body) <= limit:
        return text
    attempt["diff"] = ""
    attempt["diff_note"] = (f"The diff ({context.get('diff_lines', 0)} lines) is too long for a pull request "
                            "body; the Files changed tab shows it.")
    text = _render(attempt, template)
    for keep in (200, 50, 10, 3, 0):
        if len(text.body) <= limit:
            return text
        for key in ("semantic", "findings", "checklist"):
            items = list(context.get(key, ()))
            if len(items) > keep:
                attempt[key] = items[:keep] + ([f"- … and {len(items) - keep} more"] if key == "semantic" else [])
                attempt[f"{key}_omitted"] = len(items) - keep
        text = _render(attempt, template)
    lines, size = [], 0
    for line in text.body.splitlines(keepends=True):
        if size + len(line) > limit - 200:
            lines.append("\n… (cut to GitHub's size limit)\n")
            break
        lines.append(line)
        size += len(line)
    return Text(text.title, "".join(lines))


def _render(context: dict[str, Any], template: Path | None) -> Text:
    context = {"fix_count": len(context.get("findings", ())), "findings_omitted": 0, "checklist_omitted": 0, "semantic_omitted": 0, "diff_note": "", "flows": [], **context}
    try:
        if template is None:
            out = render_template(DEFAULT, **context)
        else:
            env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                                     trim_blocks=True, lstrip_blocks=True, autoescape=False)
            out = env.from_string(template.read_text(encoding="utf-8")).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise PatcherError(f"pull request template: {exc.message}", str(template or DEFAULT), exc.lineno) from None
    except jinja2.UndefinedError as exc:
        raise PatcherError(f"pull request template: {exc.message}", str(template or DEFAULT),
                           hint="the variables it can use are listed in templates/pr.md.j2") from None
    except OSError as exc:
        raise PatcherError(f"cannot read the pull request template: {exc.strerror}", str(template)) from None
    title, _, body = out.lstrip("\n").partition("\n")
    if not title.strip():
        raise PatcherError("pull request template: its first line (the title) is empty", str(template or DEFAULT))
    # a block left out of the template leaves its blank lines behind: at most one in a row (a diff's
    # own blank lines carry a prefix)
    return Text(title.strip(), re.sub(r"\n{3,}", "\n\n", body.strip("\n")) + "\n")
