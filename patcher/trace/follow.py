"""Following one request forward, from the host port to the workloads and their calls."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from patcher.names import host_matches, selects
from patcher.routes import forwards
from patcher.trace.chain import (entry_for, listener, mapping_hop, mapping_of, outside, server_chain,
                                 server_hosts_match, servers_behind, service_location, through_kind)
from patcher.trace.hops import Entry, Hop, HopState, Trace
from patcher.unread import KIND_CLUSTER, SCRIPT, WORKLOADS, gaps, needs
from patcher.trace.match import describe, route_holds, specificity

if TYPE_CHECKING:
    from patcher.topology import Gateway, Server, Service, ServicePort, Topology, VirtualService

OK, MISSING, UNREACHABLE, UNKNOWN = HopState.OK, HopState.MISSING, HopState.UNREACHABLE, HopState.UNKNOWN
# what a layer's verdict rests on: a gap in these makes a missing layer unknown instead
LAYER_KINDS = {"host port": (KIND_CLUSTER, SCRIPT), "kind mapping": (KIND_CLUSTER,),
               "NodePort": ("Service", "IstioOperator") + tuple(WORKLOADS),
               "ingress Service port": ("Service", "IstioOperator"), "Gateway server": ("Gateway",),
               "VirtualService route": ("VirtualService",), "Service port": ("Service",),
               "endpoints": tuple(WORKLOADS), "call": ("Service",)}


class _Walk:
    def __init__(self, topology: "Topology", entry: Entry, unread: bool = True) -> None:
        self.t, self.entry, self.judge_unread = topology, entry, unread
        self.hops: list[Hop] = []

    def add(self, hop: Hop) -> bool:
        if hop.state in (MISSING, UNREACHABLE) and self.judge_unread:
            hop = self.unread(hop)
        self.hops.append(hop)
        return hop.state is OK

    def unread(self, hop: Hop) -> Hop:
        """A layer that seems missing may be in what patcher could not read (a file that does not
        parse, a chart that did not render): then what answers is not known, and the hop says why."""
        kinds = LAYER_KINDS.get(hop.layer)
        found = gaps(needs(*kinds) if kinds else None, self.t.model.unread)
        if not found:
            return hop
        what = "; ".join(dict.fromkeys(g.what for g in found[:2])) + (f" and {len(found) - 2} more" if len(found) > 2 else "")
        return dataclasses.replace(hop, state=UNKNOWN, reason=f"{hop.reason}; but patcher could not read {what}, "
                                   "which may hold it")

    def result(self) -> Trace:
        return Trace(self.entry, tuple(self.hops))

    # --- the host ------------------------------------------------------------------------------
    def host(self) -> None:
        t, port = self.t, self.entry.port
        client = Hop("host port", f"{self.entry.url_host}:{port}", OK, f"the client calls {self.entry}",
                     self.entry.file, self.entry.line, ("client",))
        if not t.model.kind_configs:
            self.add(Hop("host port", f"{self.entry.url_host}:{port}", UNKNOWN,
                         "the repository holds no kind cluster config: how the host reaches the cluster is not shown",
                         self.entry.file, self.entry.line, ("client",)))
            return
        mapping = mapping_of(t, port)
        if mapping is None:
            forwarded = {p for _, p in t.model.forwarded_ports} | {
                local for f in t.model.entry_points.port_forwards for local, _ in f.ports}
            if port in forwarded:
                self.add(Hop("host port", f"{self.entry.url_host}:{port}", UNKNOWN,
                             f"a script port-forwards localhost:{port} while it runs; kind maps no host port {port}",
                             self.entry.file, self.entry.line, ("client",)))
            elif port in t.model.served_ports:
                self.add(Hop("host port", f"{self.entry.url_host}:{port}", UNKNOWN,
                             f"a script serves localhost:{port} itself, outside the cluster",
                             self.entry.file, self.entry.line, ("client",)))
            else:
                mapped = ", ".join(str(m.host_port) for m in t.mappings) or "none"
                self.add(Hop("host port", f"{self.entry.url_host}:{port}", MISSING,
                             f"kind maps no host port {port} (mapped: {mapped}): the connection is refused"
                             + self.waiting_server(port), self.entry.file, self.entry.line, ("client",)))
            return
        self.add(client)
        self.add(mapping_hop(mapping))
        self.node_port(mapping.container_port)

    def waiting_server(self, port: int) -> str:
        """A Gateway server of that port number whose chain to the host is not whole: the
        layer it lacks is why the port is not published."""
        t = self.t
        for _, gateway in sorted(t.gateways.items()):
            services = [s for s in t.ingress_services(gateway) if through_kind(t, s)]
            for server in gateway.servers if services else ():
                if server.number == port:
                    chain = server_chain(t, gateway, server, services[0])
                    if chain.failing is not None:
                        res = gateway.resource
                        return f"; Gateway {res.namespace}/{res.name} serves port {port}, but {chain.failing.reason}"
        return ""

    def node_port(self, container_port: int) -> None:
        t = self.t
        found = listener(t, container_port)
        if not found:
            if t.model.ingress_unknown:
                self.add(Hop("NodePort", str(container_port), UNKNOWN, t.model.ingress_unknown))
            else:
                self.add(Hop("NodePort", str(container_port), UNREACHABLE,
                             f"no Service has nodePort {container_port} and no workload uses hostPort {container_port}:"
                             " nothing listens there"))
            return
        if found[0] == "unplaced":
            self.add(Hop("NodePort", str(container_port), UNKNOWN,
                         f"a resource applied into a namespace the repository does not name uses port {container_port}"))
            return
        if found[0] == "pods":
            workload = found[1]
            loc = workload.resource.location()
            self.add(Hop("NodePort", str(container_port), OK, f"hostPort {container_port} of {entry_for(workload)}",
                         loc.file, loc.line, ("workload",) + workload.key))
            gateways = [g for _, g in sorted(t.gateways.items()) if g.selector and selects(g.selector, workload.pod_labels)]
            if not gateways:
                self.calls([workload])
                return
            # the ingress gateway's own pods publish the port: its servers listen on the container port
            target = next((c for c, h in workload.container_ports if h == container_port), container_port)
            servers = [(g, s) for g in gateways for s in g.servers if s.number == target]
            if not servers:
                names = ", ".join(f"{g.resource.namespace}/{g.resource.name}" for g in gateways)
                self.add(Hop("Gateway server", f"port {target}", MISSING,
                             f"no server of the Gateway(s) on these pods ({names}) listens on port {target}: the gateway "
                             "refuses the connection"))
                return
            self.serve(servers)
            return
        _, service, port = found
        svc = service.resource
        file, line = service_location(service, port)
        self.add(Hop("NodePort", str(container_port), OK, f"NodePort {container_port} of Service {svc.namespace}/{svc.name}",
                     file, line, ("service", svc.namespace, svc.name)))
        target = t.target_port(service, port)
        self.add(Hop("ingress Service port", f"{svc.namespace}/{svc.name}:{port.port}", OK,
                     f"port {port.port} ({port.name or 'unnamed'}) leads to targetPort {target}", file, line,
                     ("service", svc.namespace, svc.name)))
        if t.gateways_on(service):
            self.gateway(service, port)
        else:
            self.endpoints(service, port)

    # --- the ingress gateway -------------------------------------------------------------------
    def gateway(self, service: "Service", port: "ServicePort") -> None:
        t = self.t
        svc = service.resource
        servers = servers_behind(t, service, port)
        target = t.target_port(service, port)
        if not servers:
            names = ", ".join(f"{g.resource.namespace}/{g.resource.name}" for g in t.gateways_on(service))
            self.add(Hop("Gateway server", f"port {target}", MISSING,
                         f"no server of the Gateway(s) on {svc.namespace}/{svc.name} ({names}) listens on port {port.port}"
                         f" or targetPort {target}: the gateway refuses the connection"))
            return
        self.serve(servers)

    def serve(self, servers: list) -> None:
        """The Gateway servers on the port the request reached: the TLS server name, then the Host."""
        authority, entry = self.entry.authority, self.entry
        tls = [(g, s) for g, s in servers if s.protocol in ("HTTPS", "TLS")]
        if entry.scheme == "https" and tls and len(tls) == len(servers) and not any(
                server_hosts_match(s, entry.sni) for _, s in tls):
            gateway, server = tls[0]
            loc = gateway.resource.location(("spec", "servers", server.index, "hosts"))
            hosts = ", ".join(str(h) for _, srv in tls for h in srv.hosts) or "none"
            self.add(Hop("Gateway server", f"{gateway.resource.namespace}/{gateway.resource.name}:{server.number}",
                         MISSING, f"curl sends the TLS server name {entry.sni}, and the servers on port {server.number} "
                         f"take {hosts}: the handshake fails (call https://{authority}/ with --resolve "
                         f"{authority}:{entry.port}:127.0.0.1)", loc.file, loc.line,
                         ("gateway", gateway.resource.namespace, gateway.resource.name)))
            return
        matching = [(g, s) for g, s in servers if server_hosts_match(s, authority)]
        if not matching:
            gateway, server = servers[0]
            loc = gateway.resource.location(("spec", "servers", server.index, "hosts"))
            hosts = ", ".join(str(s) for _, srv in servers for s in srv.hosts) or "none"
            self.add(Hop("Gateway server", f"{gateway.resource.namespace}/{gateway.resource.name}:{server.number}",
                         MISSING, f"the servers on port {server.number} take hosts {hosts}, not {authority}: "
                         "the gateway answers 404", loc.file, loc.line,
                         ("gateway", gateway.resource.namespace, gateway.resource.name)))
            return
        gateway, server = matching[0]
        res = gateway.resource
        loc = res.location(("spec", "servers", server.index, "port", "number"))
        self.add(Hop("Gateway server", f"{res.namespace}/{res.name}:{server.number}", OK,
                     f"server {server.name or server.index} ({server.protocol or 'no protocol'}) on port "
                     f"{server.number} takes host {authority}", loc.file, loc.line,
                     ("gateway", res.namespace, res.name)))
        if server.protocol not in ("HTTP", "HTTPS", "HTTP2", "GRPC", "GRPC-WEB"):
            self.add(Hop("VirtualService route", f"{server.protocol} server", UNKNOWN,
                         f"a {server.protocol or 'plain'} server: only HTTP routes are traced"))
            return
        self.route([g for g, s in matching], server)

    def route(self, gateways: list["Gateway"], server: "Server") -> None:
        t, entry = self.t, self.entry
        keys = {g.key for g in gateways}
        candidates = {id(vs): vs for key in keys for vs in t.virtual_services_by_gateway.get(key, [])}
        order = {id(vs): i for i, vs in enumerate(t.virtual_services)}
        bound = sorted((vs for vs in candidates.values() if any(host_matches(h, entry.authority) for h in vs.hosts)),
                       key=lambda vs: order[id(vs)])
        names = ", ".join(f"{g.resource.namespace}/{g.resource.name}" for g in gateways)
        if not bound:
            self.add(Hop("VirtualService route", entry.authority, MISSING,
                         f"no VirtualService binds host {entry.authority} on Gateway {names}: the gateway answers 404"
                         + self.mesh_only()))
            return
        answers: list[tuple["VirtualService", int]] = []
        unsure = []
        for vs in bound:
            for route in vs.routes:
                held = route_holds(route.data, entry.path, entry.authority, server.number)
                if held:
                    answers.append((vs, route.index))
                    break
                if held is None:  # it may take the request before any later route of its VirtualService
                    unsure.append((vs, route.index))
                    break
        if not answers:
            names_vs = ", ".join(f"{v.resource.namespace}/{v.resource.name}" for v in bound)
            if unsure:
                vs, index = unsure[0]
                loc = vs.resource.location(("spec", "http", index))
                self.add(Hop("VirtualService route", f"{vs.resource.namespace}/{vs.resource.name}", UNKNOWN,
                             f"route {index} of {vs.resource.namespace}/{vs.resource.name} has a condition patcher "
                             f"cannot judge for {entry.path}", loc.file, loc.line,
                             ("vs", vs.resource.namespace, vs.resource.name)))
                return
            self.add(Hop("VirtualService route", entry.path, MISSING,
                         f"no route of {names_vs} matches {entry.path} on host {entry.authority}: the gateway answers 404"
                         + self.mesh_only(),
                         bound[0].resource.location().file, bound[0].resource.location().line,
                         ("vs", bound[0].resource.namespace, bound[0].resource.name)))
            return
        # several VirtualServices of one host are merged in an order the files do not fix: the one
        # whose route matches most narrowly is the one its author meant; the others are named
        answers.sort(key=lambda a: -specificity(_route(a[0], a[1]).data, entry.path))
        vs, index = answers[0]
        route = _route(vs, index)
        res = vs.resource
        loc = res.location(("spec", "http", index))
        label = f"{res.namespace}/{res.name} route {index}" + (f" '{route.data['name']}'" if route.data.get("name") else "")
        reason = f"{describe(route.data)} matches {entry.path}"
        caveat = ""
        if len(answers) > 1:
            others = ", ".join(f"route {i} of {v.resource.namespace}/{v.resource.name} ({describe(_route(v, i).data)})"
                               for v, i in answers[1:])
            caveat = f"{others} matches too, and answers instead when Istio merges it first"
        if unsure:
            odd = ", ".join(f"route {i} of {v.resource.namespace}/{v.resource.name}" for v, i in unsure)
            caveat += ("; " if caveat else "") + f"{odd} has a condition patcher cannot judge and may answer instead"
        if caveat:
            reason += f"; {caveat}"
        if not forwards(route.data):
            self.add(Hop("VirtualService route", label, UNREACHABLE, "the route neither routes, redirects nor responds",
                          loc.file, loc.line, ("vs", res.namespace, res.name)))
            return
        if not route.destinations:
            what = "redirects" if route.data.get("redirect") else "answers directly" if route.data.get(
                "directResponse") else "delegates"
            self.add(Hop("VirtualService route", label, OK, f"{reason}; the route {what}", loc.file, loc.line,
                         ("vs", res.namespace, res.name)))
            return
        self.add(Hop("VirtualService route", label, OK, reason, loc.file, loc.line, ("vs", res.namespace, res.name),
                     caveat))
        dest = route.destinations[0]
        if dest.service is None:
            why = outside(t, dest.host, res.namespace)
            if why:
                self.add(Hop("Service port", dest.host, UNKNOWN, f"{dest.host}: {why}", loc.file, loc.line,
                             ("host", dest.host)))
            else:
                self.add(Hop("Service port", dest.host, MISSING,
                             f"the route's destination {dest.host} names no Service of the repository: the gateway "
                             "answers 503", loc.file, loc.line, ("host", dest.host)))
            return
        service = dest.service
        svc = service.resource
        name = f"{svc.namespace}/{svc.name}"
        if dest.port is not None:
            port = next((p for p in service.ports if p.port == dest.port), None)
            if port is None:
                have = ", ".join(str(p.port) for p in service.ports) or "none"
                file, line = service_location(service)
                self.add(Hop("Service port", f"{name}:{dest.port}", MISSING,
                             f"the route sends to port {dest.port}, which {name} does not have (ports: {have})",
                             file, line, ("service", svc.namespace, svc.name)))
                return
        elif len(service.ports) == 1:
            port = service.ports[0]
        else:
            file, line = service_location(service)
            self.add(Hop("Service port", name, UNREACHABLE if service.ports else MISSING,
                         f"the route names no port and {name} has " +
                         (f"{len(service.ports)}: Istio rejects the route" if service.ports else "none"),
                         file, line, ("service", svc.namespace, svc.name)))
            return
        file, line = service_location(service, port)
        self.add(Hop("Service port", f"{name}:{port.port}", OK,
                     f"Service {name} port {port.port} leads to targetPort {t.target_port(service, port)}", file, line,
                     ("service", svc.namespace, svc.name)))
        self.endpoints(service, port)

    def mesh_only(self) -> str:
        """A VirtualService that would route the request, were it bound to a Gateway: the likely cause."""
        entry = self.entry
        for vs in self.t.virtual_services_by_gateway.get(None, []):
            if set(vs.gateways) == {None} and any(host_matches(h, entry.authority) for h in vs.hosts) and any(
                    route_holds(r.data, entry.path, entry.authority, None) for r in vs.routes):
                return (f"; VirtualService {vs.resource.namespace}/{vs.resource.name} routes it, but is bound to "
                        "the mesh only (no gateways:)")
        return ""

    # --- the workloads -------------------------------------------------------------------------
    def endpoints(self, service: "Service", port: "ServicePort") -> None:
        t = self.t
        svc = service.resource
        name = f"{svc.namespace}/{svc.name}"
        file, line = service_location(service)
        if not service.selector:
            self.add(Hop("endpoints", name, UNKNOWN, f"{name} has no selector: its endpoints are managed outside "
                         "the repository's manifests", file, line, ("service", svc.namespace, svc.name)))
            return
        workloads = t.workloads_of(service)
        if not workloads:
            why = outside(t, f"{svc.name}.{svc.namespace}", svc.namespace)
            selector = ", ".join(f"{k}={v}" for k, v in sorted(service.selector.items()))
            if t.model.unplaced or why:
                self.add(Hop("endpoints", name, UNKNOWN, f"no pods of the repository match {selector}; "
                             + (why or "resources applied into an unnamed namespace may"), file, line,
                             ("service", svc.namespace, svc.name)))
            else:
                self.add(Hop("endpoints", name, UNREACHABLE, f"the selector {selector} matches no pods: the Service "
                             "has no endpoints (503)", file, line, ("service", svc.namespace, svc.name)))
            return
        target = t.target_port(service, port)
        if isinstance(target, str):
            self.add(Hop("endpoints", name, UNREACHABLE, f"no container of {entry_for(workloads[0])} names a port "
                         f"'{target}', the targetPort of port {port.port}", file, line,
                         ("workload",) + workloads[0].key))
            return
        for workload in workloads:
            loc = workload.resource.location()
            self.add(Hop("endpoints", entry_for(workload), OK, f"pods of {entry_for(workload)} on port {target}",
                         loc.file, loc.line, ("workload",) + workload.key))
        self.calls(workloads)

    def calls(self, workloads: list) -> None:
        """The calls the pods make, and the calls of the pods those reach, each once."""
        t = self.t
        seen = {w.key for w in workloads}
        queue = [(w, 1) for w in workloads]
        while queue:
            workload, depth = queue.pop(0)
            calls, unresolved = t.calls_by_workload.get(workload.key, ([], []))
            for call in calls:
                target = "/".join(call.target_key[:2]) + (f":{call.port}" if call.port else "")
                self.add(Hop("call", target, OK, f"{call.caller} calls {target} ({call.evidence.what})",
                             call.evidence.file, call.evidence.line, ("call", depth)))
                for callee in t.workloads_of(call.callee) if call.callee is not None else [call.pods]:
                    if callee is not None and callee.key not in seen:
                        seen.add(callee.key)
                        queue.append((callee, depth + 1))
            for item in unresolved:
                why = outside(t, item.host, workload.resource.namespace)
                self.add(Hop("call", item.host, UNKNOWN if why else MISSING,
                             f"{item.caller} calls {item.host}: " + (why or "no such Service in the repository"),
                             item.evidence.file, item.evidence.line, ("call", depth)))


def _route(vs: "VirtualService", index: int):
    return next(r for r in vs.routes if r.index == index)


def trace(topology: "Topology", entry: Entry, unread: bool = True) -> Trace:
    """``unread`` False: the hops as the files read say them, for a rule whose fixes are withheld
    on what could not be read anyway (its finding stands)."""
    walk = _Walk(topology, entry, unread)
    walk.host()
    return walk.result()
