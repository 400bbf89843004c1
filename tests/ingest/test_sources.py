"""Source formats: Segment messages, Stripe exports and Zendesk tickets onto the canonical tables.

Fixtures are small hand-written files in each vendor's real shape; expected values are worked
out by hand in the comments (not read back from the code).
"""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from tests.helpers import rows, write_jsonl, write_text

from tenure import App, ImportFileError, import_file


def _rejects(report_file: str | None) -> list[tuple[int, str]]:
    assert report_file is not None
    with open(report_file, encoding="utf-8", newline="") as fh:
        return [(int(r["line"]), r["reason"]) for r in csv.DictReader(fh)]


def _attrs(value: str | None) -> dict[str, object]:
    return json.loads(value) if value else {}


# --- Segment ---------------------------------------------------------------------------------

SEGMENT_MESSAGES: list[object] = [
    # 1: group call: user u_ana belongs to acc_1
    {"type": "group", "messageId": "msg-g1", "userId": "u_ana", "groupId": "acc_1",
     "traits": {"name": "Acme Inc", "industry": "Logistics", "employees": 120,
                "address": {"city": "Austin", "country": "US"},
                "owner": "maria.chen@vendor.example"},
     "timestamp": "2024-05-06T08:00:00.000Z"},
    # 2: identify
    {"type": "identify", "messageId": "msg-i1", "userId": "u_ana",
     "traits": {"email": "Ana@Acme.example", "firstName": "Ana", "lastName": "Ruiz"},
     "timestamp": "2024-05-06T08:00:01.000Z"},
    # 3: track with context.groupId and an offset: 11:14:03+02:00 is 09:14:03 UTC
    {"type": "track", "messageId": "msg-t1", "userId": "u_ana", "event": "Report Created",
     "properties": {"report_type": "sla", "rows": 1840},
     "context": {"groupId": "acc_1", "ip": "203.0.113.9",
                 "library": {"name": "analytics.js", "version": "5.2.0"}},
     "timestamp": "2024-05-06T11:14:03+02:00"},
    # 4: track with no group at all: the account comes from u_ana's group call (line 1)
    {"type": "track", "messageId": "msg-t2", "userId": "u_ana", "event": "Report Shared",
     "properties": {}, "originalTimestamp": "2024-05-06T09:20:00Z"},
    # 5: track with a top-level groupId and only an anonymousId
    {"type": "track", "messageId": "msg-t3", "anonymousId": "anon-7f2", "groupId": "acc_2",
     "event": "Signup Started", "timestamp": "2024-05-06T09:30:00Z"},
    # 6: page call -> page_viewed, account from properties.groupId
    {"type": "page", "messageId": "msg-p1", "userId": "u_ana", "name": "Billing",
     "properties": {"path": "/settings/billing", "groupId": "acc_1"},
     "timestamp": "2024-05-06T09:31:00Z"},
    # 7: screen call -> screen_viewed
    {"type": "screen", "messageId": "msg-s1", "userId": "u_ana", "name": "Fleet Map",
     "context": {"groupId": "acc_1"}, "timestamp": "2024-05-06T09:32:00Z"},
    # 8: alias
    {"type": "alias", "messageId": "msg-a1", "previousId": "anon-7f2", "userId": "u_bo"},
    # 9: malformed
    '{"type": "track", "messageId": "msg-bad", ',
    # 10: not a Segment message
    {"type": "purchase", "messageId": "msg-x"},
    # 11: a track call nobody can place in an account
    {"type": "track", "messageId": "msg-t4", "userId": "u_ghost", "event": "Login",
     "timestamp": "2024-05-06T09:40:00Z"},
]


def _segment_file(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "segment.jsonl", SEGMENT_MESSAGES)


