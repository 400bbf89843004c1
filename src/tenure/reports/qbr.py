"""The quarterly business review (QBR) of one account: the figures, gathered as data.

``qbr_report(app, account_id=..., quarter="2026Q2", today=...)`` reads the warehouse (usage,
tickets, surveys, activities, subscriptions), the app database (health history, the latest
snapshot, success goals, onboarding) and returns a :class:`QbrReport`; ``tenure.reports.render``
turns it into HTML and PDF. A running quarter is reported up to ``today``; nothing after the
end of the quarter is read, so a past quarter reads the same whatever happened since (health
drivers and churn risk excepted: they come from the latest scoring run, and the report says
which day that was).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ..errors import ReportError
from ..metrics import account_metrics
from ..metrics import context as metrics_context
from ..metrics import number as _num
from ..metrics.engine import PERIOD, compute_frame
from ..metrics.periods import month_end, periods_ending
from ..store.models import (
    AccountExplanation,
    AccountSnapshot,
    HealthHistory,
    OnboardingMilestone,
    OnboardingPlan,
    SuccessGoal,
)

if TYPE_CHECKING:
    from ..app import App

QUARTER = re.compile(r"(\d{4})\s*-?\s*Q([1-4])", re.IGNORECASE)
# Usage trends: the report's quarter and the three before it, one point per month.
TREND_QUARTERS = 4
USAGE_METRICS = ("mau", "wau", "active_user_days", "seats", "seat_utilization",
                 "feature_breadth")
# Read once at the end of the reported span, over the calendar quarter (period="quarter").
QUARTER_METRICS = ("arr", "tickets_opened", "open_tickets", "first_response_hours_median",
                   "resolution_hours_median", "sla_tickets", "sla_breaches",
                   "time_to_value_days", "first_value_day", "feature_breadth")
TOP_N = 5
MAX_COMMENTS = 8
PROGRAM_KINDS = ("webinar", "training", "community")
# Comments are quoted without who wrote them; an email address or a contact's name inside the
# text is blanked too (people's names belong to the contacts table, not to a shared report).
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


@dataclass(frozen=True)
class Quarter:
    """A calendar quarter, ``label`` like 2026Q3; ``start`` and ``end`` both included."""

    year: int
    number: int

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        return month_end(date(self.year, 3 * self.number, 1))

    def shifted(self, quarters: int) -> Quarter:
        index = self.year * 4 + self.number - 1 + quarters
        return Quarter(index // 4, index % 4 + 1)

    def months(self) -> list[date]:
        """The first day of each of its three months."""
        return [date(self.year, 3 * self.number - 2 + k, 1) for k in range(3)]


def parse_quarter(text: str) -> Quarter:
    """'2026Q3' (also '2026-Q3', '2026q3') -> Quarter; ReportError on anything else."""
    m = QUARTER.fullmatch(text.strip())
    if not m or not 1900 <= int(m.group(1)) <= 9999:
        raise ReportError(f"quarter {text!r}: write it as YYYYQn, e.g. 2026Q3")
    return Quarter(int(m.group(1)), int(m.group(2)))


@dataclass(frozen=True)
class AccountInfo:
    account_id: str
    name: str
    owner: str | None
    segment: str | None
    plan: str | None
    industry: str | None
    arr: float | None
    renewal_date: date | None


@dataclass(frozen=True)
class HealthPoint:
    day: date
    score: float | None
    band: str | None


@dataclass(frozen=True)
class BandInfo:
    label: str
    low: float
    high: float
    color: str


@dataclass(frozen=True)
class GroupScore:
    group: str
    label: str
    score: float | None
    weight: float


@dataclass(frozen=True)
class HealthSection:
    """Health over the quarter (from health_history) and the drivers of the latest scoring
    run (account_snapshots, as of ``drivers_as_of``)."""

    points: list[HealthPoint]
    bands: list[BandInfo]
    groups: list[GroupScore]
    drags: list[str]
    churn_probability: float | None
    churn_horizon_days: int | None
    churn_drivers: list[str]
    churn_model: str | None
    drivers_as_of: date | None

    @property
    def latest(self) -> HealthPoint | None:
        scored = [p for p in self.points if p.score is not None]
        return scored[-1] if scored else None

    @property
    def first(self) -> HealthPoint | None:
        scored = [p for p in self.points if p.score is not None]
        return scored[0] if scored else None


@dataclass(frozen=True)
class UsageMonth:
    """Usage metrics at the end of one month (or at the report's last day, for the running
    month); ``in_quarter`` marks the months of the reported quarter."""

    month: str
    as_of: date
    in_quarter: bool
    mau: float | None
    wau: float | None
    active_user_days: float | None
    seats: float | None
    seat_utilization: float | None
    feature_breadth: float | None


@dataclass(frozen=True)
class GoalRow:
    title: str
    metric: str | None
    baseline: float | None
    target: float | None
    current: float | None
    progress: float | None
    due_on: date | None
    status: str
    achieved_on: date | None


@dataclass(frozen=True)
class MilestoneRow:
    title: str
    due_on: date
    completed_on: date | None
    status: str  # done, overdue or open, as of the report's last day


@dataclass(frozen=True)
class SupportSection:
    opened: int
    resolved: int
    open_at_end: int
    first_response_hours_median: float | None
    resolution_hours_median: float | None
    sla_tickets: int
    sla_breaches: int
    satisfaction_count: int
    satisfaction_mean: float | None
    top_tags: list[tuple[str, int]]
    top_subjects: list[tuple[str, int]]


@dataclass(frozen=True)
class Comment:
    survey: str
    score: int
    day: date
    text: str


@dataclass(frozen=True)
class VoiceSection:
    nps_responses: int
    promoters: int
    passives: int
    detractors: int
    nps_scores: list[int]  # answers per score 0..10
    csat_responses: int
    csat_satisfied: int
    csat_mean: float | None
    comments: list[Comment]

    @property
    def nps(self) -> float | None:
        """Bain: NPS = 100 x (promoters 9-10 - detractors 0-6) / answers."""
        if not self.nps_responses:
            return None
        return 100.0 * (self.promoters - self.detractors) / self.nps_responses

    @property
    def csat(self) -> float | None:
        """Share of CSAT answers of 4 or 5 on the 1-5 scale."""
        return self.csat_satisfied / self.csat_responses if self.csat_responses else None


@dataclass(frozen=True)
class ValueSection:
    time_to_value_days: float | None
    first_value_day: date | None
    features_adopted: int | None
    key_features: int
    milestones_achieved: int
    goals_achieved: int
    mau_mean: float | None
    mau_mean_before: float | None
    active_user_days: float | None
    active_user_days_before: float | None
    touchpoints: int
    qbrs: int
    programs: int
    by_kind: dict[str, int]
    touchpoint_kinds: list[str]

    @property
    def mau_growth(self) -> float | None:
        return _growth(self.mau_mean, self.mau_mean_before)

    @property
    def active_user_days_growth(self) -> float | None:
        return _growth(self.active_user_days, self.active_user_days_before)


@dataclass(frozen=True)
class QbrReport:
    """Everything a QBR shows, as data (``as_dict`` for JSON)."""

    company: str
    currency: str
    quarter: Quarter
    through: date  # the last day reported: the quarter's end, or today in a running quarter
    generated_on: date
    account: AccountInfo
    health: HealthSection
    usage: list[UsageMonth]
    goals: list[GoalRow]
    milestones: list[MilestoneRow]
    support: SupportSection
    voice: VoiceSection
    value: ValueSection
    summary: list[str] = field(default_factory=list)

    @property
    def running(self) -> bool:
        return self.through < self.quarter.end

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["quarter"] = {"label": self.quarter.label, "start": self.quarter.start,
                        "end": self.quarter.end}
        d["running"] = self.running
        d["voice"]["nps"] = self.voice.nps
        d["voice"]["csat"] = self.voice.csat
        d["value"]["mau_growth"] = self.value.mau_growth
        d["value"]["active_user_days_growth"] = self.value.active_user_days_growth
        latest = self.health.latest
        d["health"]["latest"] = asdict(latest) if latest else None
        return d


def _growth(now: float | None, before: float | None) -> float | None:
    if now is None or before is None or before == 0:
        return None
    return (now - before) / before



def _int(value: Any) -> int:
    v = _num(value)
    return int(v) if v is not None else 0


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


# --- gathering --------------------------------------------------------------------------------


def qbr_report(app: App, *, account_id: str, quarter: str, today: date) -> QbrReport:
    """The QBR of ``account_id`` for ``quarter`` (YYYYQn), with data up to the quarter's end
    or ``today``, whichever comes first. ReportError for a bad quarter, a quarter that has not
    started, or an unknown account."""
    q = parse_quarter(quarter)
    if q.start > today:
        raise ReportError(f"quarter {q.label} has not started yet (today is {today}); "
                          "pick a quarter that has begun")
    through = min(q.end, today)
    con = app.warehouse.con
    known = con.execute("SELECT name, owner, industry FROM accounts WHERE account_id = ?",
                        [account_id]).fetchall()
    if not known:
        raise ReportError(f"no account {account_id!r} in the warehouse; `tenure accounts` "
                          "lists them")
    name, owner, industry = known[0]
    settings = app.settings
    at_end = _account_row(account_metrics(app, as_of=through, period="quarter",
                                          metrics=list(QUARTER_METRICS)), account_id)
    account = AccountInfo(
        account_id=account_id, name=name or account_id, owner=owner or at_end.get("owner"),
        segment=at_end.get("segment"), plan=at_end.get("plan"), industry=industry,
        arr=_num(at_end.get("arr")), renewal_date=_renewal(app, account_id, through))
    health = _health(app, account_id, q, through)
    usage = _usage(app, account_id, q, through)
    goals = _goals(app, account_id)
    milestones = _milestones(app, account_id, through)
    support = _support(app, account_id, q, through, at_end)
    voice = _voice(app, account_id, q, through)
    value = _value(app, account_id, q, through, at_end, usage, goals, milestones)
    report = QbrReport(
        company=settings.company.name, currency=settings.company.reporting_currency,
        quarter=q, through=through, generated_on=today, account=account, health=health,
        usage=usage, goals=goals, milestones=milestones, support=support, voice=voice,
        value=value)
    return replace(report, summary=summary_sentences(report))


def _account_row(frame: Any, account_id: str) -> dict[str, Any]:
    rows = frame[frame["account_id"] == account_id]
    return {} if rows.empty else rows.iloc[0].to_dict()


def _span(q: Quarter, through: date) -> tuple[datetime, datetime]:
    """Timestamps [start, end) of the reported days (warehouse timestamps are naive UTC)."""
    return (datetime.combine(q.start, time()),
            datetime.combine(through + timedelta(days=1), time()))


def _renewal(app: App, account_id: str, through: date) -> date | None:
    """The next renewal date of the subscriptions live on the report's last day."""
    rows = app.warehouse.con.execute(
        "SELECT min(renewal_date) FROM subscriptions WHERE account_id = ? "
        "AND valid_from <= ? AND (valid_to IS NULL OR valid_to > ?) AND renewal_date >= ?",
        [account_id, through, through, through]).fetchall()
    return rows[0][0] if rows and rows[0][0] is not None else None


