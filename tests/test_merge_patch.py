"""Strategic merge as Kustomize does it, for the parts analysis reads."""

from patcher.merge_patch import strategic_merge


def test_mappings_merge_and_null_deletes() -> None:
    assert strategic_merge({"a": 1, "b": {"c": 2, "d": 3}}, {"b": {"c": 5, "d": None}, "e": 6}) == \
        {"a": 1, "b": {"c": 5}, "e": 6}


def test_named_lists_merge_by_name() -> None:
    base = [{"name": "api", "image": "api:1", "env": [{"name": "A", "value": "1"}]}, {"name": "side"}]
    patch = [{"name": "api", "image": "api:2", "env": [{"name": "B", "value": "2"}]},
             {"name": "side", "$patch": "delete"}, {"name": "new"}]
    assert strategic_merge(base, patch) == [
        {"name": "api", "image": "api:2", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
        {"name": "new"}]


def test_other_lists_are_replaced_and_inputs_untouched() -> None:
    base = {"args": ["a", "b"]}
    assert strategic_merge(base, {"args": ["c"]}) == {"args": ["c"]}
    assert base == {"args": ["a", "b"]}
    assert strategic_merge({"x": {"y": 1}}, {"x": {"$patch": "replace", "z": 2}}) == {"x": {"z": 2}}


def test_ports_merge_on_their_port() -> None:
    assert strategic_merge([{"port": 80}], [{"port": 81}, {"port": 80, "name": "http"}]) == \
        [{"port": 80, "name": "http"}, {"port": 81}]
