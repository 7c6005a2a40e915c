"""The shared cache of table styling (``ui.frame._Styles``): a hit gives exactly what Streamlit computes."""
import math

import numpy as np
import pytest
from streamlit.elements import arrow
from streamlit.proto.ArrowData_pb2 import ArrowData

from core.charts.tables import flagged_table
from tests.test_pages import open_page
from ui import frame

COLUMNS = {"x": [1.0, math.inf, 0.0, -2.5], "y": [math.nan, 3.0, 1e-300, 0.0]}


def _styled(styler, marshall) -> ArrowData:
    proto = ArrowData()
    marshall(proto, styler, "position-uuid")
    return proto


def test_dataframe_goes_through_the_cache():
    assert getattr(arrow.marshall_styler, "_cached", False)


def test_a_hit_equals_streamlits_own_styling():
    original = arrow.marshall_styler.__wrapped__
    cache = frame._Styles(limit=4)

    def cached(proto, styler, uuid):
        return cache.marshall(original, proto, styler, uuid)

    reference = _styled(flagged_table(COLUMNS, flag=("x", "y")), original)
    first = _styled(flagged_table(COLUMNS, flag=("x", "y")), cached)   # a miss: computed and kept
    second = _styled(flagged_table(COLUMNS, flag=("x", "y")), cached)  # a new but equal table: a hit
    assert first == reference and second == reference
    styles = second.styler.styles
    assert "#fde2d4" in styles and "#dcebf7" in styles  # inf/nan orange, exact zero blue
    assert reference.styler.uuid.startswith("t")  # named by the content, not by its position


def test_different_tables_have_different_keys_and_the_cache_is_bounded():
    keys = {flagged_table(COLUMNS, flag=("x",)).content_key, flagged_table(COLUMNS, flag=("y",)).content_key,
            flagged_table(COLUMNS, index=["a", "b", "c", "d"], flag=("x",)).content_key,
            flagged_table({"x": [1.0, 2.0, 0.0, -2.5], "y": COLUMNS["y"]}, flag=("x",)).content_key}
    assert len(keys) == 4
    cache = frame._Styles(limit=2)
    original = arrow.marshall_styler.__wrapped__
    for v in range(5):
        _styled(flagged_table({"x": [float(v)]}, flag=("x",)), lambda p, s, u: cache.marshall(original, p, s, u))
    assert len(cache._items) == 2


def test_a_page_rerun_keeps_the_flags():
    at = open_page("pages/softmax.py", "en")
    first = [d.proto.arrow_data.styler.styles for d in at.dataframe]
    at.run()  # every table now comes from the cache
    assert [d.proto.arrow_data.styler.styles for d in at.dataframe] == first
    assert any("#fde2d4" in s for s in first)


@pytest.mark.parametrize("seed", range(12))
def test_written_styles_equal_streamlits_for_tables_of_every_shape(seed):
    rng = np.random.default_rng(seed)
    rows, ncols = int(rng.integers(1, 9)), int(rng.integers(1, 6))
    pool = [0.0, -0.0, math.inf, -math.inf, math.nan, 1.5, -2e-300, 1e300, "text", "0", "inf"]
    columns = {f"c{j}": [pool[int(i)] for i in rng.integers(0, len(pool), rows)] for j in range(ncols)}
    flag = tuple(c for c in columns if rng.random() < 0.7)
    index = None if rng.random() < 0.5 else [f"r{i}" for i in range(rows)]
    original = arrow.marshall_styler.__wrapped__
    reference = _styled(flagged_table(columns, index=index, flag=flag), original)
    written = ArrowData()
    styler = flagged_table(columns, index=index, flag=flag)
    frame._write_styles(written, styler, styler.cell_styles)
    assert written == reference
