"""Zendesk: tickets, from the incremental export (JSON Lines of ticket objects) or the CSV export.

Both shapes are first brought to the same fields, then mapped once. Decisions (see
docs/import.md, "Zendesk"):

- account_id is the organization's ``external_id`` (set it to your account id in Zendesk)
  when present, else the Zendesk ``organization_id``. The CSV export names the organization
  only: it is matched to an imported account by name (case-insensitive, when exactly one
  account has that name), else the name is kept as the account id and reported as unknown.
- first_response_at = created_at + ``reply_time_in_minutes.calendar`` (the metric set);
  resolved_at, for solved and closed tickets only, = ``solved_at``, else created_at + full
  (then first) resolution minutes. Calendar minutes, not business minutes: the canonical
  columns are instants.
- satisfaction: Zendesk's legacy CSAT is good/bad; good -> 5 and bad -> 1, so the share of
  4-5 ratings (CSAT) equals Zendesk's satisfaction score; offered/unoffered -> empty. A
  numeric 1-5 score is kept as given.
- Deleted tickets (status ``deleted`` in the incremental export) are skipped.
"""

from __future__ import annotations

from ..project import Projection, Staged, attributes_sql, record_sql
from ..readers import FileFormat
from ..schema import Table
from ..validate import lit
from . import Source
from ._sql import CsvColumns, json_object_sql, json_record_sql, minutes_after

TICKET_JSON: dict[str, tuple[str, ...]] = {
    "ticket_id": ("$.id",),
    "org_external": ("$.organization.external_id", "$.organization_external_id"),
    "org_id": ("$.organization_id", "$.organization.id"),
    "requester": ("$.requester.external_id", "$.requester_external_id", "$.requester_id"),
    "created_at": ("$.created_at",),
    "updated_at": ("$.updated_at",),
    "status": ("$.status",),
    "priority": ("$.priority",),
    "channel": ("$.via.channel",),
    "subject": ("$.subject", "$.raw_subject"),
    "satisfaction": ("$.satisfaction_rating.score",),
    # The metric set: embedded by the incremental export with include=metric_sets, or as
    # returned by GET /tickets/{id}/metrics.
    "solved_at": ("$.metric_set.solved_at", "$.ticket_metric.solved_at"),
    "reply_minutes": (
        "$.metric_set.reply_time_in_minutes.calendar",
        "$.ticket_metric.reply_time_in_minutes.calendar",
    ),
    "first_resolution_minutes": (
        "$.metric_set.first_resolution_time_in_minutes.calendar",
        "$.ticket_metric.first_resolution_time_in_minutes.calendar",
    ),
    "full_resolution_minutes": (
        "$.metric_set.full_resolution_time_in_minutes.calendar",
        "$.ticket_metric.full_resolution_time_in_minutes.calendar",
    ),
    "type": ("$.type",),
    "group_id": ("$.group_id",),
    "brand_id": ("$.brand_id",),
    "tickets_page": ("$.tickets",),
}

# Zendesk's channel names (API via.channel and the CSV export's "Via") -> Tenure's words.
CHANNELS: tuple[tuple[str, str], ...] = (
    ("voice", "phone"),
    ("phone", "phone"),
    ("mail", "email"),
    ("chat", "chat"),
    ("messaging", "chat"),
    ("web form", "web"),
    ("web widget", "web"),
    ("web service", "api"),
)

_PAGE = "a Zendesk export page: write one ticket per line (e.g. jq -c '.tickets[]')"


def _fields_json() -> str:
    tags = "array_to_string(TRY_CAST(_tags AS VARCHAR[]), ',')"
    attrs = json_object_sql([
        ("type", "to_json(type)"),
        ("group_id", "to_json(group_id)"),
        ("brand_id", "to_json(brand_id)"),
        ("updated_at", "to_json(updated_at)"),
        # When the account comes from the external id, keep Zendesk's own id too.
        ("zendesk_organization_id",
         "CASE WHEN org_external IS NOT NULL THEN to_json(org_id) END"),
    ])
    return (
        f"(SELECT *, NULL::VARCHAR AS org_name_in, {tags} AS tags, {attrs} AS extra, "
        f"CASE WHEN tickets_page IS NOT NULL THEN {lit(_PAGE)} END AS _problem "
        f"FROM {json_record_sql(TICKET_JSON, {'_tags': ('$.tags',)})})"
    )


