"""Customer lifetime value for purchase-driven revenue (non-contractual customers).

From raw transactions (customer, date, amount) to each customer's probability of still being a
customer, expected purchases, expected spend per purchase and discounted CLV:

- :func:`summarize_transactions` builds frequency, recency, T and mean repeat spend (DuckDB);
- BG/NBD, MBG/NBD (:func:`fit_beta_geo`) or Pareto/NBD (:func:`fit_pareto_nbd`) for purchases;
- Gamma-Gamma (:func:`fit_gamma_gamma`) for spend;
- :func:`fit_clv` runs it all and returns a :class:`ClvFit`.

Conventions, formulas and the check against the published CDNOW estimates: docs/clv.md.
"""

from __future__ import annotations

from .analysis import MODELS, ClvFit, ClvOptions, ModelName, fit_clv
from .bgnbd import BetaGeoModel, fit_beta_geo
from .fitting import Compressed, FitResult, PurchaseModel, compress
from .gammagamma import GammaGammaModel, fit_gamma_gamma
from .holdout import HoldoutBin, HoldoutCheck, check_holdout
from .pareto import ParetoNBDModel, fit_pareto_nbd
from .subscription import monthly_hazard, subscription_clv
from .transactions import Source, TransactionSummary, Unit, summarize_transactions
from .value import DAYS_PER_MONTH, discounted_purchases, predict_customers

__all__ = [
    "DAYS_PER_MONTH",
    "MODELS",
    "BetaGeoModel",
    "ClvFit",
    "ClvOptions",
    "Compressed",
    "FitResult",
    "GammaGammaModel",
    "HoldoutBin",
    "HoldoutCheck",
    "ModelName",
    "ParetoNBDModel",
    "PurchaseModel",
    "Source",
    "TransactionSummary",
    "Unit",
    "check_holdout",
    "compress",
    "discounted_purchases",
    "fit_beta_geo",
    "fit_clv",
    "fit_gamma_gamma",
    "fit_pareto_nbd",
    "monthly_hazard",
    "predict_customers",
    "subscription_clv",
    "summarize_transactions",
]
