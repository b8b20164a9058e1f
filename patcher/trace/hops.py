"""What a trace is made of: the entry a user calls, the hops it meets, their states."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class HopState(str, enum.Enum):
    OK = "ok"
    MISSING = "missing"  # the layer the request needs is not declared
    UNREACHABLE = "unreachable"  # it is declared, but nothing answers behind it
    UNKNOWN = "unknown-outside-repository"  # what answers is not in the repository


@dataclass(frozen=True)
class Entry:
    """A request from the host: ``curl <scheme>://localhost:<port><path>`` with a Host header."""

    port: int
    path: str = "/"
    host: str | None = None  # the Host header; None: the URL's own host (localhost)
    scheme: str = "http"
    file: str | None = None  # the script that calls it, when one does
    line: int | None = None
    # (namespace, name) of the Gateway whose route the entry was made from; not part of the request
    gateway: tuple[str, str] | None = field(default=None, compare=False)
    # the call names its host in the URL and resolves it to the host (curl --resolve): the TLS
    # server name is that host too; else curl sends the URL's own host, whatever the Host header says
    resolved: bool = False
    url_host: str = "localhost"  # as the URL writes it: localhost, 127.0.0.1

    @property
    def authority(self) -> str:
        """The Host the routing matches (a port written in the header is not part of the match)."""
        host = self.host or self.url_host
        return host.rsplit(":", 1)[0] if host.count(":") == 1 else host

    @property
    def sni(self) -> str:
        return self.authority if self.resolved else self.url_host

    @property
    def url(self) -> str:
        default = 443 if self.scheme == "https" else 80
        port = "" if self.port == default else f":{self.port}"
        host = self.host if self.resolved and self.host else self.url_host
        return f"{self.scheme}://{host}{port}{self.path}"

    def __str__(self) -> str:
        if self.resolved and self.host:
            return f"{self.url} (--resolve {self.authority}:{self.port}:127.0.0.1)"
        return self.url + (f" (Host: {self.host})" if self.host else "")


@dataclass(frozen=True)
class Hop:
    layer: str  # "host port", "kind mapping", "NodePort", ...
    label: str  # what the request meets there: "localhost:80", "istio-system/istio-ingressgateway:80"
    state: HopState
    reason: str
    file: str | None = None
    line: int | None = None
    # the topology objects the hop stands for, by key, for diagrams: ("service", ns, name), ...
    node: tuple = field(default=(), compare=False)
    # an ok hop that holds only on a condition the files do not fix (Istio's merge order of two
    # VirtualServices): said wherever the flow is called ok
    caveat: str = ""

    @property
    def where(self) -> str:
        if not self.file:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class Trace:
    entry: Entry
    hops: tuple[Hop, ...]

    @property
    def failing(self) -> Hop | None:
        # a downstream call the repository does not show leaves the request itself answered
        return next((h for h in self.hops if h.state is not HopState.OK and h.layer != "call"), None)

    @property
    def state(self) -> HopState:
        hop = self.failing
        return hop.state if hop else HopState.OK

    @property
    def ok(self) -> bool:
        return self.failing is None

    @property
    def caveats(self) -> tuple[str, ...]:
        return tuple(h.caveat for h in self.hops if h.caveat)

    def hop(self, layer: str) -> Hop | None:
        return next((h for h in self.hops if h.layer == layer), None)