def test_segment_track_page_screen_become_events(app: App, tmp_path: Path) -> None:
    report = import_file(app, "events", _segment_file(tmp_path), source="segment")

    assert report.rows_read == 11
    assert report.imported == 5  # lines 3, 4, 5, 6, 7
    assert report.skipped_reasons == {
        "group call (import it into accounts)": 1,
        "identify call (import it into contacts)": 1,
        "alias call (not imported)": 1,
    }
    rejected = _rejects(report.rejects_file)
    assert [line for line, _ in rejected] == [9, 10, 11]
    assert rejected[0][1] == "malformed JSON"
    assert "unknown Segment message type 'purchase'" in rejected[1][1]
    assert rejected[2][1].startswith("no account")

    got = {r[0]: r[1:] for r in rows(
        app, "SELECT event_id, account_id, user_id, event, timestamp, properties FROM events"
    )}
    assert got["msg-t1"] == ("acc_1", "u_ana", "Report Created", datetime(2024, 5, 6, 9, 14, 3),
                             '{"report_type":"sla","rows":1840}')
    assert got["msg-t2"][:4] == ("acc_1", "u_ana", "Report Shared",
                                 datetime(2024, 5, 6, 9, 20))
    assert got["msg-t3"][:3] == ("acc_2", "anon-7f2", "Signup Started")
    assert "msg-t4" not in got
    assert got["msg-p1"][:3] == ("acc_1", "u_ana", "page_viewed")
    page_props = json.loads(got["msg-p1"][4])
    assert page_props == {"path": "/settings/billing", "groupId": "acc_1", "name": "Billing"}
    assert got["msg-s1"][2] == "screen_viewed"
    assert json.loads(got["msg-s1"][4]) == {"name": "Fleet Map"}
    # context (IP address, library) is not copied onto events
    assert rows(app, "SELECT count(*) FROM events WHERE attributes IS NOT NULL") == [(0,)]


def test_segment_reimport_is_idempotent(app: App, tmp_path: Path) -> None:
    path = _segment_file(tmp_path)
    import_file(app, "events", path, source="segment")
    again = import_file(app, "events", path, source="segment")
    assert (again.imported, again.updated, again.duplicate) == (0, 0, 5)
    assert rows(app, "SELECT count(*) FROM events") == [(5,)]


def test_segment_event_account_from_imported_contact(app: App, tmp_path: Path) -> None:
    contacts = write_text(
        tmp_path / "contacts.csv",
        "contact_id,account_id,email\nu_lee,acc_9,lee@globex.example\n",
    )
    import_file(app, "contacts", contacts)
    track = write_jsonl(tmp_path / "t.jsonl", [
        {"type": "track", "messageId": "m1", "userId": "u_lee", "event": "Export Run",
         "timestamp": "2024-05-06T10:00:00Z"},
    ])
    report = import_file(app, "events", track, source="segment")
    assert (report.imported, report.rejected) == (1, 0)
    assert rows(app, "SELECT account_id FROM events") == [("acc_9",)]


def test_segment_identify_becomes_contacts(app: App, tmp_path: Path) -> None:
    report = import_file(app, "contacts", _segment_file(tmp_path), source="segment")

    assert report.imported == 1
    assert report.skipped_reasons == {
        "track call (import it into events)": 4,
        "page call (import it into events)": 1,
        "screen call (import it into events)": 1,
        "group call (import it into accounts)": 1,
        "alias call (not imported)": 1,
    }
    assert [line for line, _ in _rejects(report.rejects_file)] == [9, 10]
    # The account comes from the user's group call (line 1); the name from first + last name.
    assert rows(app, "SELECT contact_id, account_id, email, name FROM contacts") == [
        ("u_ana", "acc_1", "ana@acme.example", "Ana Ruiz")
    ]


def test_segment_identify_merges_traits_and_keeps_what_segment_does_not_send(
    app: App, tmp_path: Path
) -> None:
    contacts = write_text(
        tmp_path / "contacts.csv",
        "contact_id,account_id,email,survey_opt_out\nu_ana,acc_1,ana@old.example,true\n",
    )
    import_file(app, "contacts", contacts)
    path = write_jsonl(tmp_path / "identify.jsonl", [
        {"type": "identify", "messageId": "m1", "userId": "u_ana",
         "traits": {"email": "ana@acme.example", "name": "Ana Ruiz", "role": "Developer",
                    "address": {"street": "1 Main St", "country": "ES"}, "plan": "pro"},
         "context": {"groupId": "acc_1"}},
        # A later call sends only what changed.
        {"type": "identify", "messageId": "m2", "userId": "u_ana",
         "traits": {"title": "CTO", "role": "champion"}},
        {"type": "identify", "messageId": "m3", "anonymousId": "anon-1",
         "traits": {"email": "visitor@example.com"}},
    ])
    report = import_file(app, "contacts", path, source="segment")

    # Two calls for one contact: the stored record is updated once, the first call is
    # superseded by the second (duplicate); the anonymous call is skipped.
    assert (report.updated, report.duplicate, report.rejected) == (1, 1, 0)
    assert report.skipped_reasons == {"anonymous identify call (no userId)": 1}
    got = rows(app, "SELECT email, name, title, role, country, survey_opt_out, attributes "
                    "FROM contacts")
    assert got[0][:6] == ("ana@acme.example", "Ana Ruiz", "CTO", "champion", "ES", True)
    # Unmapped traits are kept; the street address is not.
    assert _attrs(got[0][6]) == {"plan": "pro"}


