"""Placement: turning a fix's intent (patcher.intent) into file edits for a strategy.

The source strategy (what plan and apply write) puts each change where the owner of the
resource would make it: the manifest in place, the values of the Helm release that renders
it, the inline values of the Argo CD Application that configures it. A change with no such
place is refused with the reason, never written where it would have no effect. The overlay
strategy (patcher.place.overlay) writes the applied changes as a Kustomize overlay instead.
"""
