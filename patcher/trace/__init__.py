"""Tracing one request through the routing topology, hop by hop.

``Topology.trace(entry)`` answers what a user's ``curl`` meets: each layer of the
ingress chain with its state and the reason, ending in "ok" or in the one hop that
fails. The ingress rules read the same lookups, so a report and the findings agree.
"""

from patcher.trace.hops import Entry, Hop, HopState, Trace

__all__ = ["Entry", "Hop", "HopState", "Trace"]