def test_segment_role_outside_the_vocabulary_is_kept_not_rejected(
    app: App, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "identify.jsonl", [
        {"type": "identify", "messageId": "m1", "userId": "u_1", "context": {"groupId": "a1"},
         "traits": {"email": "kai@example.com", "role": "Developer", "country": "Germany"}},
    ])
    report = import_file(app, "contacts", path, source="segment")
    assert report.rejected == 0
    role, country, attributes = rows(app, "SELECT role, country, attributes FROM contacts")[0]
    assert (role, country) == (None, None)
    assert _attrs(attributes) == {"role": "Developer", "country": "Germany"}


def test_segment_group_becomes_accounts(app: App, tmp_path: Path) -> None:
    messages = [
        *SEGMENT_MESSAGES[:2],
        {"type": "group", "messageId": "g2", "userId": "u_bo", "traits": {"name": "No Id"}},
    ]
    report = import_file(app, "accounts", write_jsonl(tmp_path / "g.jsonl", messages),
                         source="segment")
    assert report.imported == 1
    assert report.skipped_reasons == {"identify call (import it into contacts)": 1}
    assert _rejects(report.rejects_file) == [(3, "group call without groupId")]
    got = rows(app, "SELECT account_id, name, industry, country, owner, attributes "
                    "FROM accounts")
    assert got[0][:5] == ("acc_1", "Acme Inc", "Logistics", "US", "maria.chen@vendor.example")
    assert _attrs(got[0][5]) == {"employees": 120,
                                 "address": {"city": "Austin", "country": "US"}}


# --- Stripe ----------------------------------------------------------------------------------

_STRIPE_SUBSCRIPTION_COLUMNS = (
    "id,Customer ID,Customer Email,Plan,Product,Quantity,Currency,Interval,Amount,Status,"
    "Created (UTC),Start (UTC),Current Period Start (UTC),Current Period End (UTC),"
    "Trial End (UTC),Canceled At (UTC),Ended At (UTC),account_id (metadata),Coupon"
)
_STRIPE_SUBSCRIPTION_ROWS = (
    "sub_1PAnnual,cus_Pq1,ops@acme.example,price_pro_year,Pro,3,usd,year,1200.00,active,"
    "2024-01-15 10:00,2024-01-15 10:00,2024-01-15 10:00,2025-01-15 10:00,,,,acc_1,LAUNCH10",
    "sub_1PMonth,cus_Pq2,cfo@globex.example,price_team_month,Team,1,eur,month,49.00,canceled,"
    "2023-06-01 09:00,2023-06-01 09:00,2024-03-01 09:00,2024-04-01 09:00,,"
    "2024-03-15 10:00,2024-04-01 09:00,,",
    "sub_1PWeek,cus_Pq3,,price_lite_week,Lite,2,usd,week,6.00,past_due,"
    "2024-02-01 00:00,2024-02-01 00:00,2024-05-02 00:00,2024-05-09 00:00,,,,,",
    "sub_1PTrial,cus_Pq4,,price_pro_year,Pro,1,usd,year,1200.00,trialing,"
    "2024-05-01 00:00,2024-05-01 00:00,2024-05-01 00:00,2024-05-15 00:00,2024-05-15 00:00,,,,",
    "sub_1PBad,cus_Pq5,,price_x,X,1,usd,fortnight,10.00,active,"
    "2024-05-01 00:00,2024-05-01 00:00,,,,,,,",
)
STRIPE_SUBSCRIPTIONS_CSV = "\n".join(
    [_STRIPE_SUBSCRIPTION_COLUMNS, *_STRIPE_SUBSCRIPTION_ROWS]
) + "\n"


