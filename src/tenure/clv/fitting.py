"""What the CLV models share: compressing customers with the same history, and the optimiser.

Every model is fitted by maximum likelihood over log-parameters (so each stays positive) with
L-BFGS-B and a vectorised objective. Customers with the same (x, t_x, T) contribute the same
likelihood, so the objective runs over the distinct rows weighted by their counts: a million
customers observed in whole days come down to a few hundred thousand rows or fewer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from ..errors import ClvError

M = TypeVar("M")

FloatArray = np.ndarray  # float64 arrays throughout; an alias keeps the signatures short

# Log-parameters stay within e^-18 .. e^18: wide enough for any time unit, narrow enough that
# the likelihood never overflows while the optimiser explores.
LOG_BOUND = 18.0


@dataclass(frozen=True)
class Compressed:
    """Distinct rows of some columns, how many times each occurs, and where each row went."""

    columns: tuple[FloatArray, ...]
    weights: FloatArray
    inverse: np.ndarray  # original row i is distinct row inverse[i]

    def expand(self, values: FloatArray) -> FloatArray:
        """Values computed on the distinct rows, back in the original order."""
        return np.asarray(values)[self.inverse]


def compress(*columns: FloatArray) -> Compressed:
    """The distinct rows of equal-length columns, with counts (hash-factorised, then sorted)."""
    n = len(columns[0])
    if n == 0:
        empty = np.zeros(0)
        return Compressed(tuple(empty for _ in columns), empty, np.zeros(0, dtype=np.int64))
    key = np.zeros(n, dtype=np.int64)
    for col in columns:
        codes, uniques = pd.factorize(np.asarray(col), sort=False)
        key = key * len(uniques) + codes
        key = pd.factorize(key, sort=False)[0].astype(np.int64)  # back below n: no overflow
    _, first, inverse, counts = np.unique(key, return_index=True, return_inverse=True,
                                          return_counts=True)
    return Compressed(tuple(np.asarray(c, dtype=float)[first] for c in columns),
                      counts.astype(float), inverse.reshape(-1))


class PurchaseModel(Protocol):
    """What BG/NBD, MBG/NBD and Pareto/NBD offer once fitted (times in the fitted unit)."""

    @property
    def name(self) -> str: ...

    @property
    def params(self) -> dict[str, float]: ...

    def log_likelihood(self, x: object, t_x: object, T: object) -> FloatArray: ...

    def p_alive(self, x: object, t_x: object, T: object) -> FloatArray: ...

    def expected_purchases(self, t: object) -> FloatArray: ...

    def expected_purchases_if_alive(self, t: object, x: object, T: object) -> FloatArray: ...

    def conditional_expected_purchases(self, t: object, x: object, t_x: object, T: object
                                       ) -> FloatArray: ...


@dataclass(frozen=True)
class FitResult(Generic[M]):
    """A fitted model with its log-likelihood and how the optimiser got there."""

    model: M
    log_likelihood: float
    customers: int
    iterations: int


Objective = Callable[[FloatArray], tuple[float, FloatArray]]


def maximise(neg_ll: Objective, start: FloatArray, *, what: str) -> tuple[FloatArray, float, int]:
    """Minimise a negative log-likelihood (value, gradient) over log-parameters.

    Returns (log-parameters, the minimum, iterations). L-BFGS-B may stop with a line-search
    warning when it is already at the optimum to machine precision; that counts as converged
    when the gradient is small.
    """
    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(start)
    res = minimize(neg_ll, np.asarray(start, dtype=float), jac=True, method="L-BFGS-B",
                   bounds=bounds, options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9})
    value, grad = neg_ll(res.x)
    if not np.isfinite(value) or (not res.success and float(np.max(np.abs(grad))) > 1e-4):
        raise ClvError(f"the {what} model did not converge ({res.message}); check that the "
                       "data has enough repeat customers and a sensible --unit")
    return res.x, float(value), int(res.nit)


def numeric_gradient(f: Callable[[FloatArray], float], theta: FloatArray) -> FloatArray:
    """Central differences, for models whose analytic gradient is not worth its complexity."""
    grad = np.empty_like(theta)
    for i in range(len(theta)):
        h = 1e-6 * max(1.0, abs(theta[i]))
        up, down = theta.copy(), theta.copy()
        up[i] += h
        down[i] -= h
        grad[i] = (f(up) - f(down)) / (2 * h)
    return grad


def dot(a: FloatArray, b: FloatArray) -> float:
    """Σ a·b for 1-D arrays without BLAS: a dot product is memory-bound, and waking BLAS
    threads on a busy machine cost more than the product itself (5× on 1 million rows)."""
    return float(np.einsum("i,i->", a, b))


def log_add_exp(a: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(log(e^a + e^b), e^b / (e^a + e^b)) with one exp and one log.

    numpy's logaddexp is not vectorised (20× slower than log); this is the same identity,
    max(a, b) + log(1 + e^-|a-b|), with the share of the second term from the same e^-|a-b|.
    """
    d = b - a
    e = np.exp(-np.abs(d))
    one_plus = 1 + e
    total = np.maximum(a, b) + np.log(one_plus)
    inv = 1 / one_plus
    share = np.where(d > 0, inv, e * inv)
    return total, share


def packed_inputs(frequency: object, recency: object, T: object, weights: object | None
                  ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """(x, t_x, T, weights) for a fit: the rows as given with their weights, or compressed
    to distinct (x, t_x, T) with counts when no weights are given."""
    x, t_x, T_ = as_float(frequency), as_float(recency), as_float(T)
    if weights is not None:
        return x, t_x, T_, as_float(weights)
    packed = compress(x, t_x, T_)
    x, t_x, T_ = packed.columns
    return x, t_x, T_, packed.weights


def as_float(values: object) -> FloatArray:
    """An input as a float64 array (scalars become 0-d arrays)."""
    return np.asarray(values, dtype=float)
