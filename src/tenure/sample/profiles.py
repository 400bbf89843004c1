"""What the sample company sells and how each segment behaves, declared as data.

The generator reads these numbers instead of burying them in code, so a reader can see the
company at a glance: three segments with their own prices, seats, contract terms, touch
models and churn pressure; one core product with three plans and two add-ons to cross-sell.
"""

from __future__ import annotations

from dataclasses import dataclass

VENDOR_DOMAIN = "brightloop.example"  # the fictional vendor; RFC 2606 keeps addresses unreal

# Products: index 0 is the core product; the others are add-ons sold as a second subscription.
PRODUCTS: tuple[str, ...] = ("platform", "analytics", "automation")
ADDONS: tuple[int, ...] = (1, 2)

# Core plans with their list price per seat per month in USD.
PLANS: tuple[str, ...] = ("starter", "growth", "enterprise")
PLAN_SEAT_PRICE: tuple[float, ...] = (20.0, 40.0, 70.0)
# Add-ons are a flat monthly fee that grows with the segment (index by segment).
ADDON_PRICE: dict[int, tuple[float, ...]] = {1: (49.0, 290.0, 1400.0), 2: (79.0, 390.0, 1900.0)}

# Currencies: a few European accounts are billed in EUR or GBP at rounded list prices.
CURRENCIES: tuple[str, ...] = ("USD", "EUR", "GBP")
FX_FROM_USD: tuple[float, ...] = (1.0, 0.92, 0.79)

# Countries with their share of accounts, their billing currency and UTC offset (hours) that
# shifts the working day in event timestamps.
COUNTRIES: tuple[tuple[str, float, int, int], ...] = (
    ("US", 0.50, 0, -6),
    ("CA", 0.06, 0, -5),
    ("GB", 0.10, 2, 0),
    ("DE", 0.07, 1, 1),
    ("FR", 0.05, 1, 1),
    ("NL", 0.04, 1, 1),
    ("ES", 0.03, 1, 1),
    ("SE", 0.03, 0, 1),
    ("IE", 0.02, 1, 0),
    ("AU", 0.04, 0, 10),
    ("IN", 0.03, 0, 5),
    ("BR", 0.02, 0, -3),
    ("SG", 0.01, 0, 8),
)
# Only most European accounts pay in their own currency; the rest were sold in USD.
LOCAL_CURRENCY_SHARE = 0.4

INDUSTRIES: tuple[str, ...] = (
    "software", "fintech", "healthcare", "retail", "manufacturing", "logistics",
    "education", "media", "professional_services", "real_estate", "nonprofit", "travel",
)

# Activity kinds a CSM logs; per-week rates per segment are in SegmentProfile.touch.
CSM_KINDS: tuple[str, ...] = ("call", "email", "meeting", "qbr", "note")
COMMUNITY_KINDS: tuple[str, ...] = ("webinar", "training", "community")


@dataclass(frozen=True)
class SegmentProfile:
    """How one customer segment buys, uses, asks for help and leaves."""

    name: str
    share: float  # share of accounts
    seats: tuple[float, float, int, int]  # lognormal median, sigma, min, max
    plan_mix: tuple[float, float, float]  # probability of starter, growth, enterprise
    term_mix: dict[int, float]  # contract months -> probability (1 = monthly)
    discount: tuple[float, float]  # negotiated discount range off list price
    employees: tuple[float, float]  # lognormal median, sigma
    founders: int  # contacts present from day one (champion, admin, executive)
    seat_growth: float  # how fast healthy teams add people (relative to the common rate)
    stall_rate: float  # share of accounts whose onboarding stalls
    onboarding_days: int  # how long a healthy onboarding takes at most
    events_per_user_week: float  # product events per active user per week at neutral health
    tickets_per_week: float  # support tickets per account per week at neutral health
    # Churn pressure: logit intercepts of the weekly cancel hazard (monthly contracts) and of
    # the decision at notice time (annual and multi-year contracts).
    churn_monthly: float
    churn_annual: float
    surprise_per_year: float  # budget cuts and acquisitions that end healthy accounts
    save_rate: float  # share of signalled churns a CSM turns around at renewal
    touch: dict[str, float]  # CSM activity kind -> touches per account per week
    services: tuple[float, float, float]  # probability of a services invoice, amount range
    csm_load: float  # relative CSM effort per account (decides how many CSMs per segment)


