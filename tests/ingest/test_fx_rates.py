"""Exchange rates (fx_rates), subscriptions.canceled_at, and workspaces made before them.

Expected values are worked out by hand in the comments.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
from tests.helpers import rows, write_jsonl, write_parquet, write_text

from tenure import App, import_file, init_workspace
from tenure.ingest.status import table_status


def _rejects(report_file: str | None) -> list[tuple[int, str]]:
    assert report_file is not None
    with open(report_file, encoding="utf-8", newline="") as fh:
        return [(int(r["line"]), r["reason"]) for r in csv.DictReader(fh)]


def _rates(app: App) -> list[tuple[str, date, float]]:
    return rows(app, "SELECT currency, date, rate FROM fx_rates ORDER BY currency, date")


# --- fx_rates --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_fx_rates_from_every_format_without_any_account(
    app: App, tmp_path: Path, fmt: str
) -> None:
    # No accounts are imported: rates belong to no account, so none is "unknown".
    if fmt == "csv":
        path = write_text(tmp_path / "fx.csv", "Currency,Date,Rate,source\n"
                          "eur,2024-01-01,1.105,ECB\ngbp,2024-01-01,1.2715,\n")
    elif fmt == "jsonl":
        path = write_jsonl(tmp_path / "fx.jsonl", [
            {"currency": "eur", "date": "2024-01-01", "rate": 1.105, "source": "ECB"},
            {"currency": "gbp", "date": "2024-01-01", "rate": "1.2715"},
        ])
    else:  # typed Parquet: a real date and a double
        path = write_parquet(
            tmp_path / "fx.parquet",
            {"currency": ["eur", "gbp"], "date": [date(2024, 1, 1)] * 2,
             "rate": [1.105, 1.2715], "source": ["ECB", None]},
            pa.schema([("currency", pa.string()), ("date", pa.date32()),
                       ("rate", pa.float64()), ("source", pa.string())]),
        )
    report = import_file(app, "fx_rates", path)

    assert (report.imported, report.rejected, report.duplicate) == (2, 0, 0)
    assert (report.unknown_account_rows, report.unknown_account_examples) == (0, [])
    assert _rates(app) == [("EUR", date(2024, 1, 1), pytest.approx(1.105)),
                           ("GBP", date(2024, 1, 1), pytest.approx(1.2715))]
    [(attributes,)] = rows(app, "SELECT attributes FROM fx_rates WHERE currency = 'EUR'")
    assert json.loads(attributes) == {"source": "ECB"}


def test_fx_rates_bad_rows_are_rejected_with_line_and_reason(app: App, tmp_path: Path) -> None:
    path = write_text(
        tmp_path / "fx.csv",
        "currency,date,rate\n"
        "EUR,2024-01-01,1.105\n"  # line 2 good
        "EUR,2024-02-01,0\n"  # line 3 a zero rate would wipe the amounts out
        "GBP,2024-01-01,-1.27\n"  # line 4 negative
        "euro,2024-01-01,1.1\n"  # line 5 not an ISO 4217 code
        "CHF,2024-13-01,1.13\n"  # line 6 no 13th month
        "JPY,2024-01-01,\n"  # line 7 no rate
        ",2024-01-01,1.2\n"  # line 8 no currency
        "SEK,2024-01-01,lots\n"  # line 9 not a number
        "CHF,2024-01-02T23:30:00-02:00,1.13\n",  # line 10 good: 01:30 UTC on 3 January
    )
    report = import_file(app, "fx_rates", path)

    assert (report.rows_read, report.imported, report.rejected) == (9, 2, 7)
    assert _rejects(report.rejects_file) == [
        (3, "rate not greater than 0: '0'"),
        (4, "rate not greater than 0: '-1.27'"),
        (5, "bad currency in currency: 'euro' (ISO 4217, e.g. USD)"),
        (6, "bad date in date: '2024-13-01'"),
        (7, "missing required value: rate"),
        (8, "missing required value: currency"),
        (9, "bad number in rate: 'lots'"),
    ]
    assert _rates(app) == [("CHF", date(2024, 1, 3), pytest.approx(1.13)),
                           ("EUR", date(2024, 1, 1), pytest.approx(1.105))]


def test_fx_rates_reimport_is_idempotent_and_a_corrected_rate_replaces_the_stored_one(
    app: App, tmp_path: Path
) -> None:
    first = write_text(tmp_path / "fx.csv",
                       "currency,date,rate\nEUR,2024-01-01,1.105\nEUR,2024-02-01,1.0812\n")
    assert import_file(app, "fx_rates", first).imported == 2
    again = import_file(app, "fx_rates", first)
    assert (again.imported, again.updated, again.duplicate) == (0, 0, 2)

    # February's rate was mistyped; March is new. The key is (currency, date).
    corrected = write_text(tmp_path / "fx2.csv",
                           "currency,date,rate\nEUR,2024-02-01,1.0821\neur,2024-03-01,1.0855\n")
    report = import_file(app, "fx_rates", corrected)
    assert (report.imported, report.updated, report.duplicate) == (1, 1, 0)
    assert _rates(app) == [("EUR", date(2024, 1, 1), pytest.approx(1.105)),
                           ("EUR", date(2024, 2, 1), pytest.approx(1.0821)),
                           ("EUR", date(2024, 3, 1), pytest.approx(1.0855))]


def test_status_lists_fx_rates_once_it_was_imported(app: App, tmp_path: Path) -> None:
    # Optional: a workspace without rates does not show an empty table.
    assert "fx_rates" not in [t.table for t in table_status(app)]
    import_file(app, "fx_rates", write_text(tmp_path / "fx.csv",
                                            "currency,date,rate\nEUR,2024-01-01,1.1\n"))
    status = {t.table: t for t in table_status(app)}
    assert list(status)[-1] == "fx_rates"
    assert (status["fx_rates"].rows, status["fx_rates"].imports) == (1, 1)
    assert status["fx_rates"].first == date(2024, 1, 1)


# --- subscriptions.canceled_at ---------------------------------------------------------------


def test_canceled_at_is_stored_and_may_not_come_before_valid_from(
    app: App, tmp_path: Path
) -> None:
    path = write_text(
        tmp_path / "subs.csv",
        "subscription_id,account_id,mrr,valid_from,valid_to,canceled_at\n"
        "S1,A1,100,2024-01-01,2024-07-01,2024-05-20\n"  # line 2: cancelled before the end
        "S2,A1,50,2024-01-01,,\n"  # line 3: not cancelled
        "S3,A1,50,2024-03-01,2024-04-01,2024-03-01\n"  # line 4: cancelled on its first day
        "S4,A1,50,2024-03-01,2024-04-01,2024-02-28\n"  # line 5: before valid_from
        "S5,A1,50,2024-03-01,,soon\n",  # line 6: not a date
    )
    report = import_file(app, "subscriptions", path)

    assert (report.imported, report.rejected) == (3, 2)
    assert _rejects(report.rejects_file) == [
        (5, "canceled_at is before valid_from"),
        (6, "bad date in canceled_at: 'soon'"),
    ]
    assert rows(app, "SELECT subscription_id, canceled_at FROM subscriptions "
                     "ORDER BY subscription_id") == [
        ("S1", date(2024, 5, 20)), ("S2", None), ("S3", date(2024, 3, 1))]


_STRIPE_CSV = (
    "id,Customer ID,Plan,Product,Quantity,Currency,Interval,Amount,Status,Start (UTC),"
    "Current Period End (UTC),Trial End (UTC),Canceled At (UTC),Cancel At Period End,"
    "Ended At (UTC),account_id (metadata)\n"
    # canceled on 15 March, ended 1 April
    "sub_ended,cus_1,p,Pro,1,eur,month,49.00,canceled,2023-06-01 09:00,2024-04-01 09:00,,"
    "2024-03-15 10:00,false,2024-04-01 09:00,acc_1\n"
    # cancellation requested at 23:30 UTC on 20 May, effective at the period end
    "sub_sched,cus_2,p,Pro,1,usd,month,99.00,active,2024-01-10 00:00,2024-06-10 00:00,,"
    "2024-05-20 23:30,true,,acc_2\n"
    # running, no cancellation
    "sub_live,cus_3,p,Pro,1,usd,month,99.00,active,2024-01-10 00:00,2024-06-10 00:00,,,"
    "false,,acc_3\n"
)


def test_stripe_dashboard_canceled_at(app: App, tmp_path: Path) -> None:
    report = import_file(app, "subscriptions", write_text(tmp_path / "s.csv", _STRIPE_CSV),
                         source="stripe")
    assert (report.imported, report.rejected) == (3, 0)
    got = {r[0]: r[1:] for r in rows(
        app, "SELECT subscription_id, valid_to, canceled_at, attributes FROM subscriptions")}
    assert got["sub_ended"][:2] == (date(2024, 4, 1), date(2024, 3, 15))
    assert got["sub_sched"][:2] == (date(2024, 6, 10), date(2024, 5, 20))
    assert got["sub_live"][:2] == (None, None)
    # The instant Stripe gave stays in attributes.
    assert json.loads(got["sub_ended"][2])["canceled_at"] == "2024-03-15 10:00"


def _api_subscription(sid: str, **kw: object) -> dict[str, object]:
    price = {"id": "price_m", "currency": "usd", "unit_amount": 9900, "product": "prod_1",
             "recurring": {"interval": "month", "interval_count": 1}}
    base: dict[str, object] = {
        "id": sid, "object": "subscription", "customer": "cus_1", "status": "active",
        "currency": "usd", "start_date": 1704067200,  # 2024-01-01T00:00:00Z
        "current_period_end": 1719792000,  # 2024-07-01T00:00:00Z
        "metadata": {"account_id": "acc_1"},
        "items": {"object": "list", "data": [{"quantity": 1, "price": price}]},
    }
    return {**base, **kw}


def test_stripe_api_canceled_at(app: App, tmp_path: Path) -> None:
    lines = [
        # 1: cancelled at 2024-05-20T12:00:00Z, ended then
        _api_subscription("sub_now", status="canceled", canceled_at=1716206400,
                          ended_at=1716206400),
        # 2: cancellation at the period end, requested 2024-05-20T12:00:00Z
        _api_subscription("sub_later", canceled_at=1716206400, cancel_at_period_end=True),
        # 3: a canceled_at without any end (the cancellation was withdrawn): not a cancellation
        _api_subscription("sub_back", canceled_at=1716206400, cancel_at_period_end=False),
        # 4: trial until 2024-01-15; during it (2024-01-05) the customer scheduled the end for
        # 2024-03-01: the row starts at the trial's end, and so does the cancellation
        _api_subscription("sub_trial", trial_end=1705276800, canceled_at=1704412800,
                          cancel_at=1709251200),
    ]
    report = import_file(app, "subscriptions", write_jsonl(tmp_path / "s.jsonl", lines),
                         source="stripe")
    assert (report.imported, report.rejected) == (4, 0)
    got = {r[0]: r[1:] for r in rows(
        app, "SELECT subscription_id, valid_from, valid_to, canceled_at, attributes "
             "FROM subscriptions")}
    assert got["sub_now"][1:3] == (date(2024, 5, 20), date(2024, 5, 20))
    assert got["sub_later"][1:3] == (date(2024, 7, 1), date(2024, 5, 20))
    assert got["sub_back"][1:3] == (None, None)
    assert got["sub_trial"][:3] == (date(2024, 1, 15), date(2024, 3, 1), date(2024, 1, 15))
    assert json.loads(got["sub_trial"][3])["canceled_at"] == "2024-01-05T00:00:00Z"


# --- workspaces made before fx_rates and canceled_at -----------------------------------------

# The subscriptions table as the first version of Tenure created it.
_OLD_SUBSCRIPTIONS = (
    'CREATE TABLE subscriptions ("subscription_id" VARCHAR, "account_id" VARCHAR, '
    '"mrr" DOUBLE, "valid_from" DATE, "product" VARCHAR, "plan" VARCHAR, "seats" BIGINT, '
    '"currency" VARCHAR, "valid_to" DATE, "renewal_date" DATE, attributes JSON)'
)


def test_ensure_tables_upgrades_an_old_workspace_without_losing_rows(tmp_path: Path) -> None:
    home = tmp_path / "ws"
    with init_workspace(home) as app:
        con = app.warehouse.con
        con.execute("DROP TABLE subscriptions")
        con.execute("DROP TABLE fx_rates")
        con.execute(_OLD_SUBSCRIPTIONS)
        con.execute(
            "INSERT INTO subscriptions VALUES ('S1', 'A1', 100, '2024-01-01', 'Core', 'Pro', "
            "5, 'USD', NULL, '2025-01-01', '{\"crm\": \"x\"}')"
        )

    # `tenure init` (and every import) brings the workspace up to date.
    with init_workspace(home) as app:
        con = app.warehouse.con
        columns = [r[0] for r in con.execute("DESCRIBE subscriptions").fetchall()]
        assert columns[-1] == "canceled_at" and columns.count("canceled_at") == 1
        assert app.warehouse.existing_tables() >= {"subscriptions", "fx_rates"}
        [stored] = rows(app, "SELECT subscription_id, mrr, seats, canceled_at, attributes "
                             "FROM subscriptions")
        assert stored[:4] == ("S1", 100.0, 5, None) and json.loads(stored[4]) == {"crm": "x"}
        app.warehouse.ensure_tables()  # nothing left to add: a no-op

        # The upgraded table takes the new column, and the stored row is updated in place.
        report = import_file(app, "subscriptions", write_text(
            tmp_path / "s.csv",
            "subscription_id,account_id,mrr,valid_from,seats,currency,product,plan,"
            "renewal_date,canceled_at,crm\n"
            "S1,A1,100,2024-01-01,5,USD,Core,Pro,2025-01-01,2024-06-01,x\n",
        ))
        assert (report.imported, report.updated) == (0, 1)
        assert rows(app, "SELECT canceled_at FROM subscriptions") == [(date(2024, 6, 1),)]
        assert import_file(app, "fx_rates", write_text(
            tmp_path / "fx.csv", "currency,date,rate\nEUR,2024-01-01,1.1\n")).imported == 1