def _health(app: App, account_id: str, q: Quarter, through: date) -> HealthSection:
    from ..health import load_model

    with app.store.session() as s:
        hist = s.execute(
            select(HealthHistory.day, HealthHistory.score, HealthHistory.band)
            .where(HealthHistory.account_id == account_id, HealthHistory.day >= q.start,
                   HealthHistory.day <= through)
            .order_by(HealthHistory.day)).all()
        snap = s.get(AccountSnapshot, account_id)
        ex = s.get(AccountExplanation, account_id)
        snap_data = None if snap is None else {
            "as_of": snap.as_of,
            "explanation": json.loads(ex.explanation if ex and ex.explanation else "[]"),
            "drags": json.loads(snap.drags or "[]"), "p": snap.churn_probability,
            "horizon": snap.churn_horizon_days,
            "drivers": json.loads(snap.churn_drivers or "[]"), "model": snap.churn_model}
    bands = [BandInfo(b.label, b.low, b.high, b.color)
             for b in load_model(app.settings).bands]
    points = [HealthPoint(d, _num(sc), b) for d, sc, b in hist]
    if snap_data is None:
        return HealthSection(points, bands, [], [], None, None, [], None, None)
    groups = [GroupScore(g.get("group", ""), g.get("label") or g.get("group", ""),
                         _num(g.get("score")), float(g.get("weight") or 0.0))
              for g in snap_data["explanation"]]
    return HealthSection(
        points=points, bands=bands, groups=groups, drags=list(snap_data["drags"]),
        churn_probability=_num(snap_data["p"]), churn_horizon_days=snap_data["horizon"],
        churn_drivers=list(snap_data["drivers"]), churn_model=snap_data["model"],
        drivers_as_of=snap_data["as_of"])


