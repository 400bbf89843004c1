"""No leakage: what happens after an as-of date never changes that date's features.

A sample company is built and its features computed as of D (in one batch with two later month
ends, the way training computes them). A copy of the workspace then has every record dated
after D deleted, or altered (moved to another account, later, with other values), in every
table of the warehouse and in the CSM pulses; the part after D of records that straddle D
(a subscription's end, cancellation and renewal date, a ticket's resolution, a contact's
removal) is erased or changed too.
The features as of D computed on the copy must be the same frame.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import delete, update

from tenure import App, build_app
from tenure.churn.features import PointInTime
from tenure.health.history import add_pulse
from tenure.store import HealthPulse

from .conftest import copy_workspace, make_company

D = date(2025, 12, 31)
LATER = (date(2026, 1, 31), date(2026, 2, 28))


def _after(d: date) -> str:
    """The first instant after day d, as SQL."""
    return f"TIMESTAMP '{d + timedelta(days=1)}'"


def delete_after(app: App, d: date) -> None:
    """Delete every record dated after d; erase what straddling records say about later."""
    t, day = _after(d), f"DATE '{d + timedelta(days=1)}'"
    for sql in (
        f"DELETE FROM accounts WHERE created_at >= {t}",
        f"DELETE FROM contacts WHERE created_at >= {t}",
        f"UPDATE contacts SET deleted_at = NULL WHERE deleted_at >= {t}",
        f"DELETE FROM subscriptions WHERE valid_from >= {day}",
        f"UPDATE subscriptions SET valid_to = NULL WHERE valid_to >= {day}",
        f"UPDATE subscriptions SET canceled_at = NULL WHERE canceled_at >= {day}",
        f"DELETE FROM invoices WHERE issued_at >= {t}",
        f"DELETE FROM events WHERE timestamp >= {t}",
        f"DELETE FROM tickets WHERE created_at >= {t}",
        # Solved after d: still open on d, with no rating yet.
        f"UPDATE tickets SET resolved_at = NULL, status = 'open', satisfaction = NULL "
        f"WHERE resolved_at >= {t}",
        f"UPDATE tickets SET first_response_at = NULL WHERE first_response_at >= {t}",
        f"DELETE FROM survey_responses WHERE responded_at >= {t}",
        f"DELETE FROM activities WHERE occurred_at >= {t}",
        f"DELETE FROM feedback WHERE created_at >= {t}",
        f"DELETE FROM fx_rates WHERE date >= {day}",
    ):
        app.warehouse.con.execute(sql)
    with app.store.session() as s:
        s.execute(delete(HealthPulse).where(HealthPulse.day > d))


def alter_after(app: App, d: date, victim: str) -> None:
    """Move every record dated after d to ``victim``, later, with other values; change what
    straddling records say about later."""
    t, day = _after(d), f"DATE '{d + timedelta(days=1)}'"
    shift = "INTERVAL 45 DAY"
    for sql in (
        f"UPDATE accounts SET segment = 'enterprise', industry = 'mining', "
        f"attributes = '{{\"employees\": \"1\", \"crm_tier\": \"Z\"}}' WHERE created_at >= {t}",
        f"UPDATE contacts SET account_id = '{victim}', created_at = created_at + {shift} "
        f"WHERE created_at >= {t}",
        f"UPDATE contacts SET deleted_at = {t} WHERE deleted_at >= {t}",
        f"UPDATE subscriptions SET account_id = '{victim}', mrr = 3 * mrr + 1, "
        f"seats = coalesce(seats, 0) + 50 WHERE valid_from >= {day}",
        f"UPDATE subscriptions SET valid_to = valid_to + {shift} WHERE valid_to >= {day}",
        # A renewal date rewritten in place a year on (a current-state export), and the day a
        # monthly customer churned written as the renewal date.
        f"UPDATE subscriptions SET renewal_date = renewal_date + INTERVAL 12 MONTH "
        f"WHERE valid_from < {day} AND renewal_date >= {day}",
        # A cancellation the day after d, for every subscription running across d.
        f"UPDATE subscriptions SET canceled_at = {day} WHERE valid_from < {day} "
        f"AND (valid_to IS NULL OR valid_to >= {day})",
        f"UPDATE invoices SET account_id = '{victim}', amount = 10 * amount + 1, "
        f"issued_at = issued_at + {shift} WHERE issued_at >= {t}",
        f"UPDATE events SET account_id = '{victim}', timestamp = timestamp + {shift} "
        f"WHERE timestamp >= {t}",
        f"UPDATE tickets SET account_id = '{victim}', priority = 'urgent', "
        f"created_at = created_at + {shift}, resolved_at = NULL, status = 'open' "
        f"WHERE created_at >= {t}",
        f"UPDATE tickets SET resolved_at = resolved_at + {shift}, satisfaction = 1 "
        f"WHERE resolved_at >= {t}",
        f"UPDATE tickets SET first_response_at = first_response_at + {shift} "
        f"WHERE first_response_at >= {t}",
        f"UPDATE survey_responses SET account_id = '{victim}', score = 0, "
        f"responded_at = responded_at + {shift} WHERE responded_at >= {t}",
        f"UPDATE activities SET account_id = '{victim}', occurred_at = occurred_at + {shift} "
        f"WHERE occurred_at >= {t}",
        f"UPDATE feedback SET account_id = '{victim}' WHERE created_at >= {t}",
        f"UPDATE fx_rates SET rate = 2 * rate WHERE date >= {day}",
    ):
        app.warehouse.con.execute(sql)
    with app.store.session() as s:
        s.execute(update(HealthPulse).where(HealthPulse.day > d).values(score=0.0))


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    """A sample company with CSM pulses around D, and its features as of D."""
    root = tmp_path_factory.mktemp("leakage")
    home = make_company(root, accounts=150, seed=11)
    with build_app(home) as app:
        app.store.migrate()
        pit = PointInTime(app)
        paying = pit.features(D)["account_id"].tolist()[:20]
        for i, acc in enumerate(paying):
            add_pulse(app.store, acc, 10.0 * (i % 10), day=D - timedelta(days=20))
            add_pulse(app.store, acc, 100.0, day=D + timedelta(days=1 + i))
        pit = PointInTime(app)  # the pulses are new: features again, from scratch
        pit.prepare([D, *LATER])  # one batch, as training computes month ends
        frame = pit.features(D)
    return home, frame


def test_the_sample_has_records_after_the_date(original: tuple[Path, pd.DataFrame]) -> None:
    home, frame = original
    with build_app(home) as app:
        for table, col in (("events", "timestamp"), ("subscriptions", "valid_from"),
                           ("tickets", "created_at"), ("survey_responses", "responded_at"),
                           ("activities", "occurred_at"), ("invoices", "issued_at")):
            later = app.warehouse.con.execute(
                f"SELECT count(*) FROM {table} WHERE {col} >= {_after(D)}").fetchall()[0][0]
            assert later > 0, table
    assert len(frame) > 50
    assert frame["health.score"].notna().all()
    assert frame["change90.active_user_days"].notna().any()


@pytest.mark.parametrize("how", ["delete", "alter"])
def test_data_after_the_as_of_date_never_changes_its_features(
    original: tuple[Path, pd.DataFrame], tmp_path: Path, how: str
) -> None:
    home, before = original
    copy = copy_workspace(home, tmp_path / "copy")
    with build_app(copy) as app:
        if how == "delete":
            delete_after(app, D)
        else:
            alter_after(app, D, victim=str(before["account_id"].iloc[0]))
        after = PointInTime(app).features(D)
    pd.testing.assert_frame_equal(before, after, check_exact=False, rtol=1e-12, atol=1e-12)
