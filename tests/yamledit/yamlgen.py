"""Hypothesis strategies for YAML text in the styles found in real manifests."""

from __future__ import annotations

import yaml
from hypothesis import strategies as st

KEYS = st.sampled_from(["name", "image", "port", "app", "labels", "spec", "items", "x-y", "a_b", "value"])
WORDS = st.text(alphabet="abcxyz019 -._/", min_size=1, max_size=12).map(str.strip).filter(bool)
# strings YAML 1.1, YAML 1.2 and go-yaml read differently (yamledit/plain.py), which words seldom hit
TRICKY = st.sampled_from(["09", "010", "0o10", "1_000", "yes", "on", "y", "null", "~", "1e3", ".5", "1:20", "2001-1-2"])
SCALARS = st.one_of(st.integers(-5, 5000), st.booleans(), WORDS, TRICKY,
                    WORDS.map(lambda s: s.replace(" ", "\n") + "\n"))
DATA = st.recursive(
    SCALARS,
    lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(KEYS, kids, max_size=4)),
    max_leaves=12,
)
ROOTS = st.dictionaries(KEYS, DATA, min_size=1, max_size=5)


def _is_plain_str(s: str) -> bool:
    resolved = yaml.resolver.Resolver().resolve(yaml.ScalarNode, s, (True, False))
    return resolved.endswith(":str") and not s.startswith(("-", ".")) and ": " not in s and " #" not in s


class Writer:
    """Writes data as block YAML, drawing each style choice from hypothesis."""

    def __init__(self, draw):
        self.draw = draw
        self.offset = draw(st.sampled_from([0, 2]))  # dash style of this document
        self.lines: list[str] = []

    def decorate(self, pad: str) -> None:
        if self.draw(st.integers(0, 5)) == 0:
            self.lines.append("")
        if self.draw(st.integers(0, 5)) == 0:
            self.lines.append(pad + "# note")

    def inline(self, value) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(value)
        styles = ['"'] if "\n" in value else ["'", '"'] + (["plain"] if _is_plain_str(value) else [])
        style = self.draw(st.sampled_from(styles))
        if style == "'":
            return "'" + value.replace("'", "''") + "'"
        if style == '"':
            return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        return value

    def comment(self) -> str:
        return "  # why" if self.draw(st.integers(0, 4)) == 0 else ""

    def value(self, head: str, value, col: int) -> None:
        """Write ``value`` after ``head`` (`key:` or `-`), nested at ``col``."""
        if isinstance(value, str) and value.endswith("\n") and "\n" in value[:-1]:
            self.lines.append(f"{head} |")
            self.lines.extend((" " * (col + 2) + l if l else "") for l in value[:-1].split("\n"))
        elif isinstance(value, dict) and value:
            self.lines.append(head + self.comment())
            self.mapping(value, col + 2)
        elif isinstance(value, list) and value:
            self.lines.append(head + self.comment())
            self.sequence(value, col + (self.offset if head.endswith(":") else 2))
        elif isinstance(value, (dict, list)):
            self.lines.append(f"{head} {'{}' if isinstance(value, dict) else '[]'}")
        else:
            self.lines.append(f"{head} {self.inline(value)}{self.comment()}")

    def mapping(self, data: dict, col: int) -> None:
        for key, value in data.items():
            self.decorate(" " * col)
            self.value(" " * col + key + ":", value, col)

    def sequence(self, data: list, col: int) -> None:
        for value in data:
            self.decorate(" " * col)
            self.value(" " * col + "-", value, col)


@st.composite
def documents(draw) -> str:
    """One or two documents, sometimes with a header comment and no final newline."""
    texts = []
    for _ in range(draw(st.integers(1, 2))):
        writer = Writer(draw)
        writer.mapping(draw(ROOTS), 0)
        texts.append("\n".join(writer.lines) + "\n")
    text = ("# header\n" if draw(st.booleans()) else "") + "---\n".join(texts)
    stripped = text.rstrip("\n")
    # a block scalar ending the file without a newline is a different value
    # whose meaning changes when anything is appended (a documented limitation)
    same = list(yaml.safe_load_all(stripped)) == list(yaml.safe_load_all(text))
    return stripped if same and draw(st.booleans()) else text
