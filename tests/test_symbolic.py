"""The exact derivatives shown on the saddle page agree with the registry's numeric ones."""
import numpy as np
import pytest
import sympy as sp

from core.landscapes import FUNCTIONS
from core.symbolic import derivative_latex, expressions, gradient_hessian


@pytest.mark.parametrize("fn_id", sorted(expressions()))
def test_symbolic_derivatives_match_the_registry(fn_id):
    expr, vars_ = expressions()[fn_id]
    grad, hess = gradient_hessian(fn_id)
    f_num = sp.lambdify(vars_, expr, "numpy")
    g_num = sp.lambdify(vars_, grad, "numpy")
    h_num = sp.lambdify(vars_, hess, "numpy")
    fn = FUNCTIONS[fn_id]
    (x0, x1), (y0, y1) = fn.bounds
    rng = np.random.default_rng(11)
    for p in np.column_stack([rng.uniform(x0, x1, 10), rng.uniform(y0, y1, 10)]):
        scale = 1 + abs(float(fn.f(p)))
        np.testing.assert_allclose(f_num(*p), fn.f(p), rtol=1e-12, atol=1e-12 * scale, err_msg=fn_id)
        np.testing.assert_allclose(np.ravel(g_num(*p)), fn.grad(p), rtol=1e-10, atol=1e-9 * scale, err_msg=fn_id)
        np.testing.assert_allclose(np.asarray(h_num(*p), float), fn.hess(p), rtol=1e-10, atol=1e-9 * scale,
                                   err_msg=fn_id)


def test_latex_of_the_lecture_network():
    f_tex, g_tex, h_tex = derivative_latex("two_weight_net")
    assert "w_{1} w_{2}" in f_tex
    assert r"\begin{matrix}" in g_tex and r"\begin{matrix}" in h_tex


def test_unknown_id_is_refused():
    with pytest.raises(ValueError):
        gradient_hessian("nope")
