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


DUPLICATES = Path(__file__).parent / "fixtures" / "istio" / "duplicate-destination-rule"


def test_merge_that_switches_on_a_tls_mode_says_so(tmp_path: Path) -> None:
    repo = copy_tree(DUPLICATES / "kustomize-entry-dropped" / "before", tmp_path / "repo")
    [finding] = plan(repo, "istio/duplicate-destination-rule").findings
    assert finding.fix.reason == ("only one rule's trafficPolicy takes effect today: the merge switches on "
                                  "trafficPolicy.tls, which may change how connections are made")


def test_merge_of_limits_and_subsets_is_safe(tmp_path: Path) -> None:
    repo = copy_tree(DUPLICATES / "merge-pool-and-outlier" / "before", tmp_path / "repo")
    [finding] = plan(repo, "istio/duplicate-destination-rule").findings
    assert finding.fix.reason == ("no field is set differently by the two rules, and what the merge adds is "
                                  "subsets and connection limits only")
