"""Exact derivatives of the gallery functions, as LaTeX for the page (sympy, built from code, never parsed)."""
from __future__ import annotations

import functools

import sympy as sp

__all__ = ["expressions", "derivative_latex", "gradient_hessian"]


@functools.cache
def expressions() -> dict[str, tuple[sp.Expr, tuple[sp.Symbol, sp.Symbol]]]:
    """The gallery's formulas as sympy expressions with their two variables, keyed by function id."""
    x, y = sp.symbols("x y", real=True)
    w1, w2 = sp.symbols("w_1 w_2", real=True)
    xy = (x, y)
    return {
        "two_weight_net": ((1 - w1 * w2) ** 2, (w1, w2)),
        "saddle": (x**2 - y**2, xy),
        "monkey_saddle": (x**3 - 3 * x * y**2, xy),
        "double_well": (x**4 - 2 * x**2 + y**2, xy),
        "himmelblau": ((x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2, xy),
        "rosenbrock": ((1 - x) ** 2 + 100 * (y - x**2) ** 2, xy),
        "six_hump_camel": ((4 - sp.Rational(21, 10) * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2, xy),
        "beale": ((sp.Rational(3, 2) - x + x * y) ** 2 + (sp.Rational(9, 4) - x + x * y**2) ** 2
                  + (sp.Rational(21, 8) - x + x * y**3) ** 2, xy),
    }


def gradient_hessian(fn_id: str) -> tuple[sp.Matrix, sp.Matrix]:
    """The exact gradient (2×1) and Hessian (2×2) of a gallery function."""
    if fn_id not in expressions():
        raise ValueError(f"unknown function id {fn_id!r}; expected one of {sorted(expressions())}")
    expr, vars_ = expressions()[fn_id]
    grad = sp.Matrix([sp.diff(expr, v) for v in vars_])
    return grad, sp.hessian(expr, vars_)


@functools.cache
def derivative_latex(fn_id: str) -> tuple[str, str, str]:
    """LaTeX of f, ∇f and ∇²f for a gallery function (simplified, factored where that reads better).

    Examples
    --------
    >>> derivative_latex("saddle")[1]
    '\\\\left[\\\\begin{matrix}2 x\\\\\\\\- 2 y\\\\end{matrix}\\\\right]'
    """
    expr = expressions()[fn_id][0]
    grad, hess = gradient_hessian(fn_id)
    tidy = grad.applyfunc(lambda e: sp.factor(sp.expand(e)))
    return sp.latex(expr), sp.latex(tidy), sp.latex(hess.applyfunc(sp.expand))
