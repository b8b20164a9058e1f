"""Open a local page in headless Chromium (Debian's package) and read what it shows.

Only Chromium's own command line: ``--dump-dom`` gives the DOM once the page's scripts have
run (``--virtual-time-budget`` lets Mermaid's asynchronous drawing finish first) and
``--screenshot`` a PNG. Every run gets a fresh profile and no name resolution, so a page
that tried to reach the network could not. Pages follow one contract: when they are done
the body carries ``data-rendered`` ("1", or "error" with the message in ``#render-errors``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--mute-audio", "--host-resolver-rules=MAP * ~NOTFOUND")
BUDGET_MS = 30000  # virtual time: spent only while the page has work queued


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def _run(page: Path, *extra: str) -> subprocess.CompletedProcess:
    binary = chromium()
    assert binary, "chromium is not installed (tests/browser/setup_chromium.sh installs it)"
    with tempfile.TemporaryDirectory(prefix="patcher-chromium-") as profile:
        return subprocess.run([binary, *FLAGS, f"--user-data-dir={profile}", f"--virtual-time-budget={BUDGET_MS}",
                               *extra, page.resolve().as_uri()], capture_output=True, timeout=180, check=False)


def dom(page: Path) -> str:
    """The page's DOM, serialised, after its scripts ran."""
    done = _run(page, "--dump-dom")
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-2000:]
    return done.stdout.decode("utf-8")


def screenshot(page: Path, out: Path, width: int = 1400, height: int = 2400) -> Path:
    done = _run(page, f"--screenshot={out}", f"--window-size={width},{height}")
    assert done.returncode == 0 and out.exists(), done.stderr.decode("utf-8", "replace")[-2000:]
    return out


def body_data(text: str) -> dict[str, str]:
    match = re.search(r"<body([^>]*)>", text)
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', match.group(1))) if match else {}


def render_errors(text: str) -> str:
    match = re.search(r'<div id="render-errors">(.*?)</div>', text, re.S)
    return match.group(1).strip() if match else ""


@dataclass(frozen=True)
class Shot:
    width: int
    height: int
    colours: int  # distinct colours: 1 is a blank page

    @staticmethod
    def of(path: Path) -> "Shot":
        from PIL import Image
        with Image.open(path) as image:
            colours = image.convert("RGB").getcolors(maxcolors=1 << 24) or []
            return Shot(image.width, image.height, len(colours))


def pixel(path: Path, x: int, y: int) -> tuple[int, int, int]:
    from PIL import Image
    with Image.open(path) as image:
        return image.convert("RGB").getpixel((x, y))


@dataclass(frozen=True)
class Node:
    classes: tuple[str, ...]
    text: str


class _Nodes(HTMLParser):
    """The drawn nodes of every Mermaid flowchart (``g.node``): their classes and their text."""

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[Node] = []
        self.edges = 0
        self._open: list[tuple[int, tuple[str, ...], list[str]]] = []  # (depth, classes, text)
        self._depth = 0

    def handle_starttag(self, tag, attrs) -> None:
        classes = tuple((dict(attrs).get("class") or "").split())
        if tag == "path" and "flowchart-link" in classes:
            self.edges += 1
        if tag == "g":
            self._depth += 1
            if "node" in classes:
                self._open.append((self._depth, classes, []))

    def handle_endtag(self, tag) -> None:
        if tag == "g":
            if self._open and self._open[-1][0] == self._depth:
                _, classes, text = self._open.pop()
                self.nodes.append(Node(classes, " ".join(" ".join(text).split())))
            self._depth -= 1

    def handle_data(self, data) -> None:
        for _, _, text in self._open:
            text.append(data)


def drawn(text: str) -> tuple[list[Node], int]:
    """(nodes, number of edges) Mermaid drew into the DOM."""
    parser = _Nodes()
    parser.feed(text)
    return parser.nodes, parser.edges