def _usage(app: App, account_id: str, q: Quarter, through: date) -> list[UsageMonth]:
    """Usage at each month end of the quarter and the three before it (the running month
    measured on the report's last day). One metrics run over the twelve monthly periods: the
    values are those of ``account_metrics(as_of=month_end)`` for each month, computed for every
    account at once, which on a big warehouse is most of the report's time."""
    first = q.shifted(-(TREND_QUARTERS - 1))
    spans = [p for p in periods_ending(through, "month", 3 * TREND_QUARTERS)
             if p.start >= first.start]
    frame = compute_frame(metrics_context(app, as_of=through), list(USAGE_METRICS), spans,
                          None)
    rows = frame[frame["account_id"] == account_id].set_index(PERIOD)
    out: list[UsageMonth] = []
    for i, span in enumerate(spans):
        row = rows.loc[i].to_dict() if i in rows.index else {}
        out.append(UsageMonth(
            month=span.start.strftime("%Y-%m"), as_of=span.end,
            in_quarter=q.start <= span.start <= q.end,
            **{m: _num(row.get(m)) for m in USAGE_METRICS}))
    return out


def _goals(app: App, account_id: str) -> list[GoalRow]:
    with app.store.session() as s:
        rows = s.execute(select(SuccessGoal).where(SuccessGoal.account_id == account_id)
                         .order_by(SuccessGoal.due_on, SuccessGoal.id)).scalars().all()
        return [GoalRow(g.title, g.metric, g.baseline, g.target, g.current, g.progress,
                        g.due_on, g.status, g.achieved_on) for g in rows]


