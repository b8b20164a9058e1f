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


DEPRECATED = Path(__file__).parent / "fixtures" / "istio" / "deprecated-field"


def _version_notes(result) -> list[tuple[str, int | None, str]]:
    return [(d.file, d.line, d.message) for d in result.diagnostics if "stable version" in d.message]


def test_old_api_versions_get_one_note_per_file(tmp_path: Path) -> None:
    repo = copy_tree(DEPRECATED / "consecutive-errors-and-mirror-percent" / "before", tmp_path / "repo")
    assert _version_notes(plan(repo, "istio/deprecated-field")) == [
        ("ratings.yaml", 1, "DestinationRule ratings, VirtualService ratings use networking.istio.io/v1beta1: "
                            "networking.istio.io/v1 is the stable version (Istio 1.22 and later)")]


def test_v1_resources_get_no_version_note(tmp_path: Path) -> None:
    repo = copy_tree(DEPRECATED / "clean-successors-only" / "before", tmp_path / "repo")
    assert _version_notes(plan(repo, "istio/deprecated-field")) == []
