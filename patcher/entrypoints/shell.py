"""The command lines of the repository's scripts, as a shell, make, go-task or PowerShell sees them.

A script is read, never run. Each logical line (continuations joined) is kept
with its file, its first line number, the working folder it runs in and the
variables the file assigns literally; a variable assigned anything dynamic
(a command's output) stays unresolved, so that no path or namespace is guessed.
Working folders are repository-relative ("" is the root); ``None`` is a folder
that cannot be known (``cd "$SOMEWHERE"``), and relative paths there are unresolved.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, Mapping

import yaml

from patcher.entrypoints.shellwords import split_words

# shell (NAME=value) and make (NAME = value, NAME ?= value, NAME := value) assignments
ASSIGN = re.compile(r"^\s*(?:export\s+|readonly\s+|local\s+|declare\s+(?:-\w+\s+)?|override\s+)?"
                    r"([A-Za-z_][A-Za-z0-9_]*)(?:=|\s*[:?+]?=\s*)(.*)$")
PS_ASSIGN = re.compile(r"^\s*\$(?:env:)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$", re.I)
DEFAULTED = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*:?-(.*)\}$")
MAKE_VAR = re.compile(r"\$\([A-Za-z_][A-Za-z0-9_]*\)")  # make's $(VAR), not a command's output
VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$\(([A-Za-z_][A-Za-z0-9_]*)\)"
                 r"|\$([A-Za-z_][A-Za-z0-9_]*)")
# the script's own folder, however a script names it
SCRIPT_DIR = re.compile(
    r"""\$\(\s*cd\s+"?\$\(\s*dirname\s+"?\$(?:0|\{0\}|\{BASH_SOURCE(?:\[0\])?\}|BASH_SOURCE)"?\s*\)"?"""
    r"""\s*(?:&&|;)\s*pwd(?:\s+-P)?\s*\)"""
    r"""|\$\(\s*dirname\s+"?\$(?:0|\{0\}|\{BASH_SOURCE(?:\[0\])?\}|BASH_SOURCE)"?\s*\)"""
    r"""|\$PSScriptRoot\b|\$\{PSScriptRoot\}""", re.I)
# a path written from the repository root, whatever folder the command runs in (a script's
# own folder, a Taskfile's {{.ROOT_DIR}}): only this module and the path resolver read it
ROOTED = "@repo@"
UNKNOWN = "\x01"  # stands for a command's output ($(...), `...`) inside a word
HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")
SCRIPTS_CACHED = 1024  # script texts whose reading is kept (a repository rarely has more)
MAKEFILES = ("Makefile", "makefile", "GNUmakefile")
REDIRECT_DUP = re.compile(r"(?<![^\s])\d*>&(?:\d+|-)|&>>?")
OPERATOR = re.compile(r"&&|\|\||;;|[;&|()]")
TASKFILE = re.compile(r"^(?:[Tt]askfile|.+\.[Tt]askfile)\.ya?ml$|^[Tt]askfile\.dist\.ya?ml$")


@dataclass(frozen=True)
class CommandLine:
    file: str
    line: int  # 1-based, the first line of a continued command
    text: str  # the code, comment removed, variables substituted where the file assigns them
    cwd: str | None  # repository-relative working folder the line starts in; None: unknown
    heredoc: str | None = None  # the text a ``<<EOF`` on this line feeds the command
    dialect: str = "sh"  # sh | make | task | ps1: whose rules the line follows

    @cached_property
    def words(self) -> tuple[str, ...]:
        """words_of(text), kept as long as the line is (see _shell_lines)."""
        return tuple(words_of(self.text))


@dataclass
class WorkingFolder:
    cwd: str | None
    stack: list[str | None] = field(default_factory=list)


def is_taskfile(path: str) -> bool:
    return TASKFILE.match(posixpath.basename(path)) is not None


def is_makefile(path: str) -> bool:
    name = posixpath.basename(path)
    return name in MAKEFILES or name.endswith(".mk")


def dialect(path: str) -> str:
    if is_taskfile(path):
        return "task"
    if path.lower().endswith(".ps1"):
        return "ps1"
    return "make" if is_makefile(path) else "sh"


def read_scripts(paths: list[str], texts: Mapping[str, str]) -> list[CommandLine]:
    """Every command line of the scripts, in file order; a Taskfile that another includes is
    read as part of it (with the folder the include gives), not again on its own (unless only
    includes that loop reach it)."""
    included = set()
    for path in paths:
        if is_taskfile(path):
            included |= {inc for inc, _ in _includes(path, texts.get(path, ""), texts)}
    lines: list[CommandLine] = []
    read: set[str] = set()
    for path in [p for p in paths if p not in included] + [p for p in paths if p in included]:
        if path in read or path not in texts:
            continue
        if is_taskfile(path):
            lines += _taskfile_lines(path, texts[path], texts, posixpath.dirname(path), (), {}, read)
        else:
            lines += script_lines(path, texts[path], texts)
    order: dict[str, int] = {}
    for index, path in enumerate(paths):
        order.setdefault(path, index)  # paths.index: the first place a path is listed
    return sorted(lines, key=lambda line: (order.get(line.file, len(paths)), line.file, line.line))


def script_lines(path: str, text: str, texts: Mapping[str, str] | None = None) -> list[CommandLine]:
    kind = dialect(path)
    if kind == "task":
        return _taskfile_lines(path, text, texts or {}, posixpath.dirname(path), (), {}, set())
    # a plan reads every script once per pass of its fix loop, mostly unchanged: each text is read once
    return list(_ps1_lines(path, text) if kind == "ps1" else _shell_lines(path, text, kind))


# --- sh and make ---------------------------------------------------------------------------

@lru_cache(maxsize=SCRIPTS_CACHED)
def _shell_lines(path: str, text: str, kind: str) -> tuple[CommandLine, ...]:
    folder = posixpath.dirname(path)
    text = _rooted(text, folder)
    variables = _assignments(text, make=kind == "make")
    state = WorkingFolder(folder)
    out: list[CommandLine] = []
    physical = text.splitlines()
    heredoc_end = 0  # the lines of a heredoc are its command's input, not commands
    for number, line in _logical_lines(text):
        if number <= heredoc_end:
            continue
        code = _code(line)
        if kind == "make":
            if not line.startswith("\t"):
                continue  # a recipe line runs in the shell; the rest is make's own
            code = code.lstrip("\t").lstrip("@-+ \t").replace("$$", "$")
        if not code.strip() or ASSIGN.match(code) and " " not in code.strip():
            continue
        body, end = _heredoc(code, physical, number + _continued(physical, number))
        if end:
            heredoc_end = end
            if not HEREDOC.search(code).group(1):  # <<EOF expands variables, <<'EOF' does not
                body = substitute(body, variables)
        substituted = substitute(code, variables)
        out.append(CommandLine(path, number, substituted, state.cwd if kind != "make" else folder, body, kind))
        if kind != "make":
            follow_cd(state, substituted)
    return tuple(out)


def _continued(physical: list[str], number: int) -> int:
    """How many lines continue line ``number`` (1-based) with a trailing backslash."""
    count = 0
    while number - 1 + count < len(physical) and physical[number - 1 + count].rstrip().endswith("\\"):
        count += 1
    return count


def _heredoc(code: str, physical: list[str], number: int) -> tuple[str | None, int]:
    """The body of a ``<<EOF`` heredoc on the command that ends on line ``number``, and its last
    line number."""
    match = HEREDOC.search(code)
    if not match or "<<<" in code:
        return None, 0
    delimiter = match.group(2)
    body = []
    for index in range(number, len(physical)):  # physical[number] is the line after the command
        if physical[index].strip() == delimiter:
            return "\n".join(body) + "\n", index + 1
        body.append(physical[index])
    return "\n".join(body) + "\n", len(physical)


def follow_cd(state: WorkingFolder, code: str) -> None:
    """Move the working folder as the line's ``cd``/``pushd``/``popd`` would; a ``cd`` inside a
    subshell ``( ... )`` or a ``$( ... )`` does not move the script."""
    if code.lstrip().startswith("("):
        return
    for words in _segments(code):
        if not words:
            continue
        command = words[0].lower()
        if command in ("cd", "pushd", "set-location", "push-location", "sl", "chdir"):
            args = [w for w in words[1:] if not w.startswith("-") or w == "-"]
            if command in ("pushd", "push-location"):
                state.stack.append(state.cwd)
            state.cwd = change_folder(state.cwd, args[0] if args else None)
        elif command in ("popd", "pop-location"):
            state.cwd = state.stack.pop() if state.stack else None


def change_folder(cwd: str | None, target: str | None) -> str | None:
    if target is None or target in ("-", "~") or UNKNOWN in target or "$" in target or "~" in target[:1]:
        return None
    if target.startswith(ROOTED):
        resolved = posixpath.normpath(target[len(ROOTED):].lstrip("/") or ".")
    elif target.startswith("/") or cwd is None:
        return None
    else:
        resolved = posixpath.normpath(posixpath.join(cwd, target))
    if resolved == ".." or resolved.startswith("../"):
        return None  # above the repository: nothing there is read
    return "" if resolved == "." else resolved


def words_of(text: str) -> list[str]:
    """The words of a command line, with ``;``, ``&&``, ``||``, ``|`` and ``&`` as words of their own."""
    try:
        words = split_words(REDIRECT_DUP.sub(" ", text), ";&|()")
    except ValueError:
        return []
    # shlex keeps a run of operators together (");" "|&"): one word per operator
    return [part for word in words
            for part in (OPERATOR.findall(word) if word and set(word) <= set(";&|()") else [word])]


def _segments(code: str) -> list[list[str]]:
    """The simple commands of a line (split at ; && || | &), as words."""
    try:
        words = split_words(code, ";&|")
    except ValueError:
        return []
    out: list[list[str]] = [[]]
    for word in words:
        if word and set(word) <= set(";&|"):
            out.append([])
        else:
            out[-1].append(word)
    return out


def _rooted(text: str, folder: str) -> str:
    return SCRIPT_DIR.sub(lambda _: ROOTED + ("/" + folder if folder else ""), text)


# --- PowerShell -----------------------------------------------------------------------------

PS_ENV = re.compile(r"\$env:([A-Za-z_][A-Za-z0-9_]*)", re.I)
# `(Join-Path A B)` of two plain words: the path A/B
JOIN_PATH = re.compile(r"""\(\s*Join-Path\s+(?:-Path\s+)?(["']?)([^\s"'()]+)\1\s+(?:-ChildPath\s+)?(["']?)([^\s"'()]+)\3\s*\)""",
                       re.I)


@lru_cache(maxsize=SCRIPTS_CACHED)
def _ps1_lines(path: str, text: str) -> tuple[CommandLine, ...]:
    folder = posixpath.dirname(path)
    # PowerShell escapes with a backtick; a backslash is a Windows path separator
    lines = _ps1_logical(JOIN_PATH.sub(lambda m: f"{m.group(2)}/{m.group(4)}",
                                       _rooted(text.replace("\\", "/"), folder)))
    variables: dict[str, str] = {}
    for _, code in lines:
        match = PS_ASSIGN.match(code)
        if match and re.match(r"""^\s*(?:["'$]|-?\d+\s*$)""", match.group(2)):  # a string or a number, not a command
            value = _single_word(match.group(2))
            if value is not None:
                value = _expand(_ps1_vars(value), variables)
                if value is not None:
                    variables[match.group(1)] = value
    state = WorkingFolder(folder)
    out = []
    for number, code in lines:
        assigned = PS_ASSIGN.match(code)
        if assigned:
            # `$job = Start-Job { ... }`, `$p = Start-Process ... -PassThru`: the command runs all the same
            code = assigned.group(2) if _ps1_runs(assigned.group(2)) else ""
        if not code.strip():
            continue
        substituted = _ps1_command(substitute(_ps1_vars(code), variables))
        out.append(CommandLine(path, number, substituted, state.cwd, None, "ps1"))
        follow_cd(state, substituted)
    return tuple(out)


PS_STARTERS = re.compile(r"^\s*(?:&\s*|(?:Start-Process|saps|start)\s|(?:Start-Job|sajb)\s)", re.I)
PS_START_PROCESS = re.compile(r"^(?P<lead>\s*)(?:Start-Process|saps|start)(?=\s)(?P<rest>.*)$", re.I)
PS_START_JOB = re.compile(r"^\s*(?:Start-Job|sajb)\s+(?:-ScriptBlock\s+)?\{(?P<body>.*)\}(?P<rest>[^}]*)$", re.I)
PS_CALL = re.compile(r"""^(?P<lead>\s*)&\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"'{(&][^\s"']*))""")
PS_CALL_BLOCK = re.compile(r"^\s*&\s*\{(?P<body>.*)\}\s*$")
# Start-Process parameters that take a value (prefixes PowerShell accepts are not all listed)
PS_VALUED = {"-filepath", "-argumentlist", "-args", "-workingdirectory", "-windowstyle", "-verb", "-credential",
             "-redirectstandardoutput", "-redirectstandarderror", "-redirectstandardinput", "-environment",
             "-path", "-pspath", "-lp", "-file"}


def _ps1_runs(value: str) -> bool:
    """Whether the right side of an assignment is a command the model reads (not a value)."""
    return PS_STARTERS.match(value) is not None or re.match(r"^\s*(?:kubectl|helm|istioctl|kind)(?:\.exe)?\s",
                                                             value, re.I) is not None


def _ps1_command(code: str) -> str:
    """The line as the command it runs, written for a POSIX reader: ``& PROGRAM args``,
    ``Start-Process PROGRAM -ArgumentList "a","b"`` (PowerShell joins the list with spaces into
    one command line, which the program splits) and ``Start-Job { ... }`` become ``PROGRAM a b``."""
    job = PS_START_JOB.match(code) or PS_CALL_BLOCK.match(code)
    if job:
        return _ps1_command(job.group("body"))
    call = PS_CALL.match(code)
    if call:
        program = call.group("dq") if call.group("dq") is not None else call.group("sq") or call.group("bare")
        return call.group("lead") + shlex.quote(program) + code[call.end():]
    start = PS_START_PROCESS.match(code)
    if not start:
        return code
    tokens, tail = _ps1_tokens(start.group("rest"))
    program: str | None = None
    arguments: list[str] | None = None
    index = 0
    while index < len(tokens):
        kind, value = tokens[index]
        index += 1
        if kind == "param":
            name, _, inline = value.partition(":")
            name = name.lower()
            taken = [("value", [inline])] if inline else tokens[index:index + 1] if name in PS_VALUED else []
            index += 0 if inline or name not in PS_VALUED else 1
            if taken and taken[0][0] == "value":
                if name in ("-filepath", "-path", "-pspath", "-lp", "-file"):
                    program = taken[0][1][0] if taken[0][1] else program
                elif name in ("-argumentlist", "-args"):
                    arguments = taken[0][1]
        elif program is None:
            program = value[0] if value else None
        elif arguments is None:
            arguments = value
    if not program:
        return code
    words = " ".join([shlex.quote(program), *(arguments or [])])
    return start.group("lead") + words + tail


def _ps1_tokens(text: str) -> tuple[list[tuple[str, Any]], str]:
    """Start-Process's parameters: ("param", "-Name") or ("value", [element, ...]) (a comma
    list or ``@( ... )`` is one value of several elements); and the rest of the line from a
    top-level ``|`` or ``;`` on."""
    tokens: list[tuple[str, Any]] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
        elif char in "|;":
            return tokens, " " + text[index:]
        elif char == "-" and re.match(r"-[A-Za-z]", text[index:]):
            end = index
            while end < len(text) and not text[end].isspace():
                end += 1
            tokens.append(("param", text[index:end]))
            index = end
        else:
            elements, index = _ps1_list(text, index)
            tokens.append(("value", elements))
    return tokens, ""


def _ps1_list(text: str, index: int) -> tuple[list[str], int]:
    """The elements of a value starting at ``index`` (``a``, ``"a","b"``, ``@("a", "b")``) and
    where it ends."""
    if text.startswith("@(", index):
        end = _closing(text, index + 1)
        inner = text[index + 2:end]
        elements: list[str] = []
        at = 0
        while at < len(inner):
            if inner[at].isspace() or inner[at] == ",":
                at += 1
                continue
            element, at = _ps1_element(inner, at)
            elements.append(element)
        return elements, end + 1
    elements = []
    while True:
        element, index = _ps1_element(text, index)
        elements.append(element)
        after = index
        while after < len(text) and text[after] in " \t":
            after += 1
        if after < len(text) and text[after] == ",":
            index = after + 1
            while index < len(text) and text[index] in " \t":
                index += 1
            continue
        return elements, index


def _ps1_element(text: str, index: int) -> tuple[str, int]:
    """One string of a list: quoted (quotes removed) or bare."""
    if index < len(text) and text[index] in "'\"":
        quote = text[index]
        end = text.find(quote, index + 1)
        end = len(text) if end < 0 else end
        return text[index + 1:end], end + 1
    end = index
    while end < len(text) and not text[end].isspace() and text[end] not in ",;|)":
        end += 1
    return text[index:end], max(end, index + 1)


def _ps1_vars(code: str) -> str:
    return PS_ENV.sub(lambda m: "${" + m.group(1) + "}", code)


def _ps1_logical(text: str) -> list[tuple[int, str]]:
    """PowerShell's logical lines: a trailing backtick continues a line; ``<# ... #>`` is a comment."""
    out: list[tuple[int, str]] = []
    pending, start, in_block = "", 0, False
    for number, line in enumerate(text.splitlines(), start=1):
        if in_block:
            if "#>" in line:
                in_block, line = False, line.split("#>", 1)[1]
            else:
                continue
        if "<#" in line:
            line, in_block = line.split("<#", 1)[0], "#>" not in line.split("<#", 1)[1]
        code = _code(line)
        if not pending:
            start = number
        if code.rstrip().endswith("`"):
            pending += code.rstrip()[:-1] + " "
            continue
        out.append((start, pending + code))
        pending = ""
    if pending:
        out.append((start, pending))
    return out


# --- go-task Taskfiles ----------------------------------------------------------------------

TEMPLATE = re.compile(r"\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
ANY_TEMPLATE = re.compile(r"\{\{.*?\}\}")


def _load_task(text: str) -> tuple[Any, Any]:
    try:
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return None, None  # the YAML reader reports the syntax error with its line
    return data, node


def _includes(path: str, text: str, texts: Mapping[str, str]) -> list[tuple[str, Mapping[str, Any]]]:
    """The Taskfiles ``path`` includes that are in the repository, with their include entry."""
    data, _ = _load_task(text)
    if not isinstance(data, dict) or not isinstance(data.get("includes"), dict):
        return []
    folder = posixpath.dirname(path)
    out = []
    for entry in data["includes"].values():
        entry = {"taskfile": entry} if isinstance(entry, str) else entry
        if not isinstance(entry, dict) or not isinstance(entry.get("taskfile"), str):
            continue
        target = posixpath.normpath(posixpath.join(folder, entry["taskfile"]))
        if target not in texts:
            target = next((posixpath.join(target, n) for n in ("Taskfile.yml", "Taskfile.yaml", "taskfile.yml",
                                                                   "taskfile.yaml")
                           if posixpath.join(target, n) in texts), target)
        if target in texts and target != path:
            out.append((target, entry))
    return out


def _taskfile_lines(path: str, text: str, texts: Mapping[str, str], cwd: str | None,
                    seen: tuple[str, ...], outer: Mapping[str, str], read: set[str]) -> list[CommandLine]:
    read.add(path)
    data, node = _load_task(text)
    if not isinstance(data, dict):
        return []
    folder = posixpath.dirname(path)
    special = {"ROOT_DIR": ROOTED, "TASKFILE_DIR": ROOTED + ("/" + folder if folder else ""),
               "TASKFILE": ROOTED + "/" + path}
    global_vars = _task_vars(data.get("vars"), {**special, **outer})
    global_env = _task_vars(data.get("env"), {**special, **global_vars})
    out: list[CommandLine] = []
    tasks_node = _node_at(node, ("tasks",))
    tasks = data.get("tasks") if isinstance(data.get("tasks"), dict) else {}
    for name, task in tasks.items():
        task = {"cmds": [task]} if isinstance(task, str) else {"cmds": task} if isinstance(task, list) else task
        if not isinstance(task, dict):
            continue
        scope = {**special, **global_env, **global_vars}
        scope.update(_task_vars(task.get("env"), scope))
        scope.update(_task_vars(task.get("vars"), scope))
        task_cwd = cwd
        if isinstance(task.get("dir"), str):
            task_cwd = change_folder(cwd, _template(task["dir"], scope))
        cmds = task.get("cmds")
        cmds = [cmds] if isinstance(cmds, str) else cmds if isinstance(cmds, list) else []
        task_node = _node_at(tasks_node, (name,))
        for index, cmd in enumerate(cmds):
            if isinstance(cmd, dict):
                if not isinstance(cmd.get("cmd"), str):
                    continue  # {task: other} runs a task read on its own; {defer: ...} cleans up
                cmd_text, cmd_node = cmd["cmd"], _node_at(task_node, ("cmds", index, "cmd"))
            elif isinstance(cmd, str):
                cmd_text, cmd_node = cmd, _node_at(task_node, ("cmds", index))
            else:
                continue
            if cmd_node is None:  # `task: cmd` or `cmds: cmd`, written as one string
                cmd_node = task_node if isinstance(task_node, yaml.ScalarNode) else _node_at(task_node, ("cmds",))
            out += _task_cmd(path, cmd_text, cmd_node, scope, task_cwd)
    for target, entry in _includes(path, text, texts):
        if target in seen:
            continue
        include_cwd = cwd
        if isinstance(entry.get("dir"), str):
            include_cwd = change_folder(folder, _template(entry["dir"], {**special, **global_vars}))
        include_vars = _task_vars(entry.get("vars"), {**special, **global_vars})
        out += _taskfile_lines(target, texts[target], texts, include_cwd, seen + (path,), include_vars, read)
    return out


def _task_cmd(path: str, text: str, node: Any, scope: Mapping[str, str], cwd: str | None) -> list[CommandLine]:
    """A task's command, split into its lines: a block scalar's lines are the file's own lines."""
    start = node.start_mark.line + 1 if node is not None else 1
    block = node is not None and getattr(node, "style", None) in ("|", ">")
    offset = 1 if block else 0
    state = WorkingFolder(cwd)
    out = []
    for index, line in _logical_lines(_template(text, scope)):
        code = _code(line)
        if not code.strip():
            continue
        substituted = substitute(code, scope)
        out.append(CommandLine(path, start + offset + index - 1, substituted, state.cwd, None, "task"))
        follow_cd(state, substituted)
    return out


def _task_vars(block: Any, scope: Mapping[str, str]) -> dict[str, str]:
    """A ``vars:``/``env:`` block's literal values (``{{.X}}`` references resolved); ``sh:``
    and other dynamic values are left out, so their references stay unresolved."""
    out: dict[str, str] = {}
    if not isinstance(block, dict):
        return out
    for name, value in block.items():
        if isinstance(value, dict):
            value = value.get("value") if "sh" not in value else None
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            resolved = _template(str(value), {**scope, **out})
            if UNKNOWN not in resolved:
                out[str(name)] = resolved
    return out


def _template(text: str, scope: Mapping[str, str]) -> str:
    def repl(match: re.Match) -> str:
        known = TEMPLATE.fullmatch(match.group(0))
        return scope[known.group(1)] if known and known.group(1) in scope else _opaque(match.group(0))
    return ANY_TEMPLATE.sub(repl, text)


def _node_at(node: Any, path: tuple) -> Any:
    for key in path:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(key)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            return None
    return node


# --- shared helpers -------------------------------------------------------------------------

# what _code must look at: a quoted span (to its closing quote, or the line's end) or a #
_QUOTED_OR_HASH = re.compile(r"""'[^']*'?|"[^"]*"?|#""")


def _code(line: str) -> str:
    """The line without its trailing comment: a # outside quotes, at the start or after a blank."""
    if "#" not in line:
        return line
    for match in _QUOTED_OR_HASH.finditer(line):
        index = match.start()
        if line[index] == "#" and (index == 0 or line[index - 1] in " \t;"):
            return line[:index]
    return line


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Join backslash-continued lines, keeping the first line's number."""
    lines: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        lines.append((start, pending + line))
        pending = ""
    if pending:
        lines.append((start, pending))
    return lines


def _single_word(value: str) -> str | None:
    try:
        words = split_words(value)
    except ValueError:
        return None
    return words[0] if len(words) == 1 else None


def _assignments(text: str, make: bool = False) -> dict[str, str]:
    """Variables the file assigns a value that can be known: a literal, a ``${X:-default}``, or
    (in file order) a text made of variables already known. A make variable is the rest of its
    line, and its last assignment wins (``?=`` only when unset); a shell variable assigned two
    different values, or once something unknown, is not known (which branch runs is not)."""
    variables: dict[str, str] = {}
    unknown: set[str] = set()
    for line in text.splitlines():
        if make and line.startswith("\t"):
            continue
        match = ASSIGN.match(line)
        if not match:
            continue
        name = match.group(1)
        value = _code(match.group(2)).strip() if make else _single_word(match.group(2))
        if make and "?=" in line[:match.start(2)] and name in variables:
            continue
        defaulted = DEFAULTED.match(value) if value is not None else None
        if defaulted:
            # NAME="${NAME:-x}" keeps a value the file gave NAME before
            value = variables[name] if variables.get(name) and value.startswith("${" + name) else defaulted.group(1)
        if value is not None and ("`" in value or "$" in value):
            value = None if "`" in value else _expand(value, variables)
        if value is None or make and not value:
            if not make:
                unknown.add(name)
            continue
        if not make and name in variables and variables[name] != value and variables[name] != "":
            unknown.add(name)
        variables[name] = value
    return {k: v for k, v in variables.items() if k not in unknown}


def _expand(word: str, variables: Mapping[str, str]) -> str | None:
    if UNKNOWN in word or re.search(r"\$\((?![A-Za-z_][A-Za-z0-9_]*\))", word) or "`" in word:
        return None  # a command's output cannot be known without running it (make's $(VAR) is fine)
    def repl(match: re.Match) -> str:
        name = match.group(1) or match.group(3) or match.group(4)
        if name in variables and (variables[name] != "" or match.group(2) is None):
            return variables[name]
        if match.group(2) is not None:
            return match.group(2)
        raise KeyError(name)
    try:
        return VAR.sub(repl, word)
    except KeyError:
        return None


# the characters substitute acts on; it copies every other one as it is
_SPECIAL = re.compile(r"[$`'\"]")


def substitute(code: str, variables: Mapping[str, str]) -> str:
    """The line with the variables the file assigns written in (outside single quotes), as the
    shell expands them before it splits words; a command substitution becomes unknown."""
    if "$" not in code and "`" not in code:
        return code
    out: list[str] = []
    index, quote = 0, None
    while index < len(code):
        if quote == "'":  # copied up to and with the closing quote
            end = code.find("'", index)
            end = len(code) - 1 if end < 0 else end
            out.append(code[index:end + 1])
            quote = None
            index = end + 1
            continue
        special = _SPECIAL.search(code, index)
        if special is None:
            out.append(code[index:])
            break
        out.append(code[index:special.start()])
        index = special.start()
        char = code[index]
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
        if char == "$" and code[index + 1:index + 2] == "(" and not MAKE_VAR.match(code, index):
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


# what shlex would split or unquote, inside a command substitution kept as one unknown word
_OPAQUE = str.maketrans({c: chr(0xE000 + i) for i, c in enumerate(" \t;&|()<>'\"\\")})
_CLEAR = {ord(v): chr(k) for k, v in _OPAQUE.items()}


def _opaque(text: str) -> str:
    return UNKNOWN + text.translate(_OPAQUE) + UNKNOWN


def readable(word: str) -> str:
    """A word as the script wrote it, for a message; a path from the script's own folder is
    written from the repository root."""
    if word.startswith(ROOTED):
        word = posixpath.normpath(word[len(ROOTED):].lstrip("/") or ".")
    return word.replace(UNKNOWN, "").translate(_CLEAR)


def _closing(code: str, start: int) -> int:
    """Where the parenthesis opened at ``start`` closes (quotes respected), or the line's end."""
    depth, quote = 0, None
    for index in range(start, len(code)):
        char = code[index]
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
    return len(code) - 1
