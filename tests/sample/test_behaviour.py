"""The sample company behaves like a SaaS business whose signals foretell churn, imperfectly.

Every check recomputes what it needs from the canonical files (or compares them with the
ground truth); none restates numbers from the generator's code.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from tests.sample.readers import AS_OF, Rows, Truth, read_csv

from tenure.sample import SampleResult, generate_company

DAY = dt.timedelta(days=1)


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text[:10])


def _coverage(subscriptions: list[dict[str, str]]) -> dict[str, list[tuple[dt.date, dt.date]]]:
    """Per account, the merged periods its core product was paid for (ChartMogul: a customer
    churns when the last active subscription ends)."""
    periods: dict[str, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for r in subscriptions:
        if r["product"] == "platform":
            end = _d(r["valid_to"]) if r["valid_to"] else dt.date.max
            periods[r["account_id"]].append((_d(r["valid_from"]), end))
    merged: dict[str, list[tuple[dt.date, dt.date]]] = {}
    for account, spans in periods.items():
        spans.sort()
        out = [spans[0]]
        for s, e in spans[1:]:
            if s <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], e))
            else:
                out.append((s, e))
        merged[account] = out
    return merged


def _churns(tables: Rows) -> dict[str, list[dt.date]]:
    return {a: [e for _, e in spans if e < AS_OF]
            for a, spans in _coverage(tables["subscriptions"]).items()}


def _small(tmp: Path, **kw: object) -> SampleResult:
    args: dict[str, object] = {"accounts": 120, "seed": 5, "as_of": dt.date(2024, 3, 1),
                               "years": 1.0}
    args.update(kw)
    return generate_company(tmp, **args)  # type: ignore[arg-type]


def _bytes(result: SampleResult) -> dict[str, bytes]:
    paths = list(result.files.values()) + list(result.ground_truth.values())
    return {p.name: p.read_bytes() for p in paths}


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    first = _bytes(_small(tmp_path / "a"))
    second = _bytes(_small(tmp_path / "b"))
    assert first.keys() == second.keys() and len(first) >= 12
    assert [n for n in first if first[n] != second[n]] == []


def test_another_seed_gives_another_company(tmp_path: Path) -> None:
    one = _bytes(_small(tmp_path / "a"))
    other = _bytes(_small(tmp_path / "b", seed=6))
    # Exchange rates are the market's, not the company's: the same for every seed.
    assert all(one[name] != other[name] for name in one if name != "fx_rates.csv")


def test_events_scale_multiplies_events_and_nothing_else(tmp_path: Path) -> None:
    low = _small(tmp_path / "low", events_scale=0.5)
    high = _small(tmp_path / "high", events_scale=2.0)
    assert 3.4 < high.rows["events"] / low.rows["events"] < 4.6
    # Milestones do not scale, so a little below 4 is expected; other tables are unchanged.
    for name in ("accounts", "subscriptions", "tickets", "survey_responses"):
        assert low.files[name].read_bytes() == high.files[name].read_bytes(), name


def test_progress_is_reported_after_each_chunk(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    _small(tmp_path, accounts=1500, years=0.3, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (1500, 1500)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and len(seen) >= 2


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        _small(tmp_path, accounts=0)
    with pytest.raises(ValueError):
        _small(tmp_path, events_scale=-1.0)


def test_churn_in_the_subscriptions_matches_the_ground_truth(
    tables: Rows, truth: Truth
) -> None:
    from_files = {(a, d) for a, dates in _churns(tables).items() for d in dates}
    recorded = set()
    for row in truth["accounts"]:
        for column in ("churned_on", "churned_again_on"):
            if row[column] is not None:
                recorded.add((row["account_id"], row[column]))
    assert from_files == recorded
    assert len(recorded) > 20
    kinds = {row["churn_kind"] for row in truth["accounts"] if row["churned"]}
    assert kinds == {"signalled", "surprise"}  # some churns no signal foretold


def test_annual_logo_churn_per_segment_is_plausible(tables: Rows) -> None:
    """Logo churn per customer-year of exposure, by segment, from the subscription rows."""
    segment = {r["account_id"]: r["segment"] for r in tables["accounts"]}
    years: dict[str, float] = defaultdict(float)
    lost: dict[str, int] = defaultdict(int)
    for account, spans in _coverage(tables["subscriptions"]).items():
        for s, e in spans:
            years[segment[account]] += ((min(e, AS_OF) - s).days) / 365.25
            lost[segment[account]] += e < AS_OF
    rate = {s: lost[s] / years[s] for s in years}
    # Targets are ~8-15% SMB, ~5-10% mid-market, ~3-6% enterprise a year among customers up
    # for renewal; per year of exposure (new annual customers cannot churn in their first
    # year) and with a few dozen enterprise accounts, the bounds leave room for chance.
    assert 0.04 <= rate["smb"] <= 0.2, rate
    assert 0.01 <= rate["mid_market"] <= 0.14, rate
    assert 0.0 <= rate["enterprise"] <= 0.12, rate


class _Events:
    """Events as numpy arrays: account codes and UTC days since 1970, for quick windows."""

    def __init__(self, events: pa.Table) -> None:
        coded = pc.dictionary_encode(events.column("account_id")).combine_chunks()
        self.names = coded.dictionary.to_pylist()
        self.code = {a: i for i, a in enumerate(self.names)}
        self.account = coded.indices.to_numpy()
        ts = pc.cast(events.column("timestamp"), pa.timestamp("us")).cast(pa.int64())
        self.day = ts.to_numpy() // 86_400_000_000
        users = pc.dictionary_encode(events.column("user_id")).combine_chunks()
        self.user = users.indices.to_numpy()

    def count(self, start: dt.date, stop: dt.date, distinct_users: bool = False
              ) -> dict[str, int]:
        lo, hi = (start - dt.date(1970, 1, 1)).days, (stop - dt.date(1970, 1, 1)).days
        m = (self.day >= lo) & (self.day < hi)
        if distinct_users:
            pairs = np.unique(np.stack([self.account[m], self.user[m]]), axis=1)
            n = np.bincount(pairs[0], minlength=len(self.names))
        else:
            n = np.bincount(self.account[m], minlength=len(self.names))
        return defaultdict(int, {a: int(n[i]) for i, a in enumerate(self.names)})

    def per_week(self, windows: dict[str, tuple[dt.date, dt.date]]) -> dict[str, float]:
        """Events per week of each account within its own window."""
        epoch = dt.date(1970, 1, 1)
        lo = np.full(len(self.names), 0)
        hi = np.full(len(self.names), 0)
        for a, (s, e) in windows.items():
            if a in self.code:
                lo[self.code[a]], hi[self.code[a]] = (s - epoch).days, (e - epoch).days
        m = (self.day >= lo[self.account]) & (self.day < hi[self.account])
        n = np.bincount(self.account[m], minlength=len(self.names))
        return {a: (n[self.code[a]] if a in self.code else 0) / ((e - s).days / 7)
                for a, (s, e) in windows.items()}


def test_churned_accounts_used_the_product_less_before_they_left(
    tables: Rows, events: pa.Table, truth: Truth
) -> None:
    created = {r["account_id"]: _d(r["created_at"]) for r in tables["accounts"]}
    churned: dict[str, dt.date] = {r["account_id"]: r["churned_on"] for r in truth["accounts"]
                                   if r["churn_kind"] == "signalled" and r["churned_on"]}
    retained = [a for a, spans in _coverage(tables["subscriptions"]).items()
                if all(e >= AS_OF for _, e in spans) and created[a] < AS_OF - 270 * DAY]
    before = {a: d for a, d in churned.items() if d - 180 * DAY >= created[a]}
    ev = _Events(events)
    late = ev.per_week({a: (d - 90 * DAY, d) for a, d in before.items()})
    earlier = ev.per_week({a: (d - 180 * DAY, d - 90 * DAY) for a, d in before.items()})
    kept = ev.per_week({a: (AS_OF - 90 * DAY, AS_OF) for a in retained})
    assert len(late) >= 10 and len(kept) >= 100
    # Less use than the customers who stay, and less than their own use three months before.
    assert np.mean(list(late.values())) < 0.5 * np.mean(list(kept.values()))
    assert np.median([late[a] / max(earlier[a], 0.1) for a in late]) < 0.9


def _auc(risk: list[float], label: list[bool]) -> float:
    """Probability that a random churner ranks riskier than a random non-churner."""
    r = np.asarray(risk)
    y = np.asarray(label)
    pos, neg = r[y], r[~y]
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(wins / (len(pos) * len(neg)))


def test_a_naive_health_score_foretells_churn_within_90_days(tables: Rows, events: pa.Table
                                                             ) -> None:
    """Usage trend, seat utilisation, tickets and NPS, equally weighted, rank churners first."""
    coverage = _coverage(tables["subscriptions"])
    churn_dates = _churns(tables)
    seats: dict[str, list[tuple[dt.date, int]]] = defaultdict(list)
    for r in tables["subscriptions"]:
        if r["product"] == "platform":
            seats[r["account_id"]].append((_d(r["valid_from"]), int(r["seats"])))
    ev = _Events(events)
    features: list[list[float]] = []
    labels: list[bool] = []
    for back in range(90, 331, 30):  # nine monthly as-of dates over the last year
        on = AS_OF - back * DAY
        base = [a for a, spans in coverage.items()
                if any(s <= on - 90 * DAY and e > on for s, e in spans)]
        recent = ev.count(on - 30 * DAY, on)
        prior = ev.count(on - 90 * DAY, on - 30 * DAY)
        users = ev.count(on - 30 * DAY, on, distinct_users=True)
        tickets: dict[str, int] = defaultdict(int)
        for r in tables["tickets"]:
            if on - 90 * DAY <= _d(r["created_at"]) < on:
                tickets[r["account_id"]] += 1
        nps: dict[str, list[int]] = defaultdict(list)
        for r in tables["survey_responses"]:
            if r["survey"] == "nps" and on - 180 * DAY <= _d(r["responded_at"]) < on:
                nps[r["account_id"]].append(int(r["score"]))
        for a in base:
            n_seats = max(s for d, s in seats[a] if d <= on)
            features.append([
                np.log((recent[a] + 1) / (prior[a] / 2 + 1)),
                min(users[a] / n_seats, 1.5),
                -np.log1p(tickets[a]) + 0.5 * np.log(n_seats),
                float(np.mean(nps[a])) if nps[a] else 7.5,
            ])
            labels.append(any(on < d <= on + 90 * DAY for d in churn_dates.get(a, [])))
    x = np.asarray(features)
    score = ((x - x.mean(axis=0)) / x.std(axis=0)).sum(axis=1)
    assert sum(labels) >= 30
    assert _auc(list(-score), labels) >= 0.7
    # The red band (lowest fifth) churns several times as often as the green (top 40%).
    y = np.asarray(labels)
    red = y[score <= np.quantile(score, 0.2)].mean()
    green = y[score > np.quantile(score, 0.6)].mean()
    assert red >= 3 * green


def test_segments_follow_their_touch_model(tables: Rows) -> None:
    segment = {r["account_id"]: r["segment"] for r in tables["accounts"]}
    owners = {r["owner"] for r in tables["accounts"]}
    assert 8 <= len(owners) <= 20
    csm: dict[str, int] = defaultdict(int)
    qbr: dict[str, int] = defaultdict(int)
    for r in tables["activities"]:
        if r["actor"] in owners:
            csm[segment[r["account_id"]]] += 1
            qbr[segment[r["account_id"]]] += r["kind"] == "qbr"
    count = {s: sum(1 for v in segment.values() if v == s) for s in set(segment.values())}
    per_account = {s: csm[s] / count[s] for s in count}
    assert per_account["enterprise"] > 10 * per_account["smb"]
    assert per_account["mid_market"] > 3 * per_account["smb"]
    assert qbr["smb"] == 0 and qbr["enterprise"] > 0
    # CSMs mostly own accounts of one segment.
    books: dict[str, list[str]] = defaultdict(list)
    for r in tables["accounts"]:
        books[r["owner"]].append(r["segment"])
    focus = [max(b.count(s) for s in set(b)) / len(b) for b in books.values()]
    assert np.mean(focus) > 0.75


def test_segments_buy_differently(tables: Rows) -> None:
    segment = {r["account_id"]: r["segment"] for r in tables["accounts"]}
    first: dict[str, dict[str, str]] = {}
    for r in tables["subscriptions"]:
        if r["product"] == "platform" and r["account_id"] not in first:
            first[r["account_id"]] = r
    seats: dict[str, list[int]] = defaultdict(list)
    for a, r in first.items():
        seats[segment[a]].append(int(r["seats"]))
    # Running monthly contracts all renew within a month; annual ones one time in twelve.
    soon: dict[str, list[bool]] = defaultdict(list)
    for r in tables["subscriptions"]:
        if r["product"] == "platform" and not r["valid_to"]:
            soon[segment[r["account_id"]]].append(_d(r["renewal_date"]) <= AS_OF + 31 * DAY)
    assert np.mean(soon["smb"]) > 0.6 > 0.35 > np.mean(soon["mid_market"])
    assert np.mean(soon["enterprise"]) < 0.25
    assert np.median(seats["smb"]) < np.median(seats["mid_market"]) < np.median(
        seats["enterprise"])
    products = {r["product"] for r in tables["subscriptions"]}
    assert products == {"platform", "analytics", "automation"}
    # Expansion: some core subscriptions gain seats within a contract.
    by_sub: dict[str, list[int]] = defaultdict(list)
    for r in tables["subscriptions"]:
        if r["product"] == "platform":
            by_sub[r["subscription_id"]].append(int(r["seats"]))
    assert sum(1 for s in by_sub.values() if max(s) > s[0]) > 20
    assert sum(1 for s in by_sub.values() if min(s[1:], default=s[0]) < s[0]) > 0
    # A few churned accounts come back on a new subscription.
    subs_per_account = defaultdict(set)
    for r in tables["subscriptions"]:
        if r["product"] == "platform":
            subs_per_account[r["account_id"]].add(r["subscription_id"])
    assert any(len(s) > 1 for s in subs_per_account.values())


def test_invoices_follow_the_contracts(tables: Rows) -> None:
    invoices = tables["invoices"]
    kinds = {r["kind"] for r in invoices}
    assert kinds == {"subscription", "addon", "services", "one_off"}
    status = [r["status"] for r in invoices]
    assert status.count("paid") / len(status) > 0.85
    assert {"open", "void", "refunded"} <= set(status)
    currencies = [r["currency"] for r in tables["subscriptions"]]
    assert currencies.count("USD") / len(currencies) > 0.7 and len(set(currencies)) == 3
    # Over each account's life, invoices add up to its MRR times the months it was served
    # (more when a year was billed in advance), and small customers are billed monthly.
    served: dict[str, float] = defaultdict(float)
    top: dict[str, float] = defaultdict(float)
    for r in tables["subscriptions"]:
        end = min(_d(r["valid_to"]) if r["valid_to"] else AS_OF, AS_OF)
        served[r["account_id"]] += float(r["mrr"]) * (end - _d(r["valid_from"])).days / 30.44
        top[r["account_id"]] = max(top[r["account_id"]], float(r["mrr"]))
    billed: dict[str, float] = defaultdict(float)
    dates: dict[str, list[dt.date]] = defaultdict(list)
    for r in invoices:
        if r["kind"] in ("subscription", "addon"):
            billed[r["account_id"]] += float(r["amount"])
            if r["kind"] == "subscription":
                dates[r["account_id"]].append(_d(r["issued_at"]))
    fits = [0.93 * served[a] <= billed[a] <= served[a] + 13 * top[a] for a in served]
    assert np.mean(fits) > 0.97
    segment = {r["account_id"]: r["segment"] for r in tables["accounts"]}
    years: dict[str, float] = defaultdict(float)
    for a, spans in _coverage(tables["subscriptions"]).items():
        years[a] = sum((min(e, AS_OF) - s).days for s, e in spans) / 365.25
    per_year: dict[str, list[float]] = defaultdict(list)
    for a, ds in dates.items():
        if years[a] >= 1:
            per_year[segment[a]].append(len(ds) / years[a])
    assert 11 <= np.median(per_year["smb"]) <= 13
    assert np.median(per_year["enterprise"]) < 3


def test_stalled_onboarding_reaches_milestones_late_or_never(
    events: pa.Table, truth: Truth, tables: Rows
) -> None:
    created = {r["account_id"]: _d(r["created_at"]) for r in tables["accounts"]}
    mask = pc.equal(events.column("event"), "integration_connected")
    hits = events.filter(mask)
    reached = dict(zip(hits.column("account_id").to_pylist(),
                       [t.date() for t in hits.column("timestamp").to_pylist()], strict=True))
    stalled = {r["account_id"] for r in truth["accounts"] if r["stalled_onboarding"]}
    old = [a for a in created if created[a] < AS_OF - 200 * DAY]
    late = [a for a in old if a in stalled]
    quick = [a for a in old if a not in stalled]
    never_late = np.mean([a not in reached for a in late])
    never_quick = np.mean([a not in reached for a in quick])
    assert never_late > 0.25 and never_quick < 0.05
    delay = [(reached[a] - created[a]).days for a in quick if a in reached]
    assert np.median(delay) < 20
    assert np.median([(reached[a] - created[a]).days for a in late if a in reached]) > 30


def test_survey_scores_follow_experience_and_comments_match_the_score(
    tables: Rows, truth: Truth
) -> None:
    health = {(r["account_id"], r["month"]): r["health"] for r in truth["monthly_state"]}
    pairs = []
    for r in tables["survey_responses"]:
        if r["survey"] == "nps":
            month = _d(r["responded_at"]).replace(day=1)
            pairs.append((health[(r["account_id"], month)], int(r["score"])))
    h, score = np.asarray(pairs).T
    assert 0.3 < np.corrcoef(h, score)[0, 1] < 0.9  # clearly related, not a copy
    said: dict[str, set[str]] = defaultdict(set)
    for r in tables["survey_responses"]:
        if r["survey"] == "nps" and r["comment"]:
            band = "detractor" if int(r["score"]) <= 6 else "promoter" if int(r["score"]) >= 9 \
                else "passive"
            said[band].add(r["comment"])
    assert said["detractor"] and said["promoter"]
    assert not said["detractor"] & said["promoter"]


def test_tickets_rise_when_health_falls(tables: Rows, truth: Truth) -> None:
    tickets: dict[tuple[str, dt.date], int] = defaultdict(int)
    for t in tables["tickets"]:
        tickets[(t["account_id"], _d(t["created_at"]).replace(day=1))] += 1
    low: list[int] = []
    high: list[int] = []
    for m in truth["monthly_state"]:
        if m["customer"]:
            n = tickets[(m["account_id"], m["month"])]
            (low if m["health"] < -0.5 else high if m["health"] > 0.5 else []).append(n)
    assert np.mean(low) > 1.3 * np.mean(high)
    urgent: list[float] = []
    normal: list[float] = []
    for r in tables["tickets"]:
        if r["first_response_at"]:
            wait = (dt.datetime.fromisoformat(r["first_response_at"][:19])
                    - dt.datetime.fromisoformat(r["created_at"][:19])).total_seconds()
            (urgent if r["priority"] == "urgent" else normal if r["priority"] == "normal"
             else []).append(wait)
    assert np.median(urgent) < np.median(normal) / 3


def test_time_is_an_argument(tmp_path: Path) -> None:
    """Nothing after the as-of date, and the window moves with it."""
    a = _small(tmp_path / "a", as_of=dt.date(2023, 1, 15), accounts=60)
    _, rows = read_csv(a.files["tickets"])
    assert max(r["created_at"] for r in rows) < "2023-01-15"
    assert min(r["created_at"] for r in rows) >= "2022-01-15"
