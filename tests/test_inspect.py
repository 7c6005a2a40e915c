"""The point inspector's numbers against closed forms and finite differences."""
import numpy as np
import pytest

from core.inspect import inspect_point


class _Quadratic:
    """f(p) = ½ pᵀ M p + cᵀ p: its Taylor model is exact."""
    M = np.array([[2.0, -1.0], [-1.0, -3.0]])
    c = np.array([0.5, -1.0])

    def f(self, p):
        return 0.5 * np.einsum("...i,ij,...j->...", p, self.M, p) + p @ self.c

    def grad(self, p):
        return p @ self.M + self.c

    def hess(self, p):
        return self.M


def test_model_is_exact_for_a_quadratic():
    ins = inspect_point(_Quadratic(), [0.3, -0.7], span=1.0)
    np.testing.assert_allclose(ins.model, ins.true, atol=1e-12)
    np.testing.assert_allclose(ins.eigenvalues, np.linalg.eigvalsh(_Quadratic.M), rtol=1e-12)
    np.testing.assert_allclose(ins.grad, _Quadratic.M @ [0.3, -0.7] + _Quadratic.c, rtol=1e-12)


def test_two_weight_net_origin_saddle():
    class Net:
        def f(self, p):
            return (1 - p[..., 0] * p[..., 1]) ** 2

        def grad(self, p):
            r = 1 - p[0] * p[1]
            return np.array([-2 * r * p[1], -2 * r * p[0]])

        def hess(self, p):
            w1, w2 = p
            return np.array([[2 * w2**2, 4 * w1 * w2 - 2], [4 * w1 * w2 - 2, 2 * w1**2]])

    ins = inspect_point(Net(), [0.0, 0.0], span=0.5)
    np.testing.assert_allclose(ins.eigenvalues, [-2.0, 2.0])
    u = ins.eigenvectors[:, 0]
    np.testing.assert_allclose(abs(u @ np.array([1, 1]) / np.sqrt(2)), 1.0, rtol=1e-12)
    # along u the true loss (1 − t²/2)² falls below the saddle value 1, as the model −t² says
    assert np.all(ins.true[0][ins.offsets != 0] < 1)
    np.testing.assert_allclose(ins.true[0], (1 - ins.offsets**2 / 2) ** 2, rtol=1e-12)
    np.testing.assert_allclose(ins.grad_arrow, [0.0, 0.0])  # no gradient, no arrow


@pytest.mark.parametrize("bad", [dict(point=[np.nan, 0]), dict(point=[1, 2, 3]), dict(span=0.0)])
def test_bad_arguments(bad):
    kwargs = {"point": [0.0, 0.0], "span": 1.0, **bad}
    with pytest.raises(ValueError):
        inspect_point(_Quadratic(), **kwargs)
