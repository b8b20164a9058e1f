"""Words as ``shlex`` (posix, whitespace_split, optional punctuation_chars) splits them, by regex.

shlex reads one character at a time in Python; a plan splits every script line that way, on
every pass of its fix loop. This gives the same words (and the same ValueError for an
unclosed quote or a trailing backslash); tests/test_shellwords.py holds it to shlex.
"""

from __future__ import annotations

import re
from functools import lru_cache

# inside double quotes a backslash keeps itself, except before a backslash or a double quote
_DQ_ESCAPE = re.compile(r"\\(.)", re.S)
_PIECE = re.compile(r"""'([^']*)'|"((?:[^"\\]|\\.)*)"|\\(.)|([^'"\\]+)""", re.S)


@lru_cache(maxsize=None)  # one per punctuation set in use
def _token(punctuation: str) -> re.Pattern:
    punct = re.escape(punctuation)
    plain = rf"""[^ \t\r\n#'"\\{punct}]"""
    return re.compile(
        r"[ \t\r\n]+"  # between words
        r"|#[^\n]*\n?"  # a comment, even inside a word (shlex's commenters), to the line's end
        + (rf"|(?P<punct>[{punct}]+)" if punctuation else "")
        + rf"""|(?P<word>(?:{plain}|'[^']*'|"(?:[^"\\]|\\.)*"|\\.)+)"""
        r"|(?P<bad>.)",  # an unclosed quote, a backslash at the end
        re.S)


def split_words(text: str, punctuation: str = "") -> list[str]:
    """``list(shlex.shlex(text, posix=True, punctuation_chars=punctuation))`` with
    ``whitespace_split = True`` (``shlex.split(text, comments=True)`` when punctuation is "")."""
    words = []
    for match in _token(punctuation).finditer(text):
        kind = match.lastgroup
        if kind == "word":
            word = match.group("word")
            words.append(_unquote(word) if "'" in word or '"' in word or "\\" in word else word)
        elif kind == "punct":
            words.append(match.group("punct"))
        elif kind == "bad":
            raise ValueError("No closing quotation" if match.group("bad") in "'\"" else "No escaped character")
    return words


def _unquote(word: str) -> str:
    out = []
    for single, double, escaped, plain in _PIECE.findall(word):
        out.append(single or plain or escaped or _DQ_ESCAPE.sub(_dq_escape, double))
    return "".join(out)


def _dq_escape(match: re.Match) -> str:
    char = match.group(1)
    return char if char in '\\"' else "\\" + char
