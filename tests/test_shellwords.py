"""The script readers' fast paths read every line as the character loops they replace did.

The oracles are shlex itself and copies of the loops as they were (patcher.entrypoints.shell
before issue 11); Hypothesis feeds them shell-ish lines dense in quotes, escapes, comments,
operators and substitutions.
"""

from __future__ import annotations

import re
import shlex

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from patcher.entrypoints.shell import VAR, _closing, _code, _opaque, _segments, substitute, words_of
from patcher.entrypoints.shellwords import split_words

SPECIAL = " \t\n'\"\\#;&|()<>$`{}:-=/\x0b\xa0é"
FRAGMENTS = ["kubectl", "helm", "cd", "echo", " ", "$NS", "${NS}", "${NS:-shop}", "$(NS)", "$(date)", "`id`",
             "2>&1", "&>", "&&", "||", "'a b'", '"a $NS"', "\\", "#", " # c", ";", "|", "&", "(", ")", "x=1",
             "localhost:8080", "'", '"', "\\'", '\\"', "${X:-}", "$$", "$"]
lines = st.one_of(st.text(alphabet=SPECIAL + "ab01", max_size=30),
                  st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join))
VARIABLES = {"NS": "shop", "X": "", "EMPTY": "", "PORT": "8080"}


def _shlex(text: str, punctuation: str) -> list[str] | str:
    lexer = shlex.shlex(text, posix=True, punctuation_chars=punctuation) if punctuation else shlex.shlex(
        text, posix=True)
    lexer.whitespace_split = True
    try:
        return list(lexer)
    except ValueError:
        return "ValueError"


def _split(text: str, punctuation: str) -> list[str] | str:
    try:
        return split_words(text, punctuation)
    except ValueError:
        return "ValueError"


@pytest.mark.parametrize("punctuation", ["", ";&|", ";&|()"])
@given(text=lines)
@example(text="a#b 'c'd\"e\\\"f\" \\; ''")
@example(text="'unclosed")
@example(text="trailing\\")
def test_split_words_is_shlex(punctuation: str, text: str) -> None:
    assert _split(text, punctuation) == _shlex(text, punctuation)


def test_split_words_is_shlex_split_with_comments() -> None:
    for text in ["a 'b c' # d", "x=\"1 2\"", "a\\ b", "''"]:
        assert split_words(text) == shlex.split(text, comments=True)


# --- the loops as they were ------------------------------------------------------------------

def old_code(line: str) -> str:
    quote = None
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1] in " \t;"):
            return line[:index]
    return line


def old_substitute(code: str, variables) -> str:
    out: list[str] = []
    index, quote = 0, None
    while index < len(code):
        char = code[index]
        if quote == "'":
            out.append(char)
            quote = None if char == "'" else quote
            index += 1
            continue
        if char == "'" and quote is None:
            quote = "'"
            out.append(char)
            index += 1
            continue
        if char == '"':
            quote = None if quote == '"' else '"'
        if char == "`":
            end = code.find("`", index + 1)
            end = len(code) - 1 if end < 0 else end
            out.append(_opaque(code[index:end + 1]))
            index = end + 1
            continue
        if char == "$" and code[index + 1:index + 2] == "(" and not re.match(
                r"\$\([A-Za-z_][A-Za-z0-9_]*\)", code[index:]):
            end = _closing(code, index + 1)
            out.append(_opaque(code[index:end + 1]))
            index = end + 1
            continue
        match = VAR.match(code, index) if char == "$" else None
        if match:
            name = match.group(1) or match.group(3) or match.group(4)
            if name in variables and (variables[name] != "" or match.group(2) is None):
                out.append(variables[name])
            elif match.group(2) is not None:
                out.append(match.group(2))
            else:
                out.append(match.group(0))
            index = match.end()
            continue
        out.append(char)
        index += 1
    return "".join(out)


OLD_REDIRECT_DUP = re.compile(r"(?<![^\s])\d*>&(?:\d+|-)|&>>?")
OLD_OPERATOR = re.compile(r"&&|\|\||;;|[;&|()]")


def old_words_of(text: str) -> list[str]:
    try:
        lexer = shlex.shlex(OLD_REDIRECT_DUP.sub(" ", text), posix=True, punctuation_chars=";&|()")
        lexer.whitespace_split = True
        words = list(lexer)
    except ValueError:
        return []
    return [part for word in words
            for part in (OLD_OPERATOR.findall(word) if word and set(word) <= set(";&|()") else [word])]


def old_segments(code: str) -> list[list[str]]:
    try:
        lexer = shlex.shlex(code, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        words = list(lexer)
    except ValueError:
        return []
    out: list[list[str]] = [[]]
    for word in words:
        if word and set(word) <= set(";&|"):
            out.append([])
        else:
            out[-1].append(word)
    return out


@given(line=lines)
@example(line="echo 'a # b' # c")
@example(line="a\"#\"b;#c")
def test_code_is_the_old_loop(line: str) -> None:
    assert _code(line) == old_code(line)


@given(code=lines)
@example(code="echo '$NS' \"$NS\" `id` $(date) $(NS) ${X:-d} ${NS:-d} $UNSET '")
def test_substitute_is_the_old_loop(code: str) -> None:
    assert substitute(code, VARIABLES) == old_substitute(code, VARIABLES)


@given(text=lines)
@example(text="kubectl apply -f - 2>&1 &>/dev/null && cd k8s; (helm ls)|&cat")
def test_words_and_segments_are_the_old_ones(text: str) -> None:
    assert words_of(text) == old_words_of(text)
    assert _segments(text) == old_segments(text)
