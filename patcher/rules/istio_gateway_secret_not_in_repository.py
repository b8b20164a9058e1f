"""A Gateway TLS server whose certificate Secret nothing in the repository creates.

What it finds: a deployed Gateway server with ``tls.credentialName`` naming a
Secret that no manifest, rendered chart, cert-manager Certificate
(``secretName``), ExternalSecret (``target.name``), SealedSecret or script of
the repository creates, and whose name appears in no other file of it. It is a
note: the Secret may well be created outside the repository (by hand with
``kubectl create secret tls``, by another repository's cert-manager), and the
message says so. When patcher could not read everything that may create
Secrets (a remote chart, a namespace it cannot resolve), nothing is said.

Why it matters: without the Secret in the gateway's namespace, istiod gives the
listener no certificate and every TLS handshake on that server fails.

Example:

    servers:
      - port: {number: 443, name: https, protocol: HTTPS}
        tls: {mode: SIMPLE, credentialName: shop-cert}   # no Secret shop-cert anywhere

Fixed example: none; create the Secret (or a cert-manager Certificate whose
``secretName`` is it) in the ingress gateway's namespace.
"""

from __future__ import annotations

import re
from typing import Iterator

from patcher.findings import Finding, Severity
from patcher.rule import Context, RuleInfo
from patcher.unread import gaps, needs

RULE = RuleInfo(
    id="istio/gateway-secret-not-in-repository",
    severity=Severity.RECOMMENDED,
    summary="Gateway TLS server whose credentialName Secret the repository creates nowhere (a note)",
    fixable=False,
    safety="No fix: the certificate has to come from whoever issues it.",
)

WHY = "Without the Secret istiod gives the listener no certificate: every TLS handshake on it fails."
# where a resource names the Secret it creates, by kind
CREATES = {"Secret": ("metadata", "name"), "SealedSecret": ("metadata", "name"),
           "Certificate": ("spec", "secretName"), "ExternalSecret": ("spec", "target", "name")}


def _created(model) -> set[str]:
    out = set()
    for r in tuple(model.resources) + tuple(model.undeployed) + tuple(model.unplaced):
        path = CREATES.get(r.kind)
        if path is None:
            continue
        name = r.get(*path)
        if r.kind == "ExternalSecret" and not name:
            name = r.name  # its target defaults to its own name
        if isinstance(name, str):
            out.add(name)
    return out


def _mentioned(model, name: str) -> bool:
    """Whether any file names the Secret other than as a credentialName (a script, values, docs)."""
    word = re.compile(rf"(?<![\w.-]){re.escape(name)}(?![\w.-])")
    for text in model.workspace.texts.values():
        if any(word.search(line) for line in text.splitlines() if "credentialName" not in line):
            return True
    return False


def check(ctx: Context) -> Iterator[Finding]:
    model = ctx.model
    if gaps(needs("Secret"), model.unread):
        return  # what patcher could not read may create it
    created = _created(model)
    seen: set[str] = set()
    for _, gateway in sorted(ctx.topology.gateways.items()):
        res = gateway.resource
        for index, server in enumerate(res.get("spec", "servers", default=[]) or []):
            tls = server.get("tls") if isinstance(server, dict) else None
            name = tls.get("credentialName") if isinstance(tls, dict) else None
            if not isinstance(name, str) or not name or "/" in name or name in created:
                continue
            if name in seen or _mentioned(model, name):
                continue
            seen.add(name)
            path = ("spec", "servers", index, "tls", "credentialName")
            message = (f"Gateway {res.namespace}/{res.name} server {index} reads TLS Secret {name}, which nothing "
                       f"in the repository creates; this is fine if it is created outside the repository "
                       f"(kubectl create secret tls, another repository's cert-manager), otherwise TLS on "
                       f"this server fails")
            yield Finding(RULE.id, RULE.severity, message, res.location(path), WHY, None)
