"""Settings: documented defaults, overridden by .patcher.yaml or [tool.patcher] in pyproject.toml."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from patcher.config import DEFAULTS, load_config
from patcher.source import PatcherError


def _write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_any_settings_file(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config.source is None
    assert config.values == DEFAULTS
    assert config["route-timeout"] == "30s"
    assert config["retries"] == {"attempts": 3, "perTryTimeout": "10s",
                                 "retryOn": "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes"}
    assert config["cluster-domain"] == "cluster.local"
    assert config["mtls-mode"] == "STRICT"
    assert config["disable"] == []


def test_a_loaded_config_is_a_copy_of_the_defaults(tmp_path: Path) -> None:
    before = copy.deepcopy(DEFAULTS)
    config = load_config(tmp_path)
    config["retries"]["attempts"] = 99
    config["disable"].append("istio/route-without-timeout")
    assert DEFAULTS == before
    assert load_config(tmp_path)["retries"]["attempts"] == 3


def test_patcher_yaml_overrides_scalars_and_merges_nested_mappings(tmp_path: Path) -> None:
    _write(tmp_path, ".patcher.yaml",
           "route-timeout: 10s\n"
           "retries:\n  attempts: 5\n"
           "outlier-detection:\n  interval: 1m\n"
           "nodeport-range: [30000, 30100]\n")
    config = load_config(tmp_path)
    assert config.source == ".patcher.yaml"
    assert config["route-timeout"] == "10s"
    # the keys not named keep their defaults
    assert config["retries"] == {"attempts": 5, "perTryTimeout": "10s",
                                 "retryOn": "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes"}
    assert config["outlier-detection"] == {"consecutive5xxErrors": 5, "interval": "1m",
                                           "baseEjectionTime": "30s", "maxEjectionPercent": 50}
    # a list is replaced, not appended to
    assert config["nodeport-range"] == [30000, 30100]
    # untouched settings are the defaults
    for key in DEFAULTS.keys() - {"route-timeout", "retries", "outlier-detection", "nodeport-range"}:
        assert config[key] == DEFAULTS[key], key


def test_a_label_selector_setting_is_replaced_not_merged(tmp_path: Path) -> None:
    # merging labels would select pods that carry both the default and the new label
    _write(tmp_path, ".patcher.yaml", "dns:\n  labels:\n    app: coredns\n")
    config = load_config(tmp_path)
    assert config["dns"] == {"namespace": "kube-system", "labels": {"app": "coredns"}, "port": 53}


def test_empty_patcher_yaml_means_defaults(tmp_path: Path) -> None:
    _write(tmp_path, ".patcher.yaml", "# nothing to change yet\n")
    config = load_config(tmp_path)
    assert config.values == DEFAULTS
    assert config.source == ".patcher.yaml"


def test_unknown_setting_names_the_file_and_the_known_settings(tmp_path: Path) -> None:
    _write(tmp_path, ".patcher.yaml", "route-timeout: 10s\nroute-timout: 5s\n")
    with pytest.raises(PatcherError) as info:
        load_config(tmp_path)
    error = info.value
    assert error.file == ".patcher.yaml"
    assert error.message == "unknown setting 'route-timout'"
    assert "route-timeout" in error.hint
    assert str(error).startswith(".patcher.yaml:2:1: unknown setting 'route-timout'")


def test_unknown_nested_setting_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path, ".patcher.yaml", "retries:\n  attemps: 5\n")
    with pytest.raises(PatcherError) as info:
        load_config(tmp_path)
    assert info.value.file == ".patcher.yaml"
    assert "attemps" in info.value.message


def test_settings_must_be_a_mapping(tmp_path: Path) -> None:
    _write(tmp_path, ".patcher.yaml", "- route-timeout\n")
    with pytest.raises(PatcherError) as info:
        load_config(tmp_path)
    assert (info.value.file, info.value.line, info.value.message) == (
        ".patcher.yaml", 1, "settings must be a mapping")


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    _write(tmp_path, ".patcher.yaml", "route-timeout: 10s\nretries: [\n")
    with pytest.raises(PatcherError) as info:
        load_config(tmp_path)
    assert info.value.file == ".patcher.yaml"
    assert info.value.line is not None and info.value.line >= 2


def test_pyproject_tool_patcher_table(tmp_path: Path) -> None:
    _write(tmp_path, "pyproject.toml",
           '[project]\nname = "x"\n\n[tool.patcher]\nroute-timeout = "15s"\n'
           'disable = ["kind/unused-port-mapping"]\n\n[tool.patcher.retries]\nattempts = 2\n')
    config = load_config(tmp_path)
    assert config.source == "pyproject.toml"
    assert config["route-timeout"] == "15s"
    assert config["disable"] == ["kind/unused-port-mapping"]
    assert config["retries"]["attempts"] == 2
    assert config["retries"]["perTryTimeout"] == "10s"


def test_pyproject_without_a_patcher_table_means_defaults(tmp_path: Path) -> None:
    _write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n\n[tool.ruff]\nline-length = 100\n')
    config = load_config(tmp_path)
    assert config.source is None
    assert config.values == DEFAULTS


def test_pyproject_unknown_setting_names_pyproject(tmp_path: Path) -> None:
    _write(tmp_path, "pyproject.toml", '[tool.patcher]\nroute_timeout = "15s"\n')
    with pytest.raises(PatcherError) as info:
        load_config(tmp_path)
    assert info.value.file == "pyproject.toml"
    assert info.value.message == "unknown setting 'route_timeout'"


def test_invalid_toml_names_pyproject(tmp_path: Path) -> None:
    _write(tmp_path, "pyproject.toml", "[tool.patcher\n")
    with pytest.raises(PatcherError) as info:
        load_config(tmp_path)
    assert info.value.file == "pyproject.toml"
    assert info.value.message.startswith("invalid TOML")


def test_patcher_yaml_takes_precedence_over_pyproject(tmp_path: Path) -> None:
    _write(tmp_path, ".patcher.yaml", "route-timeout: 10s\n")
    _write(tmp_path, "pyproject.toml", '[tool.patcher]\nroute-timeout = "15s"\n')
    config = load_config(tmp_path)
    assert config.source == ".patcher.yaml"
    assert config["route-timeout"] == "10s"


def test_enabled_combines_rule_skip_and_disable(tmp_path: Path) -> None:
    _write(tmp_path, ".patcher.yaml", "disable: [kind/unused-port-mapping]\n")
    config = load_config(tmp_path)
    assert config.enabled("istio/route-without-timeout")
    assert not config.enabled("kind/unused-port-mapping")
    assert config.enabled("istio/route-without-timeout", only=("istio/route-without-timeout",))
    assert not config.enabled("istio/duplicate-gateway-host", only=("istio/route-without-timeout",))
    assert not config.enabled("istio/route-without-timeout", skip=("istio/route-without-timeout",))


@pytest.mark.parametrize("text, message, line", [
    ("route-timeout: 30 seconds\n",
     "setting 'route-timeout' is '30 seconds'; it must be a duration above zero such as 30s, 1m30s or 250ms", 1),
    ("# ours\nretries:\n  perTryTimeout: 10\n",
     "setting 'retries.perTryTimeout' is 10; it must be a duration above zero such as 30s, 1m30s or 250ms", 3),
    ("connection-pool:\n  maxConnections: many\n",
     "setting 'connection-pool.maxConnections' is 'many'; it must be a whole number of at least 1", 2),
    ("outlier-detection:\n  maxEjectionPercent: 150\n",
     "setting 'outlier-detection.maxEjectionPercent' is 150; it must be a whole number from 0 to 100", 2),
    ("mtls-mode: strict\n",
     "setting 'mtls-mode' is 'strict'; it must be one of STRICT, PERMISSIVE, DISABLE, UNSET", 1),
    ("nodeport-range: [32767, 30000]\n",
     "setting 'nodeport-range' is [32767, 30000]; it must be two port numbers [first, last], first <= last", 1),
    ("disable: istio/route-without-timeout\n",
     "setting 'disable' is 'istio/route-without-timeout'; it must be a list of strings", 1),
    ("dns:\n  port: true\n", "setting 'dns.port' is True; it must be a whole number from 1 to 65535", 2),
    ("helm-releases:\n  - name: web\n",
     "setting 'helm-releases' is [{'name': 'web'}]; it must be a list of {chart, name, namespace, values} "
     "(chart is required)", 1),
])
def test_a_value_of_the_wrong_shape_is_an_error_naming_the_key(tmp_path: Path, text: str, message: str,
                                                               line: int) -> None:
    _write(tmp_path, ".patcher.yaml", text)
    with pytest.raises(PatcherError) as caught:
        load_config(tmp_path)
    assert (caught.value.message, caught.value.file, caught.value.line) == (message, ".patcher.yaml", line)


def test_values_in_pyproject_are_checked_too(tmp_path: Path) -> None:
    _write(tmp_path, "pyproject.toml", '[tool.patcher]\nroute-timeout = "half a minute"\n')
    with pytest.raises(PatcherError) as caught:
        load_config(tmp_path)
    assert str(caught.value) == ("pyproject.toml:2:1: setting 'route-timeout' is 'half a minute'; it must be a "
                                 "duration above zero such as 30s, 1m30s or 250ms\n  hint: the default is '30s'")


def test_good_values_of_every_shape_are_accepted(tmp_path: Path) -> None:
    _write(tmp_path, ".patcher.yaml", "route-timeout: 1m30s\nretries: {attempts: 0, perTryTimeout: 250ms}\n"
                                      "mtls-mode: PERMISSIVE\nkubernetes-version: v1.30.2\n"
                                      "helm-releases: [{chart: helm/app, name: app, values: [a.yaml]}]\n")
    config = load_config(tmp_path)
    assert (config["route-timeout"], config["retries"]["attempts"], config["mtls-mode"]) == ("1m30s", 0, "PERMISSIVE")


def test_enabled_reads_families_globs_and_comma_lists(tmp_path: Path) -> None:
    _write(tmp_path, ".patcher.yaml", "disable: ['kind/*', 'script']\nenable: ['schema/']\n")
    config = load_config(tmp_path)
    assert not config.enabled("kind/unused-port-mapping")
    assert not config.enabled("script/url-unmapped-port")
    assert config.enabled("schema/invalid-resource", default=False)
    assert config.enabled("istio/route-without-timeout", only=("istio",))
    assert not config.enabled("istio/route-without-timeout", only=("istio",), skip=("istio/*-timeout",))
    assert not config.enabled("kind/unused-port-mapping", only=("istio",))
    # a family is a whole first segment: "istio/route" names no family and no rule
    assert not config.enabled("istio/route-without-timeout", only=("istio/route",))
    assert not config.enabled("istio/route-without-timeout", only=("isti",))


def test_a_zero_timeout_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, ".patcher.yaml", "route-timeout: 0s\n")
    with pytest.raises(PatcherError) as caught:
        load_config(tmp_path)
    assert caught.value.message == ("setting 'route-timeout' is '0s'; it must be a duration above zero such as "
                                    "30s, 1m30s or 250ms")


@pytest.mark.parametrize("value", ["/tmp/x/np.yaml", "../../x/np.yaml", "k8s/../../np.yaml", "scripts/deploy.sh",
                                   "README.md", "~/np.yaml", "C:/np.yaml"])
def test_an_output_outside_the_repository_or_not_yaml_is_refused(tmp_path: Path, value: str) -> None:
    _write(tmp_path, ".patcher.yaml", f"outputs:\n  network-policies: '{value}'\n")
    with pytest.raises(PatcherError) as caught:
        load_config(tmp_path)
    assert caught.value.message == (f"setting 'outputs.network-policies' is {value!r}; it must be a YAML file inside "
                                    "the repository, relative to its root (e.g. k8s/policy.yaml)")
    assert caught.value.line == 2
