"""BG/NBD and MBG/NBD: how many purchases a customer makes, and whether they are still a customer.

BG/NBD (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way", Marketing Science
24(2)): while alive a customer buys at Poisson rate λ ~ gamma(r, α); after each purchase they
drop out with probability p ~ beta(a, b). MBG/NBD (Batislam, Denizel & Filiztekin 2007, IJRM
24(3)) lets them drop out right after the first purchase too, so a customer with no repeat
purchase can already be gone.

Both share one implementation with a shift k (0 for BG/NBD, 1 for MBG/NBD):

    L = B(a, b+x+k)/B(a, b) · Γ(r+x)α^r/Γ(r) · [(α+T)^-(r+x) + δ · a/(b+x-1+k) · (α+t_x)^-(r+x)]

with δ = 1 when x > 0 or k = 1 (FHL 2005 eq. 6; the MBG/NBD form of Batislam et al.). The
log-likelihood adds the two bracketed terms with logaddexp, so it stays finite for customers
with hundreds of purchases.

Expectations use Pfaff's transformation, 2F1(a,b;c;z) = (1-z)^-a 2F1(a,c-b;c;z/(z-1)), which
turns FHL's eq. 10 into 1 - 2F1(r+x, a-1; a+b+x-1+k; -t/(α+T)): its argument is never close
to 1, where the original series converges slowly or not at all (the problem Fader & Hardie's
note 027, "Overcoming the BG/NBD Model's #NUM! Error Problem", 2013, is about).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from .fitting import (
    FitResult,
    FloatArray,
    as_float,
    dot,
    log_add_exp,
    maximise,
    packed_inputs,
)


@dataclass(frozen=True)
class BetaGeoModel:
    """A fitted BG/NBD (``modified=False``) or MBG/NBD (``modified=True``) purchase model.

    Times are in the unit the model was fitted in (days or weeks).
    """

    r: float
    alpha: float
    a: float
    b: float
    modified: bool = False

    @property
    def name(self) -> str:
        return "mbgnbd" if self.modified else "bgnbd"

    @property
    def params(self) -> dict[str, float]:
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b}

    @property
    def _k(self) -> int:
        return 1 if self.modified else 0

    def _log_terms(self, x: FloatArray, t_x: FloatArray, T: FloatArray
                   ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(common part, alive term, dropped-out term) of the log-likelihood."""
        r, alpha, a, b, k = self.r, self.alpha, self.a, self.b, self._k
        common = (gammaln(r + x) - gammaln(r) + r * np.log(alpha)
                  + betaln(a, b + x + k) - betaln(a, b))
        alive = -(r + x) * np.log(alpha + T)
        # The dropped-out term exists for repeat buyers (BG/NBD) or everyone (MBG/NBD); b+x-1
        # may be ≤ 0 for x = 0 under BG/NBD, so it is only evaluated where it is used.
        has = (x > 0) if k == 0 else np.ones_like(x, dtype=bool)
        denom = np.where(has, b + x - 1 + k, 1.0)
        dropped = np.where(has, np.log(a) - np.log(denom) - (r + x) * np.log(alpha + t_x),
                           -np.inf)
        return common, alive, dropped

    def log_likelihood(self, x: object, t_x: object, T: object) -> FloatArray:
        """Each customer's log-likelihood (FHL 2005 eq. 6 in log space)."""
        x_, tx_, T_ = as_float(x), as_float(t_x), as_float(T)
        common, alive, dropped = self._log_terms(x_, tx_, T_)
        return common + np.logaddexp(alive, dropped)

    def p_alive(self, x: object, t_x: object, T: object) -> FloatArray:
        """P(still a customer at T | x, t_x, T): 1 for x = 0 under BG/NBD (FHL 2005 eq. A2)."""
        x_, tx_, T_ = as_float(x), as_float(t_x), as_float(T)
        r, alpha, a, b, k = self.r, self.alpha, self.a, self.b, self._k
        # 1 / (1 + e^(dropped - alive)): the common part of the two terms cancels.
        has = (x_ > 0) if k == 0 else np.ones_like(x_, dtype=bool)
        denom = np.where(has, b + x_ - 1 + k, 1.0)
        odds = np.log(a / denom) + (r + x_) * (np.log(alpha + T_) - np.log(alpha + tx_))
        return expit(-np.where(has, odds, -np.inf))

    def expected_purchases_if_alive(self, t: object, x: object, T: object) -> FloatArray:
        """Expected purchases in (T, T+t] of a customer still alive at T with x repeat
        purchases: the numerator of FHL 2005 eq. 10, in the Pfaff form. It does not depend on
        t_x, so it can be computed once per distinct (x, T)."""
        t_, x_, T_ = as_float(t), as_float(x), as_float(T)
        r, alpha, a, b, k = self.r, self.alpha, self.a, self.b, self._k
        am1 = a - 1 if abs(a - 1) > 1e-9 else 1e-9  # the expression is continuous at a = 1
        c = a + b + x_ - 1 + k
        return c / am1 * (1 - hyp2f1(r + x_, am1, c, -t_ / (alpha + T_)))

    def conditional_expected_purchases(self, t: object, x: object, t_x: object, T: object
                                       ) -> FloatArray:
        """Expected purchases in (T, T+t] given the history (FHL 2005 eq. 10): P(alive) times
        the expectation if alive."""
        return self.expected_purchases_if_alive(t, x, T) * self.p_alive(x, t_x, T)

    def expected_purchases(self, t: object) -> FloatArray:
        """Expected repeat purchases in (0, t] for a new customer (FHL 2005 eq. 9)."""
        t_ = as_float(t)
        zero = np.zeros_like(t_)
        return self.conditional_expected_purchases(t_, zero, zero, zero)