def _milestones(app: App, account_id: str, through: date) -> list[MilestoneRow]:
    """The milestones of the account's onboarding plans started by the report's last day."""
    with app.store.session() as s:
        rows = s.execute(
            select(OnboardingMilestone)
            .join(OnboardingPlan, OnboardingPlan.id == OnboardingMilestone.plan_id)
            .where(OnboardingMilestone.account_id == account_id,
                   OnboardingPlan.started_on <= through)
            .order_by(OnboardingPlan.started_on, OnboardingMilestone.position)).scalars().all()
        out = []
        for m in rows:
            done = m.completed_on is not None and m.completed_on <= through
            status = "done" if done else ("overdue" if m.due_on < through else "open")
            out.append(MilestoneRow(m.title, m.due_on, m.completed_on if done else None,
                                    status))
        return out


def _support(app: App, account_id: str, q: Quarter, through: date,
             at_end: dict[str, Any]) -> SupportSection:
    start, end = _span(q, through)
    con = app.warehouse.con
    resolved, sat_n, sat_mean = con.execute(
        "SELECT count(*) FILTER (WHERE resolved_at >= ? AND resolved_at < ?), "
        "count(satisfaction) FILTER (WHERE created_at >= ? AND created_at < ?), "
        "avg(satisfaction) FILTER (WHERE created_at >= ? AND created_at < ?) "
        "FROM tickets WHERE account_id = ?",
        [start, end, start, end, start, end, account_id]).fetchall()[0]
    rows = con.execute("SELECT tags, subject FROM tickets WHERE account_id = ? "
                       "AND created_at >= ? AND created_at < ?",
                       [account_id, start, end]).fetchall()
    tags: dict[str, int] = {}
    subjects: dict[str, int] = {}
    for tag_text, subject in rows:
        for tag in {t.strip() for t in re.split(r"[,;\s]+", tag_text or "") if t.strip()}:
            tags[tag] = tags.get(tag, 0) + 1
        if subject and subject.strip():
            subjects[subject.strip()] = subjects.get(subject.strip(), 0) + 1

    def top(counts: dict[str, int]) -> list[tuple[str, int]]:
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_N]

    return SupportSection(
        opened=_int(at_end.get("tickets_opened")), resolved=int(resolved),
        open_at_end=_int(at_end.get("open_tickets")),
        first_response_hours_median=_num(at_end.get("first_response_hours_median")),
        resolution_hours_median=_num(at_end.get("resolution_hours_median")),
        sla_tickets=_int(at_end.get("sla_tickets")),
        sla_breaches=_int(at_end.get("sla_breaches")), satisfaction_count=int(sat_n),
        satisfaction_mean=_num(sat_mean), top_tags=top(tags), top_subjects=top(subjects))