def _fields_csv(staged: Staged) -> str:
    cols = CsvColumns(staged)
    cols.require("a Zendesk tickets export", {
        "id": ("id", "ticket id"),
        "created": ("created at",),
        "organization": ("organization external id", "organization id", "organization",
                         "organization name"),
    })
    f = {
        "ticket_id": cols.text("id", "ticket id"),
        "org_external": cols.text("organization external id"),
        "org_id": cols.text("organization id"),
        "org_name_in": cols.text("organization", "organization name"),
        "requester": cols.text("requester external id", "requester id"),
        "created_at": cols.text("created at"),
        "status": cols.text("status"),
        "priority": cols.text("priority"),
        "channel": cols.text("via", "channel"),
        "subject": cols.text("subject"),
        # The CSV export separates tags with spaces; canonical tags accept that.
        "tags": cols.text("tags"),
        "satisfaction": cols.text("satisfaction score", "satisfaction"),
        "solved_at": cols.text("solved at"),
        "reply_minutes": cols.text("first reply time in minutes"),
        "first_resolution_minutes": cols.text("first resolution time in minutes"),
        "full_resolution_minutes": cols.text("full resolution time in minutes"),
    }
    select = [f"{v} AS {k}" for k, v in f.items()]
    # Requester and submitter names and emails are a person's data; tickets keep ids only.
    extras = cols.extras(exclude_prefixes=("requester", "submitter", "description"))
    extra = attributes_sql(extras).removesuffix(" AS attributes")
    return (
        f"(SELECT _line, _error, NULL::VARCHAR AS _problem, {', '.join(select)}, "
        f"{extra} AS extra FROM stage_raw)"
    )


def _channel(expr: str) -> str:
    low = f"lower(trim({expr}))"
    whens = " ".join(f"WHEN contains({low}, {lit(k)}) THEN {lit(v)}" for k, v in CHANNELS)
    return f"CASE {whens} ELSE {low} END"


def _satisfaction(expr: str) -> str:
    low = f"lower(trim({expr}))"
    return (
        f"CASE WHEN starts_with({low}, 'good') THEN '5' WHEN starts_with({low}, 'bad') "
        f"THEN '1' WHEN regexp_full_match({low}, '[0-9]+') THEN {low} END"
    )


def _tickets(fields: str) -> str:
    status = "replace(replace(lower(trim(status)), 'on-hold', 'hold'), 'on hold', 'hold')"
    resolved = (
        f"CASE WHEN {status} IN ('solved', 'closed') THEN coalesce(solved_at, "
        f"{minutes_after('created_at', 'full_resolution_minutes')}, "
        f"{minutes_after('created_at', 'first_resolution_minutes')}) END"
    )
    # The CSV export names the organization: find the one account with that name.
    by_name = (
        "(SELECT lower(trim(name)) AS _lname, min(account_id) AS _aid, count(*) AS _n "
        "FROM accounts GROUP BY 1)"
    )
    account = (
        "coalesce(z.org_external, z.org_id, CASE WHEN n._n = 1 THEN n._aid END, z.org_name_in)"
    )
    return (
        "SELECT z._line, coalesce(z._error, z._problem) AS _error, "
        "CASE WHEN z.status_n = 'deleted' THEN 'deleted ticket' END AS _skip, "
        f"z.ticket_id, {account} AS account_id, z.created_at, z.requester AS requester_id, "
        f"{minutes_after('z.created_at', 'z.reply_minutes')} AS first_response_at, "
        "z.resolved AS resolved_at, "
        "NULLIF(lower(trim(z.priority)), '-') AS priority, z.status_n AS status, "
        f"{_channel('z.channel')} AS channel, z.subject, z.tags, "
        f"{_satisfaction('z.satisfaction')} AS satisfaction, z.extra AS attributes "
        f"FROM (SELECT *, {status} AS status_n, {resolved} AS resolved FROM {fields}) z "
        f"LEFT JOIN {by_name} n ON n._lname = lower(trim(z.org_name_in))"
    )


def project(table: Table, staged: Staged) -> Projection:
    """Zendesk tickets (incremental export JSON Lines or CSV export) as canonical rows."""
    fields = _fields_json() if staged.fmt is FileFormat.JSONL else _fields_csv(staged)
    types = {c: "VARCHAR" for c in table.column_names}
    return Projection(sql=_tickets(fields), types=types, record_sql=record_sql(staged))


SOURCE = Source(
    name="zendesk",
    doc="Zendesk tickets: the incremental export (one ticket object per line, optionally with "
    "its metric_set) or the CSV export.",
    tables=("tickets",),
    formats=(FileFormat.JSONL, FileFormat.CSV),
    project=project,
)
