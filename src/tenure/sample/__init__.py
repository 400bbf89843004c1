"""The sample company: a seeded, realistic B2B SaaS customer base written as canonical files.

``generate_company`` simulates a few years of a company selling a core product (starter,
growth and enterprise plans) and two add-ons to SMB, mid-market and enterprise customers:
contracts, seats, invoices, the people at each customer, product usage, support tickets,
surveys, CSM touchpoints and feature requests, all driven by a latent health per account
that drifts, takes shocks and decides churn at renewal. The demo imports these files through
the same path as a user's data; the latent truth goes to ``ground_truth/`` beside them.

    from tenure.sample import generate_company
    result = generate_company(Path("out"), accounts=2000, seed=7, as_of=date(2025, 6, 1))
"""

from __future__ import annotations

from .generator import GROUND_TRUTH_DIR, SampleResult, generate_company

__all__ = ["GROUND_TRUTH_DIR", "SampleResult", "generate_company"]
