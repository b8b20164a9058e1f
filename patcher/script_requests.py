"""The requests a repository's scripts send to the host: every local URL with its path.

``curl "$BASE_URL/api/orders"`` is a call of ``http://localhost:8080/api/orders`` once the
script's own literal assignment of BASE_URL is written in; a variable the script does
not assign a literal leaves the call out rather than guessed. The line that only assigns
a URL to a variable the script uses later is not a request of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from patcher.entrypoints.shell import ASSIGN, _assignments, _code, _logical_lines, is_makefile, substitute
from patcher.scripts import IMAGE_TOOLS, LOCAL_URL, VIRTUAL_HOST, _command

PATH = re.compile(r"[^\s'\"`;|&<>)]*")
USE = re.compile(r"\$[({]?([A-Za-z_][A-Za-z0-9_]*)")  # $NAME, ${NAME}, make's $(NAME)
HOST_HEADER = re.compile(r"""(?:-H|--header)\s*=?\s*['"]?Host:\s*(?P<host>[A-Za-z0-9.*-]+(?::\d+)?)""", re.I)
RESOLVE = re.compile(r"""--resolve[=\s]+['"]?(?P<host>[A-Za-z0-9.-]+):(?P<port>\d+):(?:127\.0\.0\.1|localhost|\[?::1\]?)""")


@dataclass(frozen=True)
class ScriptRequest:
    file: str
    line: int
    scheme: str
    port: int
    path: str
    host: str | None  # the Host header the call sends, when it names one (or the host --resolve maps)
    resolved: bool = False  # curl --resolve HOST:PORT:127.0.0.1 with a URL of that HOST
    url_host: str = "localhost"

    @property
    def key(self) -> tuple:
        return (self.port, self.path, self.host, self.scheme)


def script_requests(text: str, path: str) -> list[ScriptRequest]:
    variables = _assignments(text, make=is_makefile(path))
    used = set(USE.findall(text))
    out: list[ScriptRequest] = []
    for number, line in _logical_lines(text):
        code = _code(line)
        assigned = ASSIGN.match(code)
        if assigned and assigned.group(1) in used:
            continue  # the value is requested where the variable is used
        expanded = substitute(code, variables)
        if _command(expanded) in IMAGE_TOOLS:
            continue
        for resolve in RESOLVE.finditer(expanded):
            name, port = resolve.group("host"), int(resolve.group("port"))
            for url in re.finditer(r"(?P<scheme>https?)://" + re.escape(name) + r"(?::(?P<port>\d+))?(?![\w.-])",
                                   expanded, re.I):
                scheme = url.group("scheme").lower()
                if int(url.group("port") or (443 if scheme == "https" else 80)) != port:
                    continue
                rest = PATH.match(expanded, url.end()).group(0)
                if "$" not in rest and "\x01" not in rest:
                    out.append(ScriptRequest(path, number, scheme, port, rest if rest.startswith("/") else "/", name,
                                             True))
        header = HOST_HEADER.search(expanded)
        host = header.group("host") if header else None
        if host is None and VIRTUAL_HOST.search(expanded):
            continue  # --connect-to and friends: which host the call names is not read here
        for match in LOCAL_URL.finditer(expanded):
            scheme = match.group("scheme") or "http"
            port = match.group("port") or match.group("bareport")
            number_port = int(port) if port else (443 if scheme == "https" else 80)
            rest = PATH.match(expanded, match.end()).group(0)
            request_path = rest if rest.startswith("/") else "/"
            if "$" in request_path or "\x01" in request_path:
                continue
            out.append(ScriptRequest(path, number, scheme, number_port, request_path, host,
                                     url_host=match.group("host") or match.group("bare")))
    return out
