"""Published figures on the CDNOW sample that the tests check against, each with its source.

Every figure here is printed in a paper, a technical note or its spreadsheet; none is this
package's own output. Estimates are compared to three significant figures (:func:`sig3`).
"""

from __future__ import annotations

import math
from datetime import date

CALIBRATION_END = date(1997, 9, 30)  # week 39 (FHL 2005, Marketing Science, sec. 7)
HOLDOUT_END = date(1998, 6, 30)  # week 78
CUSTOMERS = 2357  # FHL 2005 sec. 7: "2,357 customers"

# Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way: An Alternative to the
# Pareto/NBD Model", Marketing Science 24(2), sec. 7: BG/NBD maximum-likelihood estimates.
BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
BGNBD_LL = -9582.4

# Fader, Hardie & Lee (2005), "A Note on Implementing the Pareto/NBD Model in MATLAB" (note 008),
# the estimates also compared with BG/NBD in the Marketing Science paper, sec. 7.
PARETO = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
PARETO_LL = -9595.0

# Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value" (note 025); the same
# estimates as in Fader, Hardie & Lee (2005), "RFM and CLV", JMR 42(4): fitted to the 946
# customers with at least one repeat purchase in weeks 1-39, on their mean repeat-transaction
# value.
GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}
GAMMA_GAMMA_CUSTOMERS = 946

# Fader, Hardie & Lee (2005), "Implementing the BG/NBD Model for Customer Base Analysis in
# Excel" (note 004): customer 0001 (x = 2, t_x = 30.43, T = 38.86) is expected to make 1.226
# purchases in the next 39 weeks. (Also the expected value of lifetimes' test
# test_conditional_expectation_returns_same_value_as_Hardie_excel_sheet.)
WORKED_CUSTOMER = {"x": 2, "t_x": 30.43, "T": 38.86}
WORKED_EXPECTED_39_WEEKS = 1.226

# The same spreadsheet (note 004): E[X(t)] for a new customer at the fitted BG/NBD parameters,
# as transcribed in lifetimes' test test_expectation_returns_same_value_Hardie_excel_sheet.
BGNBD_EXPECTED = {0.1429: 0.0078, 1.0: 0.0532, 3.0: 0.1506, 31.8571: 1.0405, 32.0: 1.0437,
                  78.0: 1.8576}

# Fader & Hardie (2013), note 025 spreadsheet: expected average transaction value of customers
# 1, 2, 6 and 9 and of any customer without a repeat purchase (the population mean), as
# transcribed in lifetimes' test test_conditional_expected_average_profit.
GAMMA_GAMMA_SPEND = {1: 24.65, 2: 18.91, 6: 71.46, 9: 27.28}
GAMMA_GAMMA_POPULATION_MEAN = 35.17

# FHL 2005 (Marketing Science), sec. 7, on the conditional expectations of fig. 4: the 1,411
# customers who made no repeat purchase in weeks 1-39 made 334 purchases in weeks 40-78
# (0.24 each); the BG/NBD predicts 0.23 each, the Pareto/NBD 0.14 (two significant figures).
ZERO_CLASS_CUSTOMERS = 1411
ZERO_CLASS_HOLDOUT_PURCHASES = 334
ZERO_CLASS_PREDICTED = {"bgnbd": 0.23, "pareto": 0.14}

# BTYD package walkthrough vignette (Dziurzynski, Wadsworth & McCarthy), Pareto/NBD on CDNOW
# with (r, alpha, s, beta) = (0.5534, 10.5802, 0.6061, 11.6562): a customer with x = 26,
# t_x = 30.86, T = 31 is alive with probability 0.9979 and expected to make 25.46 purchases
# in the next 52 weeks (as transcribed in lifetimes' Pareto/NBD tests).
BTYD_PARETO = {"r": 0.5534, "alpha": 10.5802, "s": 0.6061, "beta": 11.6562}
BTYD_CUSTOMER = {"x": 26, "t_x": 30.86, "T": 31.0}
BTYD_P_ALIVE = 0.9979
BTYD_EXPECTED_52_WEEKS = 25.46


def sig3(actual: float, published: float) -> bool:
    """Whether ``actual`` agrees with ``published`` to three significant figures: within half a
    unit of the third significant digit of the published figure."""
    digit = math.floor(math.log10(abs(published)))
    return abs(actual - published) <= 0.5 * 10.0 ** (digit - 2)


def sig2(actual: float, published: float) -> bool:
    """The same to two significant figures (for figures printed with two)."""
    digit = math.floor(math.log10(abs(published)))
    return abs(actual - published) <= 0.5 * 10.0 ** (digit - 1)
