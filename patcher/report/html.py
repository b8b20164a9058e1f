"""The review as one self-contained HTML page: the diagrams drawn in the browser by the Mermaid
library inlined into the page, so the file opens offline and makes no request."""

from __future__ import annotations

from patcher.report.assets import mermaid_js
from patcher.report.review import Review
from patcher.templating import render_html_template


def render_html(review: Review) -> str:
    # a "</script" inside the library would end the inline script early
    script = mermaid_js().replace("</script", "<\\/script")
    return render_html_template("review.html.j2", review=review, mermaid_js=script)