class _Prepared:
    """The data of a fit arranged so that each evaluation of the objective does as little as
    possible: terms that depend only on x are computed once per distinct x and weighted by the
    customers having it; rows without a dropped-out term (x = 0 under BG/NBD) are kept apart."""

    def __init__(self, x: FloatArray, t_x: FloatArray, T: FloatArray, w: FloatArray, k: int
                 ) -> None:
        self.k = k
        self.n = float(w.sum())
        self.ux, inverse = np.unique(x, return_inverse=True)
        self.wu = np.bincount(inverse, weights=w, minlength=len(self.ux))
        has = (x > 0) if k == 0 else np.ones_like(x, dtype=bool)
        self.x0, self.T0, self.w0 = x[~has], T[~has], w[~has]
        self.x1, self.w1 = x[has], w[has]
        self.i1 = inverse[has]
        # Recency and T take few distinct values (whole days or weeks): log(α+·) and 1/(α+·)
        # are computed on those and gathered, cheaper than a log per row.
        self.ut, self.it = np.unique(t_x[has], return_inverse=True)
        self.uT, self.iT = np.unique(T[has], return_inverse=True)

    def neg_ll(self, theta: FloatArray) -> tuple[float, FloatArray]:
        """Mean negative log-likelihood and its gradient in log-parameters."""
        r, alpha, a, b = np.exp(theta)
        k, ux, wu = self.k, self.ux, self.wu
        log_alpha = np.log(alpha)
        # Terms of x only (FHL 2005 eq. 6: the gamma and beta function ratios).
        ll = dot(wu, gammaln(r + ux) + betaln(a, b + ux + k)) + self.n * (
            r * log_alpha - gammaln(r) - betaln(a, b))
        ab = digamma(a + b) - digamma(a + b + ux + k)
        g_r = dot(wu, digamma(r + ux)) + self.n * (log_alpha - digamma(r))
        g_alpha = self.n * r / alpha
        g_a = dot(wu, ab)
        g_b = dot(wu, ab + digamma(b + ux + k)) - self.n * digamma(b)
        # Rows with only the alive term.
        if len(self.T0):
            la0 = np.log(alpha + self.T0)
            rx0 = r + self.x0
            ll -= dot(self.w0, rx0 * la0)
            g_r -= dot(self.w0, la0)
            g_alpha -= dot(self.w0, rx0 / (alpha + self.T0))
        # Rows with both terms, added in log space.
        if len(self.x1):
            rx1 = r + self.x1
            la, ia = np.log(alpha + self.uT)[self.iT], (1 / (alpha + self.uT))[self.iT]
            lt, it = np.log(alpha + self.ut)[self.it], (1 / (alpha + self.ut))[self.it]
            with np.errstate(divide="ignore", invalid="ignore"):  # x = 0 under BG/NBD: unused
                inv_den = 1 / (b + ux - 1 + k)
                log_a_den = np.log(a * inv_den)
            alive = -rx1 * la
            dropped = log_a_den[self.i1] - rx1 * lt
            total, wd = log_add_exp(alive, dropped)  # wd: the dropped-out term's share
            wa = 1 - wd
            w1 = self.w1
            ll += dot(w1, total)
            g_r -= dot(w1, wa * la + wd * lt)
            g_alpha -= dot(w1, rx1 * (wa * ia + wd * it))
            wwd = w1 * wd
            g_a += float(wwd.sum()) / a
            g_b -= dot(wwd, inv_den[self.i1])
        grad = np.array([g_r * r, g_alpha * alpha, g_a * a, g_b * b]) / self.n
        return -ll / self.n, -grad


def fit_beta_geo(frequency: object, recency: object, T: object, *, modified: bool = False,
                 weights: object | None = None) -> FitResult[BetaGeoModel]:
    """Fit BG/NBD (or MBG/NBD) by maximum likelihood to frequency, recency and T.

    ``weights`` counts customers per row when the rows are already compressed.
    """
    x, t_x, T_, w = packed_inputs(frequency, recency, T, weights)
    prepared = _Prepared(x, t_x, T_, w, 1 if modified else 0)
    # Start where the rate matches the data: E[λ] = r/α ≈ repeat purchases per unit of time.
    rate = max(float(w @ x) / max(float(w @ T_), 1e-9), 1e-6)
    start = np.log([1.0, 1.0 / rate, 1.0, 1.0])
    theta, value, nit = maximise(prepared.neg_ll, start,
                                 what="MBG/NBD" if modified else "BG/NBD")
    r, alpha, a, b = (float(v) for v in np.exp(theta))
    n = float(w.sum())
    return FitResult(BetaGeoModel(r, alpha, a, b, modified), -value * n, int(n), nit)
