"""Tables drawn as Markdown (``core.charts.tables``, ``ui.frame.table``): the text, the flags and the alignment
a reader sees, whatever the cells hold."""
import math

import numpy as np
import pytest

from core.charts.tables import FLAG_MARKUP, flagged_table, number_text
from tests.test_pages import open_page, read_table, tables

COLUMNS = {"x": [1.0, math.inf, 0.0, -2.5], "y": [math.nan, 3.0, 1e-300, -0.0]}


def test_numbers_are_written_as_a_student_reads_them_and_special_values_flagged():
    tbl = flagged_table(COLUMNS, flag=("x", "y"), digits=3)
    shown = read_table(tbl.markdown())
    assert list(shown["x"]) == ["1", "inf", "0", "-2.5"]
    assert list(shown["y"]) == ["nan", "3", "1e-300", "0"]  # -0.0 is an exact zero too
    assert shown.attrs["flags"] == {(1, "x"): "bad", (2, "x"): "zero", (0, "y"): "bad", (3, "y"): "zero"}
    assert FLAG_MARKUP["bad"].format("inf") in tbl.markdown()


def test_only_the_named_columns_are_flagged():
    assert read_table(flagged_table(COLUMNS, flag=("y",)).markdown()).attrs["flags"] == {(0, "y"): "bad",
                                                                                         (3, "y"): "zero"}
    assert read_table(flagged_table(COLUMNS).markdown()).attrs["flags"] == {}


@pytest.mark.parametrize("seed", range(12))
def test_any_table_reads_back_as_its_text_and_flags(seed):
    """Random shapes and contents, with text cells that Markdown would otherwise take for syntax."""
    rng = np.random.default_rng(seed)
    rows, ncols = int(rng.integers(1, 9)), int(rng.integers(1, 6))
    pool = [0.0, -0.0, math.inf, -math.inf, math.nan, 1.5, -2e-300, 1e300, "text", "0", "inf",
            "a | b", "*bold*", "$x$", "_i_", "[link](x)", "back\\slash", "`code`", "<b>", "# h", "~~s~~"]
    columns = {f"c{j}|*": [pool[int(i)] for i in rng.integers(0, len(pool), rows)] for j in range(ncols)}
    flag = tuple(c for c in columns if rng.random() < 0.7)
    index = None if rng.random() < 0.5 else [f"r_{i}" for i in range(rows)]
    shown = read_table(flagged_table(columns, index=index, flag=flag).markdown())
    assert list(shown.columns) == list(columns)
    if index is not None:
        assert list(shown.index) == index
    want_flags = {}
    for c, values in columns.items():
        text = [v if isinstance(v, str) else number_text(v) for v in values]
        assert list(shown[c]) == text
        if c in flag:
            want_flags.update({(r, c): "bad" if s in ("inf", "-inf", "nan") else "zero"
                               for r, s in enumerate(text) if s in ("inf", "-inf", "nan", "0")})
    assert shown.attrs["flags"] == want_flags


def test_markdown_syntax_in_a_cell_is_escaped():
    md = flagged_table({"t": ["a | b", "*x*", "$y$", "[l](u)"]}).markdown()
    body = md.split("\n")[2:]
    assert body == [r"| a \| b |", r"| \*x\* |", r"| \$y\$ |", r"| \[l\](u) |"]


def test_raw_columns_keep_their_markdown():
    md = flagged_table({"f": ["$x^2$"], "g": ["$x^2$"]}, raw=("f",)).markdown()
    assert md.split("\n")[2] == r"| $x^2$ | \$x^2\$ |"


def test_numbers_align_right_and_text_left():
    md = flagged_table({"n": [1.0, math.inf, "1,000"], "t": ["a", "b", "c"], "mixed": [1.0, "a", 2.0],
                        "gaps": ["—", "6", "—"], "none": ["—", "—", "—"]}, index=["i", "j", "k"]).markdown()
    assert md.split("\n")[1] == "| :--- | ---: | :--- | :--- | ---: | :--- |"  # — marks a missing number


def test_the_softmax_page_flags_its_steps():
    """The default logits [123, 456, 789], naive: exp overflows and the softmax is 0, 0, nan; the nan is orange
    and the underflowed zeros blue."""
    at = open_page("pages/softmax.py", "en")
    naive = tables(at)[1]
    assert list(naive["softmax"]) == ["0", "0", "nan"]
    flags = {r: kind for (r, c), kind in naive.attrs["flags"].items() if c == "softmax"}
    assert flags == {0: "zero", 1: "zero", 2: "bad"}