def _voice(app: App, account_id: str, q: Quarter, through: date) -> VoiceSection:
    start, end = _span(q, through)
    con = app.warehouse.con
    rows = con.execute(
        "SELECT survey, score, responded_at, comment FROM survey_responses "
        "WHERE account_id = ? AND responded_at >= ? AND responded_at < ? "
        "ORDER BY responded_at DESC, response_id", [account_id, start, end]).fetchall()
    names = [n for (n,) in con.execute(
        "SELECT DISTINCT name FROM contacts WHERE account_id = ? AND name IS NOT NULL",
        [account_id]).fetchall() if n and len(n.strip()) > 2]
    nps = [int(r[1]) for r in rows if (r[0] or "").lower() == "nps" and r[1] is not None]
    csat = [int(r[1]) for r in rows if (r[0] or "").lower() == "csat" and r[1] is not None]
    comments = [Comment(survey, int(score), when.date(), anonymise(text, names))
                for survey, score, when, text in rows
                if text and text.strip() and score is not None][:MAX_COMMENTS]
    return VoiceSection(
        nps_responses=len(nps), promoters=sum(s >= 9 for s in nps),
        passives=sum(7 <= s <= 8 for s in nps), detractors=sum(s <= 6 for s in nps),
        nps_scores=[sum(s == k for s in nps) for k in range(11)],
        csat_responses=len(csat), csat_satisfied=sum(s >= 4 for s in csat),
        csat_mean=_mean([float(s) for s in csat]), comments=comments)


def anonymise(text: str, names: list[str]) -> str:
    """A comment without email addresses or the names of the account's contacts."""
    out = EMAIL.sub("[email]", text.strip())
    for n in sorted(names, key=len, reverse=True):
        out = re.sub(re.escape(n.strip()), "[name]", out, flags=re.IGNORECASE)
    return out