def test_stripe_dashboard_subscriptions(app: App, tmp_path: Path) -> None:
    path = write_text(tmp_path / "subscriptions.csv", STRIPE_SUBSCRIPTIONS_CSV)
    report = import_file(app, "subscriptions", path, source="stripe")

    assert report.imported == 3
    assert report.skipped_reasons == {"in trial (no MRR until it converts)": 1}
    [(line, reason)] = _rejects(report.rejects_file)
    assert line == 6 and reason.startswith("unknown Interval 'fortnight'")

    got = {r[0]: r[1:] for r in rows(
        app, "SELECT subscription_id, account_id, mrr, valid_from, valid_to, renewal_date, "
             "plan, product, seats, currency, attributes FROM subscriptions"
    )}
    # $1,200 a year per seat x 3 seats / 12 = $300 a month; metadata account_id wins.
    annual = got["sub_1PAnnual"]
    assert annual[:9] == ("acc_1", pytest.approx(300.0), date(2024, 1, 15), None,
                          date(2025, 1, 15), "price_pro_year", "Pro", 3, "USD")
    attributes = _attrs(annual[9])
    assert attributes["stripe_status"] == "active"
    assert attributes["Coupon"] == "LAUNCH10"
    assert "Customer Email" not in attributes  # a person's email is not copied
    # Canceled: ends on Ended At; no renewal. No metadata: the customer id is the account.
    assert got["sub_1PMonth"][:5] == ("cus_Pq2", pytest.approx(49.0), date(2023, 6, 1),
                                      date(2024, 4, 1), None)
    # $6 a week x 2 seats x 52 / 12 = $52 a month.
    assert got["sub_1PWeek"][1] == pytest.approx(52.0)


def test_stripe_dashboard_headers_are_case_insensitive(app: App, tmp_path: Path) -> None:
    text = STRIPE_SUBSCRIPTIONS_CSV.splitlines()
    path = write_text(tmp_path / "s.csv", "\n".join([text[0].lower(), text[1]]) + "\n")
    report = import_file(app, "subscriptions", path, source="stripe")
    assert report.imported == 1
    assert rows(app, "SELECT mrr FROM subscriptions") == [(pytest.approx(300.0),)]


def test_stripe_csv_without_its_columns_is_refused(app: App, tmp_path: Path) -> None:
    path = write_text(tmp_path / "s.csv", "id,Customer ID,Status\nsub_1,cus_1,active\n")
    with pytest.raises(ImportFileError, match=r"'amount'.*'interval'"):
        import_file(app, "subscriptions", path, source="stripe")
    assert rows(app, "SELECT count(*) FROM subscriptions") == [(0,)]


def _price(amount: int | None, currency: str, interval: str, count: int = 1,
           usage: str = "licensed") -> dict[str, object]:
    return {"id": f"price_{currency}_{interval}", "object": "price", "currency": currency,
            "unit_amount": amount, "product": "prod_core", "nickname": f"{interval}ly",
            "recurring": {"interval": interval, "interval_count": count, "usage_type": usage}}


def _subscription(sid: str, items: list[dict[str, object]], **kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": sid, "object": "subscription", "customer": "cus_N1", "status": "active",
        "start_date": 1704067200,  # 2024-01-01T00:00:00Z
        "current_period_end": 1735689600,  # 2025-01-01T00:00:00Z
        "metadata": {}, "items": {"object": "list", "data": items},
    }
    return {**base, **kw}


