"""Which strings the editor may write as plain scalars: those every reader of the repository reads back as that string.

The files patcher edits have three kinds of readers, and they resolve a plain
scalar differently:

- patcher itself, with PyYAML: YAML 1.1. `yes`, `on`, `010` (octal 8),
  `1_000`, `1:20` (base 60: 80) and `2001-12-14` are not strings.
- YAML 1.2 core-schema readers: ruamel.yaml (which emits the new text) and
  go-yaml v3 (kustomize). `09`, `0o10`, `1e3` and `-.5` are numbers there,
  though PyYAML reads them as strings; `yes` and `on` are strings.
- Kubernetes, kubectl and Helm, through sigs.k8s.io/yaml (go-yaml v2): the
  1.1 booleans plus `y`, `Y`, `n`, `N`; any text Go's number parser accepts
  once underscores are dropped (`09` is the float 9, `0_9` the integer 9);
  dates with one-digit months or days (`2001-1-2`).

A string is written plain only when all three read it as that same string;
otherwise it is double-quoted, which every reader reads as the string. So
patcher writes `"09"`, `"010"`, `"0o10"`, `"1_000"`, `"yes"`, `"on"`, `"y"`,
`"null"`, `"~"`, `"1e3"` and `".5"` for those strings, and `name`, `8080x`,
`v1.2` plain. Quoting never changes what a string means, so where a reader's
rules are only approximated here the approximation errs towards quoting.

Other values are written as ruamel.yaml writes them (`7`, `true`, `null`,
`0.5`), which the three read alike.

Text patcher does not change is never re-quoted: a file's `name: 09` stays as
it is (PyYAML reads "09", Kubernetes 9 — a finding for a rule, not a silent
rewrite), and setting a scalar to the value it already has keeps its text.
Only a value patcher writes is made unambiguous: setting `name: 09` to another
value and back gives `name: "09"`.
"""

from __future__ import annotations

import re

import yaml
from ruamel.yaml.nodes import ScalarNode as _RuamelScalar
from ruamel.yaml.resolver import VersionedResolver

_PLAIN = (True, False)  # implicit resolution as a plain scalar
_YAML11 = yaml.resolver.Resolver()
_YAML12 = VersionedResolver(version=(1, 2))

# go-yaml v2 and v3 (resolve.go): these words in its resolve table...
_GO_WORDS = {"y", "Y", "n", "N"}
# ...and, for text starting with a sign, digit or dot, what strconv.ParseInt(s, 0, 64)
# or its float syntax accepts once every "_" is removed
_GO_NUMBER = re.compile(
    r"[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?"
    r"|\.[0-9]+(?:[eE][-+]?[0-9]+)?)"
)
# parseTimestamp's layouts: 2006-1-2, optionally followed by a time
_GO_DATE = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ]|$)")


def _go_reads_as_string(s: str) -> bool:
    if s in _GO_WORDS or _GO_DATE.match(s):
        return False
    return not (s[:1] and s[0] in "+-.0123456789" and _GO_NUMBER.fullmatch(s.replace("_", "")))


def can_be_plain(s: str) -> bool:
    """Whether the plain scalar ``s`` reads as the string ``s`` in YAML 1.1, YAML 1.2 and go-yaml."""
    return (
        _YAML11.resolve(yaml.ScalarNode, s, _PLAIN) == "tag:yaml.org,2002:str"
        and str(_YAML12.resolve(_RuamelScalar, s, _PLAIN)) == "tag:yaml.org,2002:str"
        and _go_reads_as_string(s)
    )
