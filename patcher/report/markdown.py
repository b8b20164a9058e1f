"""The review as Markdown: a wiki page, or a pull-request comment (GitHub takes 65,536 characters)."""

from __future__ import annotations

import re

from patcher.report.review import Review
from patcher.report.text import cell, cut, left, path
from patcher.templating import register_filters, render_template

COMMENT_LIMIT = 65536
register_filters(cell=cell, cut=cut, left=left, path=path)


def render_markdown(review: Review, limit: int | None = None) -> str:
    """The whole review; with ``limit``, the most of it that fits: the flows that work on one line
    each first, then every list cut to its first items."""
    text = ""
    for level in (0, 1, 2, 3):
        text = re.sub(r"\n{3,}", "\n\n", render_template("review.md.j2", review=review, level=level))
        if limit is None or len(text) <= limit:
            return text
    return text[:limit - 200].rsplit("\n", 1)[0] + "\n\n… cut to fit; `patcher report` writes the whole review.\n"