def test_stripe_api_subscriptions(app: App, tmp_path: Path) -> None:
    lines: list[object] = [
        # 1: 120000 cents a year x 3 = $3,600 a year = $300 a month
        _subscription("sub_usd", [{"quantity": 3, "price": _price(120000, "usd", "year")}],
                      currency="usd", quantity=3, metadata={"account_id": "acc_1", "tier": "b"}),
        # 2: JPY is zero-decimal: 30000 yen per 3 months = 10000 yen a month (not 100)
        _subscription("sub_jpy", [{"quantity": 1, "price": _price(30000, "jpy", "month", 3)}],
                      currency="jpy", status="canceled", ended_at=1711929600),  # 2024-04-01
        # 3: KWD is three-decimal: 12500 fils a month = 12.5 KWD
        _subscription("sub_kwd", [{"quantity": 1, "price": _price(12500, "kwd", "month")}],
                      currency="kwd"),
        # 4: two items, weekly: (1000 x 2 + 500 x 1) cents a week = $25 x 52 / 12 = $108.33;
        # a metered item adds nothing. Trial ended 2024-01-15: the row starts then.
        _subscription("sub_multi", [
            {"quantity": 2, "price": _price(1000, "usd", "week")},
            {"quantity": 1, "price": _price(500, "usd", "week")},
            {"price": _price(7, "usd", "week", usage="metered")},
        ], currency="usd", trial_end=1705276800, cancel_at_period_end=True),
        # 5: an invoice in the same file
        {"id": "in_1", "object": "invoice", "customer": "cus_N1", "total": 100},
        # 6: tiered price: no unit amount
        _subscription("sub_tiered", [{"quantity": 5, "price": _price(None, "usd", "month")}]),
        # 7: still in trial
        _subscription("sub_trial", [{"quantity": 1, "price": _price(900, "usd", "month")}],
                      status="trialing", trial_end=1893456000),
        # 8: malformed
        '{"id": "sub_broken", ',
        # 9: a whole list page on one line
        {"object": "list", "data": [], "has_more": False},
    ]
    report = import_file(app, "subscriptions", write_jsonl(tmp_path / "s.jsonl", lines),
                         source="stripe")

    assert report.imported == 4
    assert report.skipped_reasons == {
        "invoice object (import it into invoices)": 1,
        "in trial (no MRR until it converts)": 1,
    }
    rejected = _rejects(report.rejects_file)
    assert [line for line, _ in rejected] == [6, 8, 9]
    assert rejected[0][1].startswith("cannot compute MRR")
    assert rejected[1][1] == "malformed JSON"
    assert "list page" in rejected[2][1]

    got = {r[0]: r[1:] for r in rows(
        app, "SELECT subscription_id, account_id, mrr, currency, valid_from, valid_to, "
             "renewal_date, seats, plan, attributes FROM subscriptions"
    )}
    usd = got["sub_usd"]
    assert usd[:8] == ("acc_1", pytest.approx(300.0), "USD", date(2024, 1, 1), None,
                       date(2025, 1, 1), 3, "yearly")
    assert _attrs(usd[8])["metadata"] == {"tier": "b"}
    assert got["sub_jpy"][:6] == ("cus_N1", pytest.approx(10000.0), "JPY", date(2024, 1, 1),
                                  date(2024, 4, 1), None)
    assert got["sub_kwd"][1] == pytest.approx(12.5)
    multi = got["sub_multi"]
    # Cancels at period end: the scheduled end is valid_to, and there is no renewal.
    assert multi[1:6] == (pytest.approx(25 * 52 / 12), "USD", date(2024, 1, 15),
                          date(2025, 1, 1), None)


def test_stripe_api_subscriptions_reimport_is_idempotent(app: App, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "s.jsonl", [
        _subscription("sub_1", [{"quantity": 1, "price": _price(9900, "usd", "month")}]),
    ])
    assert import_file(app, "subscriptions", path, source="stripe").imported == 1
    again = import_file(app, "subscriptions", path, source="stripe")
    assert (again.imported, again.updated, again.duplicate) == (0, 0, 1)