def _value(app: App, account_id: str, q: Quarter, through: date, at_end: dict[str, Any],
           usage: list[UsageMonth], goals: list[GoalRow],
           milestones: list[MilestoneRow]) -> ValueSection:
    start, end = _span(q, through)
    adoption = app.settings.adoption
    kinds = dict(app.warehouse.con.execute(
        "SELECT kind, count(*) FROM activities WHERE account_id = ? AND occurred_at >= ? "
        "AND occurred_at < ? AND (actor IS NULL OR NOT list_contains(?, actor)) GROUP BY kind",
        [account_id, start, end, list(adoption.automated_actors)]).fetchall())
    before = q.shifted(-1)
    prev = [u for u in usage if before.start <= u.as_of <= before.end]
    cur = [u for u in usage if u.in_quarter]
    first_value = at_end.get("first_value_day")
    features = _num(at_end.get("feature_breadth"))
    return ValueSection(
        time_to_value_days=_num(at_end.get("time_to_value_days")),
        first_value_day=first_value if isinstance(first_value, date) else None,
        features_adopted=None if features is None else int(features),
        key_features=len(adoption.key_features),
        milestones_achieved=sum(m.completed_on is not None and m.completed_on >= q.start
                                for m in milestones),
        goals_achieved=sum(g.status == "achieved" and g.achieved_on is not None
                           and q.start <= g.achieved_on <= through for g in goals),
        mau_mean=_mean([u.mau for u in cur]), mau_mean_before=_mean([u.mau for u in prev]),
        active_user_days=_sum([u.active_user_days for u in cur]),
        active_user_days_before=_sum([u.active_user_days for u in prev]),
        touchpoints=sum(n for k, n in kinds.items() if k in adoption.touchpoint_kinds),
        qbrs=int(kinds.get("qbr", 0)),
        programs=sum(n for k, n in kinds.items() if k in PROGRAM_KINDS),
        by_kind={k: int(n) for k, n in sorted(kinds.items())},
        touchpoint_kinds=list(adoption.touchpoint_kinds))


def _sum(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


# --- words ------------------------------------------------------------------------------------


def summary_sentences(r: QbrReport) -> list[str]:
    """The executive summary in sentences, from the report's own figures."""
    out: list[str] = []
    h = r.health
    last, first = h.latest, h.first
    if last is None or last.score is None:
        out.append(f"No health score was recorded for {r.quarter.label}: run `tenure score`.")
    else:
        text = f"Health is {last.band or 'unbanded'} at {last.score:.1f} on {last.day}"
        if first is not None and first.score is not None and first.day < last.day:
            change = last.score - first.score
            way = "up" if change > 0 else "down" if change < 0 else "unchanged"
            text += (f", {way} {abs(change):.1f} points since {first.day} ({first.score:.1f})"
                     if change else f", unchanged since {first.day}")
        out.append(text + ".")
    if h.churn_probability is not None:
        horizon = f" within {h.churn_horizon_days} days" if h.churn_horizon_days else ""
        out.append(f"Churn risk: {h.churn_probability:.0%}{horizon} "
                   f"(scoring run of {h.drivers_as_of}).")
    else:
        out.append("No churn risk: no churn model has been trained (`tenure churn train`).")
    if h.drags:
        out.append("Biggest drags on health: " + "; ".join(h.drags[:3]) + ".")
    if h.churn_drivers:
        out.append("Top churn drivers: " + "; ".join(h.churn_drivers[:3]) + ".")
    if r.goals:
        out.append(f"Goals: {r.value.goals_achieved} achieved in the quarter; "
                   f"{sum(g.status == 'achieved' for g in r.goals)} of {len(r.goals)} "
                   "achieved in all.")
    else:
        out.append("No success goals are recorded for this account.")
    growth = r.value.mau_growth
    if r.value.mau_mean is not None:
        text = f"Monthly active users averaged {r.value.mau_mean:,.0f}"
        if growth is not None:
            text += f", {growth:+.0%} on the quarter before"
        out.append(text + ".")
    return out
