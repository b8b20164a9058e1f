"""Rules for one host working together: the circuit breaker fills a DestinationRule whose host
istio/host-without-service renames, so the host ends with one rule holding both fixes."""

from __future__ import annotations

from pathlib import Path

from helpers import apply, copy_tree, plan

CASE = (Path(__file__).parent / "fixtures" / "istio" / "destination-without-circuit-breaker"
        / "misnamed-rule-filled-not-duplicated" / "before")


def test_renamed_host_and_circuit_breaker_make_one_rule(tmp_path: Path) -> None:
    repo = copy_tree(CASE, tmp_path / "repo")
    apply(repo, "istio/destination-without-circuit-breaker", "istio/host-without-service")
    text = (repo / "shop.yaml").read_text()
    assert text.count("kind: DestinationRule") == 1
    rule = text[text.index("kind: DestinationRule"):]
    assert "  host: shop-api\n" in rule
    assert "    connectionPool:\n" in rule and "    outlierDetection:\n" in rule
    assert sorted(p.name for p in repo.iterdir()) == ["shop.yaml"]
    again = plan(repo, "istio/destination-without-circuit-breaker", "istio/host-without-service",
                 "istio/duplicate-destination-rule")
    assert list(again.findings) == []