def test_stripe_api_invoices(app: App, tmp_path: Path) -> None:
    def invoice(iid: str, status: str, total: int, currency: str = "usd",
                **kw: object) -> dict[str, object]:
        return {"id": iid, "object": "invoice", "customer": "cus_N1", "status": status,
                "total": total, "amount_due": total, "amount_paid": 0, "currency": currency,
                "created": 1714521600,  # 2024-05-01T00:00:00Z
                "billing_reason": "subscription_cycle", "subscription": "sub_1", **kw}

    lines = [
        invoice("in_paid", "paid", 6600000, amount_paid=6600000,
                status_transitions={"finalized_at": 1714525200},  # 01:00
                subscription_details={"metadata": {"account_id": "acc_1"}}),
        invoice("in_jpy", "open", 45000, "jpy"),
        invoice("in_bad_debt", "uncollectible", 9900),
        invoice("in_void", "void", 9900, billing_reason="manual", subscription=None),
        invoice("in_draft", "draft", 9900),
        _subscription("sub_1", [{"quantity": 1, "price": _price(9900, "usd", "month")}]),
    ]
    report = import_file(app, "invoices", write_jsonl(tmp_path / "i.jsonl", lines),
                         source="stripe")
    assert (report.imported, report.rejected) == (4, 0)
    assert report.skipped_reasons == {
        "draft invoice (not issued yet)": 1,
        "subscription object (import it into subscriptions)": 1,
    }
    got = {r[0]: r[1:] for r in rows(
        app, "SELECT invoice_id, account_id, issued_at, amount, currency, kind, status, "
             "attributes FROM invoices"
    )}
    # 6600000 cents = $66,000, issued when finalized.
    assert got["in_paid"][:6] == ("acc_1", datetime(2024, 5, 1, 1), pytest.approx(66000.0),
                                  "USD", "subscription", "paid")
    assert got["in_jpy"][2:4] == (pytest.approx(45000.0), "JPY")
    assert got["in_bad_debt"][5] == "open"
    assert _attrs(got["in_bad_debt"][6])["stripe_status"] == "uncollectible"
    assert got["in_void"][4:6] == ("one_off", "void")


def test_stripe_dashboard_invoices(app: App, tmp_path: Path) -> None:
    path = write_text(tmp_path / "invoices.csv", (
        "id,Customer,Customer Name,Customer Email,Amount Due,Amount Paid,Total,Currency,"
        "Status,Date (UTC),Subscription,Number\n"
        "in_1PX,cus_Pq1,Acme Inc,ap@acme.example,1200.00,1200.00,1200.00,usd,paid,"
        "2024-05-01 00:00,sub_1PAnnual,ACME-0001\n"
        "in_1PY,cus_Pq1,Acme Inc,ap@acme.example,250.50,0.00,250.50,usd,open,"
        "2024-05-20 14:30,,ACME-0002\n"
    ))
    report = import_file(app, "invoices", path, source="stripe")
    assert (report.imported, report.rejected) == (2, 0)
    got = rows(app, "SELECT invoice_id, account_id, issued_at, amount, kind, status, "
                    "attributes FROM invoices ORDER BY 1")
    # Dashboard amounts are already in dollars.
    assert got[0][:6] == ("in_1PX", "cus_Pq1", datetime(2024, 5, 1), pytest.approx(1200.0),
                          "subscription", "paid")
    assert got[1][:6] == ("in_1PY", "cus_Pq1", datetime(2024, 5, 20, 14, 30),
                          pytest.approx(250.5), None, "open")
    assert "Customer Email" not in _attrs(got[0][6])


# --- Zendesk ---------------------------------------------------------------------------------


def _ticket(tid: int, **kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": tid, "url": f"https://acme.zendesk.com/api/v2/tickets/{tid}.json",
        "type": "incident", "subject": "Export fails", "priority": "normal", "status": "open",
        "requester_id": 20978392, "organization_id": 509974, "tags": ["export", "bug"],
        "via": {"channel": "web"}, "satisfaction_rating": {"score": "unoffered"},
        "created_at": "2024-05-06T09:00:00Z", "updated_at": "2024-05-06T12:00:00Z",
    }
    return {**base, **kw}