SEGMENTS: tuple[SegmentProfile, ...] = (
    SegmentProfile(
        name="smb",
        share=0.62,
        seats=(6.0, 0.6, 2, 40),
        plan_mix=(0.72, 0.28, 0.0),
        term_mix={1: 0.82, 12: 0.18},
        discount=(0.0, 0.05),
        employees=(35.0, 0.8),
        founders=1,
        seat_growth=0.45,
        stall_rate=0.28,
        onboarding_days=10,
        events_per_user_week=2.0,
        tickets_per_week=0.03,
        churn_monthly=-7.8,
        churn_annual=-3.0,
        surprise_per_year=0.02,
        save_rate=0.08,
        # Tech-touch: the CSM rarely calls; lifecycle emails are automated (see touch.py).
        touch={"call": 0.004, "email": 0.01, "meeting": 0.0, "qbr": 0.0, "note": 0.004},
        services=(0.03, 300.0, 1500.0),
        csm_load=1.0,
    ),
    SegmentProfile(
        name="mid_market",
        share=0.28,
        seats=(30.0, 0.5, 10, 200),
        plan_mix=(0.1, 0.7, 0.2),
        term_mix={1: 0.12, 12: 0.83, 24: 0.05},
        discount=(0.05, 0.15),
        employees=(450.0, 0.6),
        founders=2,
        seat_growth=0.8,
        stall_rate=0.18,
        onboarding_days=21,
        events_per_user_week=1.2,
        tickets_per_week=0.07,
        churn_monthly=-7.9,
        churn_annual=-3.4,
        surprise_per_year=0.012,
        save_rate=0.25,
        touch={"call": 0.2, "email": 0.25, "meeting": 0.05, "qbr": 0.035, "note": 0.12},
        services=(0.45, 2000.0, 9000.0),
        csm_load=4.0,
    ),
    SegmentProfile(
        name="enterprise",
        share=0.10,
        seats=(100.0, 0.55, 40, 800),
        plan_mix=(0.0, 0.2, 0.8),
        term_mix={12: 0.6, 24: 0.25, 36: 0.15},
        discount=(0.15, 0.35),
        employees=(6000.0, 0.9),
        founders=3,
        seat_growth=1.0,
        stall_rate=0.12,
        onboarding_days=45,
        events_per_user_week=1.0,
        tickets_per_week=0.2,
        churn_monthly=-7.6,
        churn_annual=-3.1,
        surprise_per_year=0.008,
        save_rate=0.4,
        # High-touch: calls every other week, monthly meetings, quarterly business reviews.
        touch={"call": 0.5, "email": 0.5, "meeting": 0.25, "qbr": 0.08, "note": 0.3},
        services=(0.9, 15000.0, 60000.0),
        csm_load=14.0,
    ),
)
SEGMENT_NAMES: tuple[str, ...] = tuple(s.name for s in SEGMENTS)


@dataclass(frozen=True)
class Dynamics:
    """The latent health process: a mean-reverting random walk with shocks (per week)."""

    reversion: float = 0.05  # pull towards the account's own level; half-life ~3 months
    noise: float = 0.08
    level_drift: float = 0.03  # the account's own level wanders slowly (fit changes)
    ema: float = 0.12  # smoothing of the health the customer "feels" at decision time
    stall_penalty: float = -0.9  # level drop while onboarding is unfinished after 4 weeks
    leaving_drift: float = -0.12  # weekly slide once a customer has decided to leave
    churn_slope: float = 3.5  # logit of churn per unit of (negative) felt health
    # Shocks: (annual rate, effect on health).
    champion_left: tuple[float, float] = (0.12, -0.8)
    bad_support: tuple[float, float] = (0.10, -0.6)
    reorg: tuple[float, float] = (0.06, -0.5)
    new_sponsor: tuple[float, float] = (0.08, 0.5)
    contact_leave_per_week: float = 0.0035  # ~17% of users leave a year at neutral health
    contact_add_per_seat_week: float = 0.0045  # ~23% new people a year at neutral health
    expansion_per_week: float = 0.35  # chance to buy seats in a week once they ran out
    cross_sell_per_week: float = 0.005
    reactivation_per_week: float = 0.003


DYNAMICS = Dynamics()

# Shock bits recorded per account-week (ground truth and the support/voice generators use them).
SHOCK_CHAMPION_LEFT = 1
SHOCK_BAD_SUPPORT = 2
SHOCK_REORG = 4
SHOCK_SPONSOR = 8
SHOCK_OUTAGE = 16

CHURN_REASONS: tuple[str, ...] = (
    "", "low_adoption", "champion_left", "poor_support", "reorg", "failed_onboarding",
    "competitor", "price", "budget_cut", "acquired",
)
REASON_CODE: dict[str, int] = {r: i for i, r in enumerate(CHURN_REASONS)}

# What CSM touchpoints and community activities are about.
ACTIVITY_TOPICS: tuple[str, ...] = (
    "reporting", "dashboards", "integrations", "alerts", "user adoption", "the Salesforce sync",
    "permissions", "renewal planning", "automation", "data exports", "onboarding",
)
