"""The shared cache of charts ready to send (``ui.frame._Charts``): right hits, bounded size, Arrow data."""
import math

import numpy as np
import pyarrow as pa
from streamlit import dataframe_util

from core.charts import initialization as charts
from ui import frame

LABELS = {"title": "t", "x": "x", "y": "y", "series": "s", "band": "b", "inf": "inf", "nan": "nan", "zero": "0"}


def _get(cache, values, projector=False):
    name = "core.charts.initialization.log_layers_chart"
    return cache.chart(charts.log_layers_chart, name, (np.arange(1, 4), {"a": np.asarray(values, float)}, LABELS),
                     {}, projector)


def test_equal_inputs_hit_and_different_inputs_miss():
    cache = frame._Charts(limit=8)
    first = _get(cache, [1.0, 2.0, 3.0])
    assert _get(cache, [1.0, 2.0, 3.0]) is first             # a new but equal array: the same chart
    other = _get(cache, [1.0, 2.0, 3.5])
    assert other is not first and other[0] != first[0]
    big = _get(cache, [1.0, 2.0, 3.0], projector=True)
    assert big is not first and big[0]["config"]["axis"]["labelFontSize"] > first[0]["config"]["axis"]["labelFontSize"]


def test_arrow_datasets_hold_the_spec_records_and_the_bare_spec_has_none():
    spec, bare, arrow = _get(frame._Charts(limit=2), [1.0, 20.0, 300.0])
    assert "datasets" not in bare and {k: v for k, v in spec.items() if k != "datasets"} == bare
    assert set(arrow) == set(spec["datasets"])
    for name, rows in spec["datasets"].items():
        table = pa.ipc.open_stream(arrow[name]).read_all().to_pylist()
        assert table == rows


def test_the_cache_keeps_only_the_most_recent_charts():
    cache = frame._Charts(limit=3)
    first = _get(cache, [1.0, 1.0, 1.0])
    for v in (2.0, 3.0, 4.0):
        _get(cache, [v, v, v])
    assert len(cache._items) == 3
    assert _get(cache, [1.0, 1.0, 1.0]) is not first          # dropped, built again


def test_inputs_that_cannot_be_pickled_are_built_every_time():
    cache = frame._Charts(limit=3)
    calls = []

    class Chart:
        def to_dict(self, validate=False):
            return {"mark": "point", "data": {"name": "d"}, "datasets": {"d": [{"x": 1}]}}

    def builder(f):
        calls.append(f)
        return Chart()

    for _ in range(2):
        spec, bare, arrow = cache.chart(builder, "b", (lambda: 1,), {}, False)
    assert len(calls) == 2 and bare == {"mark": "point", "data": {"name": "d"}} and set(arrow) == {"d"}
    assert not cache._items


def test_a_dataset_no_layer_draws_stays_on_the_server_for_the_export():
    """A map's grid of f (drawn as an image) is kept for the CSV export but never converted or sent."""

    class Chart:
        def to_dict(self, validate=False):
            return {"layer": [{"data": {"name": "drawn"}, "mark": "point"}],
                    "datasets": {"drawn": [{"x": 1}], "export_only": [{"x": 1, "f": 2.0}] * 50}}

    spec, bare, arrow = frame._build(lambda: Chart(), (), {}, False)
    assert set(arrow) == {"drawn"} and "datasets" not in bare
    assert set(spec["datasets"]) == {"drawn", "export_only"}  # the export menu still has both


def test_compact_rounds_each_value_to_significant_digits_and_keeps_the_shape():
    from core.charts.style import compact, records

    v = np.array([[1234.5678, -0.000123456, np.inf], [np.nan, 0.0, 2.0 / 3.0]])
    out = compact(v, 4)
    assert out.shape == v.shape
    expected = np.array([[float(f"{x:.4g}") for x in row] for row in v])  # Python's own rounding, value by value
    np.testing.assert_array_equal(out, expected)
    assert compact([], 4).size == 0
    rows = records({"x": np.array([1.0, np.nan]), "k": "a"}, n=np.array([1, 2]))
    assert rows == [{"x": 1.0, "k": "a", "n": 1}, {"x": None, "k": "a", "n": 2}]
    assert all(type(r["x"]) in (float, type(None)) and type(r["n"]) is int for r in rows)


def test_records_become_arrow_columns_with_nulls_for_missing_keys():
    rows = [{"x": 1.0, "name": "a"}, {"x": float("nan"), "flag": True}, {"name": None, "x": 2}]
    table = pa.ipc.open_stream(frame._arrow(rows)).read_all()
    assert table.column_names == ["x", "name", "flag"]
    got = table.to_pydict()
    assert got["x"][0] == 1.0 and math.isnan(got["x"][1]) and got["x"][2] == 2.0
    assert got["name"] == ["a", None, None] and got["flag"] == [None, True, None]
    # the same columns as Streamlit's own conversion (through pandas) gives
    ref = pa.ipc.open_stream(dataframe_util.convert_anything_to_arrow_bytes(rows)).read_all().to_pydict()
    assert ref["name"] == got["name"] and ref["x"][::2] == got["x"][::2]


def test_a_column_of_mixed_kinds_still_converts():
    table = pa.ipc.open_stream(frame._arrow([{"v": 1.0}, {"v": "one"}])).read_all()
    assert table.num_rows == 2 and table.column_names == ["v"]