def test_zendesk_incremental_export(app: App, tmp_path: Path) -> None:
    lines: list[object] = [
        # 1: reply after 90 minutes -> first response 10:30; solved_at from the metric set
        _ticket(101, status="solved", satisfaction_rating={"score": "good"},
                organization={"id": 509974, "external_id": "acc_1"},
                metric_set={"solved_at": "2024-05-07T11:30:00Z",
                            "reply_time_in_minutes": {"calendar": 90, "business": 30},
                            "full_resolution_time_in_minutes": {"calendar": 1590}}),
        # 2: closed without solved_at: created + 1590 min (26.5 h) = 2024-05-07T11:30
        _ticket(102, status="closed", satisfaction_rating={"score": "bad"},
                organization_external_id="acc_1", via={"channel": "voice"},
                metric_set={"full_resolution_time_in_minutes": {"calendar": 1590}}),
        # 3: reopened: a solved_at from before does not make it resolved
        _ticket(103, status="open", priority=None, created_at="2024-05-06T11:00:00+02:00",
                metric_set={"solved_at": "2024-05-06T10:00:00Z"}),
        # 4: no organization
        _ticket(104, organization_id=None),
        # 5: deleted
        _ticket(105, status="deleted"),
        # 6: a whole export page on one line
        {"tickets": [], "end_time": 1715000000},
    ]
    report = import_file(app, "tickets", write_jsonl(tmp_path / "t.jsonl", lines),
                         source="zendesk")
    assert report.imported == 3
    assert report.skipped_reasons == {"deleted ticket": 1}
    rejected = _rejects(report.rejects_file)
    assert rejected[0] == (4, "missing required value: account_id")
    assert rejected[1][0] == 6 and "one ticket per line" in rejected[1][1]

    got = {r[0]: r[1:] for r in rows(
        app, "SELECT ticket_id, account_id, created_at, first_response_at, resolved_at, "
             "priority, status, channel, tags, satisfaction, requester_id, attributes "
             "FROM tickets"
    )}
    assert got["101"][:10] == (
        "acc_1", datetime(2024, 5, 6, 9), datetime(2024, 5, 6, 10, 30),
        datetime(2024, 5, 7, 11, 30), "normal", "solved", "web", "export,bug", 5, "20978392",
    )
    assert _attrs(got["101"][10])["zendesk_organization_id"] == "509974"
    assert got["102"][:9] == ("acc_1", datetime(2024, 5, 6, 9), None,
                              datetime(2024, 5, 7, 11, 30), "normal", "closed", "phone",
                              "export,bug", 1)
    # No external id: the Zendesk organization id is the account; offset converted to UTC.
    assert got["103"][:6] == ("509974", datetime(2024, 5, 6, 9), None, None, None, "open")
    assert got["103"][8] is None  # unoffered: no rating

    again = import_file(app, "tickets", tmp_path / "t.jsonl", source="zendesk")
    assert (again.imported, again.updated, again.duplicate) == (0, 0, 3)


def test_zendesk_csv_export(app: App, tmp_path: Path) -> None:
    accounts = write_text(tmp_path / "a.csv", "account_id,name\nacc_1,Acme Inc\n")
    import_file(app, "accounts", accounts)
    path = write_text(tmp_path / "tickets.csv", (
        "Summation column,Id,Requester,Requester id,Requester email,Organization,Subject,"
        "Status,Priority,Created at,Solved at,First reply time in minutes,Via,Tags,"
        "Satisfaction Score,Group\n"
        ",3301,Ana Ruiz,555,ana@acme.example,ACME inc,Login broken,Solved,Urgent,"
        "2024-05-06 09:00,2024-05-06 12:00,45,Mail,login sso,Bad,Tier 2\n"
        ",3302,Bo Li,556,bo@initech.example,Initech,Question,On-hold,Normal,"
        "2024-05-06 09:00,,,Web Form,,Offered,Tier 1\n"
    ))
    report = import_file(app, "tickets", path, source="zendesk")
    assert (report.imported, report.rejected) == (2, 0)
    # "Initech" is no imported account: kept under its name, and reported.
    assert report.unknown_account_examples == ["Initech"]
    got = rows(app, "SELECT ticket_id, account_id, first_response_at, resolved_at, priority, "
                    "status, channel, tags, satisfaction, requester_id, attributes "
                    "FROM tickets ORDER BY 1")
    # The organization name matches acc_1's name, ignoring case; reply 45 min after 09:00.
    assert got[0][:10] == ("3301", "acc_1", datetime(2024, 5, 6, 9, 45),
                           datetime(2024, 5, 6, 12), "urgent", "solved", "email", "login sso",
                           1, "555")
    assert _attrs(got[0][10]) == {"Group": "Tier 2"}  # no requester name or email
    assert got[1][:9] == ("3302", "Initech", None, None, "normal", "hold", "web", None, None)


def test_sources_refuse_tables_they_do_not_fill(app: App, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "t.jsonl", [_ticket(1)])
    with pytest.raises(ImportFileError, match="the zendesk source fills tickets, not events"):
        import_file(app, "events", path, source="zendesk")
    with pytest.raises(ImportFileError, match="segment source reads jsonl files, not csv"):
        import_file(app, "events", write_text(tmp_path / "e.csv", "a,b\n1,2\n"),
                    source="segment")
