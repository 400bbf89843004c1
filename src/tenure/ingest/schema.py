"""The canonical tables: the import contract of DESIGN.md, declared as data.

Nine tables every workspace has, and optional ones (``fx_rates``) that a workspace may leave
empty.

Every other part of Tenure (the importer, the sample company, the metrics, the privacy
inventory, the docs) reads these declarations instead of restating column lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """How a column is parsed, validated and stored in the warehouse."""

    ID = "id"  # string identifier, stored VARCHAR
    TEXT = "text"  # free text, stored VARCHAR
    EMAIL = "email"  # an email address, stored lower-case VARCHAR
    MONEY = "money"  # decimal amount >= 0, stored DOUBLE
    INT = "int"  # whole number, stored BIGINT
    DATE = "date"  # YYYY-MM-DD (a timestamp is accepted and taken as its UTC date)
    TIMESTAMP = "timestamp"  # ISO 8601, offset honoured, stored as naive UTC TIMESTAMP
    ENUM = "enum"  # one of a fixed set of lower-case words
    BOOL = "bool"  # true/false, yes/no, 1/0
    JSON = "json"  # a JSON object, stored JSON
    CURRENCY = "currency"  # ISO 4217 code, stored upper-case
    COUNTRY = "country"  # ISO 3166 alpha-2 code, stored upper-case


STORAGE_TYPE: dict[Kind, str] = {
    Kind.ID: "VARCHAR",
    Kind.TEXT: "VARCHAR",
    Kind.EMAIL: "VARCHAR",
    Kind.MONEY: "DOUBLE",
    Kind.INT: "BIGINT",
    Kind.DATE: "DATE",
    Kind.TIMESTAMP: "TIMESTAMP",
    Kind.ENUM: "VARCHAR",
    Kind.BOOL: "BOOLEAN",
    Kind.JSON: "JSON",
    Kind.CURRENCY: "VARCHAR",
    Kind.COUNTRY: "VARCHAR",
}


@dataclass(frozen=True)
class Column:
    """One column of a canonical table."""

    name: str
    kind: Kind
    required: bool = False
    doc: str = ""
    choices: tuple[str, ...] = ()  # for ENUM
    minimum: float | None = None  # for INT / MONEY
    maximum: float | None = None
    exclusive_minimum: bool = False  # the minimum itself is out of range (a rate > 0)
    # Can it hold a person's data (the privacy inventory, tenure.privacy.inventory)? True or
    # False; None: not declared, which a test refuses for every column of a free-text kind
    # (TEXT, ID, EMAIL, JSON), so a new text column is not forgotten by export and erasure.
    personal: bool | None = None

    @property
    def storage_type(self) -> str:
        return STORAGE_TYPE[self.kind]

    @property
    def range_text(self) -> str:
        """The allowed range, e.g. ``1–5``, ``≥ 0``, ``> 0``; empty without bounds."""
        lo, hi = self.minimum, self.maximum
        above = ">" if self.exclusive_minimum else "≥"
        if lo is not None and hi is not None:
            return f"{above} {lo:g} and ≤ {hi:g}" if self.exclusive_minimum else f"{lo:g}–{hi:g}"
        if lo is not None:
            return f"{above} {lo:g}"
        if hi is not None:
            return f"≤ {hi:g}"
        return ""


@dataclass(frozen=True)
class Ordered:
    """A row check: ``column``, when given, does not come before ``reference`` (or, when
    ``strict``, comes after it)."""

    column: str
    reference: str
    strict: bool = False

    def describe(self) -> str:
        relation = "is after" if self.strict else "is not before"
        return f"{self.column}, when given, {relation} {self.reference}"


@dataclass(frozen=True)
class RangeBy:
    """A row check: ``column`` lies in the range that the value of ``by`` names."""

    column: str
    by: str
    ranges: dict[str, tuple[int, int]]

    def describe(self) -> str:
        ranges = ", ".join(f"{k} {lo}–{hi}" for k, (lo, hi) in self.ranges.items())
        return f"{self.column} within the {self.by}'s range: {ranges}"


RowCheck = Ordered | RangeBy


@dataclass(frozen=True)
class Table:
    """A canonical table: its columns, its key and what a repeated key means."""

    name: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # "upsert": a later row with the same key replaces the stored record (accounts, contacts,
    # subscription periods, ...). "insert": records never change; a repeated key is a duplicate.
    on_conflict: str = "upsert"
    # For events without event_id: the key is a content hash of these columns.
    hash_key_from: tuple[str, ...] = ()
    # The column that dates a record (for `tenure status` date ranges and retention).
    date_column: str | None = None
    checks: tuple[RowCheck, ...] = field(default_factory=tuple)  # checks across columns
    # The column naming the account a row belongs to: the importer keeps rows whose account
    # is not imported yet and reports them. None: the table is not tied to an account
    # (accounts itself, fx_rates).
    account_column: str | None = None
    # An optional table: a workspace without rows in it is complete (fx_rates, for a company
    # billing in one currency); `tenure status` lists it once it holds rows or was imported
    # into.
    optional: bool = False

    def __post_init__(self) -> None:
        names = self.column_names
        named = [*self.key, *self.hash_key_from, self.date_column, self.account_column]
        for check in self.checks:
            named += [check.column, check.reference if isinstance(check, Ordered) else check.by]
        unknown = [n for n in named if n is not None and n not in names]
        if unknown:  # a mistake in this module, caught on import
            raise ValueError(f"table {self.name}: no column {', '.join(unknown)}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


# Every table also stores an ``attributes`` JSON column (tenure.warehouse.stored_columns): the
# columns of the file that the contract does not name, kept by the importer. They can hold
# anything, a phone number or a personal email included, so they count as personal data.
ATTRIBUTES = Column(name="attributes", kind=Kind.JSON, personal=True,
                    doc="Every other column of the file (filled by the importer).")

SEGMENTS = ("smb", "mid_market", "enterprise")
CONTACT_ROLES = ("champion", "admin", "user", "executive", "billing")
INVOICE_KINDS = ("subscription", "addon", "services", "one_off")
INVOICE_STATUSES = ("paid", "open", "void", "refunded")
SURVEYS = ("nps", "csat", "ces")
ACTIVITY_KINDS = ("call", "email", "meeting", "qbr", "note", "webinar", "training", "community")
TICKET_PRIORITIES = ("low", "normal", "high", "urgent")
TICKET_STATUSES = ("new", "open", "pending", "hold", "solved", "closed")

# Score ranges per survey kind: NPS 0-10, CSAT 1-5, CES 1-7 (the common 7-point scale).
SURVEY_SCORE_RANGE: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}


def _c(name: str, kind: Kind, doc: str, **kw: object) -> Column:
    return Column(name=name, kind=kind, doc=doc, **kw)  # type: ignore[arg-type]


ACCOUNTS = Table(
    name="accounts",
    doc="One row per customer account (company). A later row with the same account_id "
    "replaces the stored one.",
    key=("account_id",),
    date_column="created_at",
    columns=(
        _c("account_id", Kind.ID, "The account's id in your systems.", required=True,
           personal=False),
        _c("name", Kind.TEXT, "Company name.", required=True,
           personal=False),  # a company, not a person
        _c("segment", Kind.TEXT, "Customer segment, e.g. smb, mid_market, enterprise.",
           personal=False),
        _c("industry", Kind.TEXT, "Industry.", personal=False),
        _c("country", Kind.COUNTRY, "ISO 3166 alpha-2 country code."),
        _c("owner", Kind.EMAIL, "The CSM who owns the account (email).", personal=True),
        _c("created_at", Kind.TIMESTAMP, "When the account became a customer or prospect."),
        _c("parent_account_id", Kind.ID, "Parent account for hierarchies.", personal=False),
    ),
)

CONTACTS = Table(
    name="contacts",
    doc="People at customer accounts. A later row with the same contact_id replaces the "
    "stored one.",
    key=("contact_id",),
    date_column="created_at",
    account_column="account_id",
    columns=(
        _c("contact_id", Kind.ID, "The person's id (the user id in product events).",
           required=True, personal=True),
        _c("account_id", Kind.ID, "The account they belong to.", required=True, personal=False),
        _c("email", Kind.EMAIL, "Email address.", required=True, personal=True),
        _c("name", Kind.TEXT, "Full name.", personal=True),
        _c("title", Kind.TEXT, "Job title.", personal=True),
        _c("role", Kind.ENUM, "Role at the account.", choices=CONTACT_ROLES),
        _c("country", Kind.COUNTRY, "ISO 3166 alpha-2 country (decides GDPR / CCPA)."),
        _c("created_at", Kind.TIMESTAMP, "When the contact was created."),
        _c("deleted_at", Kind.TIMESTAMP, "When the contact left or was removed."),
        _c("survey_opt_out", Kind.BOOL, "Does not want surveys."),
        _c("email_opt_out", Kind.BOOL, "Does not want emails."),
    ),
)

SUBSCRIPTIONS = Table(
    name="subscriptions",
    doc="One row per period of constant terms of a subscription, keyed by (subscription_id, "
    "valid_from). MRR on day d is the sum over rows with valid_from <= d < valid_to (an empty "
    "valid_to means still running). A later row with the same key replaces the stored one.",
    key=("subscription_id", "valid_from"),
    date_column="valid_from",
    account_column="account_id",
    checks=(
        Ordered("valid_to", "valid_from", strict=True),
        Ordered("canceled_at", "valid_from"),
    ),
    columns=(
        _c("subscription_id", Kind.ID, "The subscription's id.", required=True, personal=False),
        _c("account_id", Kind.ID, "The paying account.", required=True, personal=False),
        _c("mrr", Kind.MONEY, "Monthly recurring revenue in this period (yearly / 12).",
           required=True, minimum=0),
        _c("valid_from", Kind.DATE, "First day of this period of terms.", required=True),
        _c("product", Kind.TEXT, "Product.", personal=False),
        _c("plan", Kind.TEXT, "Plan or price tier.", personal=False),
        _c("seats", Kind.INT, "Licensed seats.", minimum=0),
        _c("currency", Kind.CURRENCY, "ISO 4217 currency (default: the reporting currency)."),
        _c("valid_to", Kind.DATE, "Day after the last day of this period (exclusive)."),
        _c("renewal_date", Kind.DATE, "Next renewal date of the contract."),
        _c("canceled_at", Kind.DATE, "The day the customer cancelled, when known. With "
           'metrics.churn_recognition = "cancellation" the row stops counting on this day '
           "instead of at valid_to."),
    ),
)

INVOICES = Table(
    name="invoices",
    doc="Invoices and one-off purchases. A later row with the same invoice_id replaces the "
    "stored one (an open invoice becomes paid).",
    key=("invoice_id",),
    date_column="issued_at",
    account_column="account_id",
    columns=(
        _c("invoice_id", Kind.ID, "The invoice's id.", required=True, personal=False),
        _c("account_id", Kind.ID, "The billed account.", required=True, personal=False),
        _c("issued_at", Kind.TIMESTAMP, "When it was issued.", required=True),
        _c("amount", Kind.MONEY, "Total amount.", required=True, minimum=0),
        _c("currency", Kind.CURRENCY, "ISO 4217 currency (default: the reporting currency)."),
        _c("kind", Kind.ENUM, "What was billed.", choices=INVOICE_KINDS),
        _c("status", Kind.ENUM, "Payment status.", choices=INVOICE_STATUSES),
    ),
)

EVENTS = Table(
    name="events",
    doc="Product usage events. Events never change: a repeated event_id is a duplicate. An "
    "event without event_id is keyed by a hash of its content (account, event, timestamp, "
    "user, properties), so importing the same file twice stores it once.",
    key=("event_id",),
    on_conflict="insert",
    hash_key_from=("account_id", "event", "timestamp", "user_id", "properties"),
    date_column="timestamp",
    account_column="account_id",
    columns=(
        _c("account_id", Kind.ID, "The account the event belongs to.", required=True,
           personal=False),
        _c("event", Kind.TEXT, "Event name, e.g. report_created.", required=True, personal=False),
        _c("timestamp", Kind.TIMESTAMP, "When it happened.", required=True),
        _c("event_id", Kind.ID, "Unique id of the event (a content hash when missing).",
           personal=False),
        _c("user_id", Kind.ID, "The user (contact_id) who did it.", personal=True),
        _c("properties", Kind.JSON, "Event properties as a JSON object (a tracking plan may "
           "send a user's email or name in them).", personal=True),
    ),
)

TICKETS = Table(
    name="tickets",
    doc="Support tickets. A later row with the same ticket_id replaces the stored one.",
    key=("ticket_id",),
    date_column="created_at",
    account_column="account_id",
    checks=(Ordered("first_response_at", "created_at"), Ordered("resolved_at", "created_at")),
    columns=(
        _c("ticket_id", Kind.ID, "The ticket's id.", required=True, personal=False),
        _c("account_id", Kind.ID, "The customer's account.", required=True, personal=False),
        _c("created_at", Kind.TIMESTAMP, "When it was opened.", required=True),
        _c("requester_id", Kind.ID, "The contact who asked.", personal=True),
        _c("first_response_at", Kind.TIMESTAMP, "First agent reply."),
        _c("resolved_at", Kind.TIMESTAMP, "When it was solved."),
        _c("priority", Kind.ENUM, "Priority.", choices=TICKET_PRIORITIES),
        _c("status", Kind.ENUM, "Status.", choices=TICKET_STATUSES),
        _c("channel", Kind.TEXT, "Channel: email, chat, phone, web, ...", personal=False),
        _c("subject", Kind.TEXT, "Subject line.", personal=True),
        _c("satisfaction", Kind.INT, "Satisfaction rating 1-5.", minimum=1, maximum=5),
        _c("tags", Kind.TEXT, "Tags, comma- or space-separated.", personal=False),
    ),
)

SURVEY_RESPONSES = Table(
    name="survey_responses",
    doc="NPS (0-10), CSAT (1-5) and CES (1-7) answers. A later row with the same "
    "response_id replaces the stored one.",
    key=("response_id",),
    date_column="responded_at",
    account_column="account_id",
    checks=(RangeBy("score", "survey", SURVEY_SCORE_RANGE),),
    columns=(
        _c("response_id", Kind.ID, "The response's id.", required=True, personal=False),
        _c("account_id", Kind.ID, "The respondent's account.", required=True, personal=False),
        _c("survey", Kind.ENUM, "Which survey.", required=True, choices=SURVEYS),
        _c("score", Kind.INT, "The score.", required=True, minimum=0, maximum=10),
        _c("responded_at", Kind.TIMESTAMP, "When they answered.", required=True),
        _c("contact_id", Kind.ID, "Who answered.", personal=True),
        _c("comment", Kind.TEXT, "Free-text comment.", personal=True),
    ),
)

ACTIVITIES = Table(
    name="activities",
    doc="CSM touchpoints and engagement: calls, emails, meetings, QBRs, notes, webinars, "
    "training, community. A later row with the same activity_id replaces the stored one.",
    key=("activity_id",),
    date_column="occurred_at",
    account_column="account_id",
    columns=(
        _c("activity_id", Kind.ID, "The activity's id.", required=True, personal=False),
        _c("account_id", Kind.ID, "The account.", required=True, personal=False),
        _c("kind", Kind.ENUM, "What kind of touchpoint.", required=True, choices=ACTIVITY_KINDS),
        _c("occurred_at", Kind.TIMESTAMP, "When it happened.", required=True),
        _c("actor", Kind.TEXT, "Who did it (CSM email or contact id).", personal=True),
        _c("summary", Kind.TEXT, "What happened.", personal=True),
    ),
)

FEEDBACK = Table(
    name="feedback",
    doc="The voice of the customer: feature requests, ideas, complaints. A later row with "
    "the same feedback_id replaces the stored one.",
    key=("feedback_id",),
    date_column="created_at",
    account_column="account_id",
    columns=(
        _c("feedback_id", Kind.ID, "The feedback's id.", required=True, personal=False),
        _c("account_id", Kind.ID, "The account.", required=True, personal=False),
        _c("created_at", Kind.TIMESTAMP, "When it was given.", required=True),
        _c("text", Kind.TEXT, "What the customer said.", required=True, personal=True),
        _c("contact_id", Kind.ID, "Who said it.", personal=True),
        _c("source", Kind.TEXT, "Where it came from: call, ticket, survey, portal, ...",
           personal=False),
        _c("feature", Kind.TEXT, "The feature or area it concerns.", personal=False),
        _c("status", Kind.TEXT, "Product team's status: new, planned, shipped, declined.",
           personal=False),
    ),
)

FX_RATES = Table(
    name="fx_rates",
    doc="Optional: exchange rates into the reporting currency (`company.reporting_currency`), "
    "for a company whose accounts pay in several currencies. The metrics convert each "
    "subscription row at the latest rate of its currency on or before its valid_from, and "
    "each invoice at the latest rate on or before the day it was issued; amounts in the "
    "reporting currency need no rate. The rates are against the reporting currency: after "
    "changing it, import rates into the new one. Not tied to an account. A later row with "
    "the same currency and date replaces the stored one (a corrected rate).",
    key=("currency", "date"),
    date_column="date",
    optional=True,
    columns=(
        _c("currency", Kind.CURRENCY, "The currency the rate converts from.", required=True),
        _c("date", Kind.DATE, "The day of the rate; it applies until the currency's next rate.",
           required=True),
        _c("rate", Kind.MONEY, "Units of the reporting currency per one unit of `currency` on "
           "that date (EUR 1.0850 with USD reporting: one euro is 1.085 dollars).",
           required=True, minimum=0, exclusive_minimum=True),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        ACCOUNTS,
        CONTACTS,
        SUBSCRIPTIONS,
        INVOICES,
        EVENTS,
        TICKETS,
        SURVEY_RESPONSES,
        ACTIVITIES,
        FEEDBACK,
        FX_RATES,
    )
}

# Import order that satisfies references (accounts first); the demo and docs follow it.
TABLE_ORDER: tuple[str, ...] = tuple(TABLES)
