"""The indexed chart lookups answer as the loops over every chart (and every file) they replace."""

from __future__ import annotations

from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from patcher.discover import ChartIndex, Inventory, in_chart
from patcher.workspace import Workspace

PARTS = ["a", "b", "templates", "charts", "crds", "", "Chart.yaml", "x.yaml"]
paths = st.lists(st.sampled_from(PARTS), min_size=1, max_size=5).map("/".join)
charts = st.lists(st.one_of(st.sampled_from([".", "", "a", "a/b", "a/charts/b", "b/"]), paths), max_size=6)


@given(charts=charts, path=paths)
@example(charts=["a", "."], path="a/templates/t.yaml")
@example(charts=[".", "a"], path="a/templates/t.yaml")
@example(charts=["a/", "a"], path="a/Chart.yaml")
def test_chart_of_is_the_first_chart_in_chart_finds(charts: list[str], path: str) -> None:
    index = ChartIndex(charts)
    assert index.chart_of(path) == next((c for c in charts if in_chart(c, path)), None)
    assert index.under_chart(path) == any(path.startswith(c + "/") for c in charts if c not in ("", "."))


@given(files=st.lists(paths, max_size=12, unique=True),
       prefixes=st.lists(st.sampled_from(["", "a/", "a/b/", "templates/", "b", "./"]), max_size=3))
def test_files_under_is_the_filter_over_every_file(files: list[str], prefixes: list[str]) -> None:
    workspace = Workspace(Path("."), {f: "" for f in files}, Inventory())
    assert workspace.files_under(tuple(prefixes)) == [f for f in files if f.startswith(tuple(prefixes))]
