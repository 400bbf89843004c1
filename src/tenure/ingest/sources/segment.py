"""Segment: one message per line (the S3 / warehouse export format of the Segment Spec).

- ``track`` calls are product events; ``page`` and ``screen`` calls become the events
  ``page_viewed`` and ``screen_viewed`` with the page or screen name in the properties.
- ``identify`` calls are contacts (the user's traits); ``group`` calls are accounts (the
  group's traits) and also tell which account a user belongs to.
- Other calls in the file are skipped with a reason; ``alias`` calls are never imported.

Segment's profile semantics are kept: traits accumulate, so all ``identify`` (``group``) calls
of one user (group) in the file are merged in line order, and a field the file does not give
keeps the value already stored (a contact's opt-outs set elsewhere are not wiped).
"""

from __future__ import annotations

from ..countries import COUNTRY_CODES
from ..project import Projection, Staged
from ..readers import FileFormat
from ..schema import CONTACT_ROLES, Table
from ..validate import lit
from . import Source
from ._sql import (
    json_object_sql,
    json_record_sql,
    merge_json_sql,
    pick_text,
    skip_by_type,
    utc_text,
    without_keys,
)

TYPES = ("track", "page", "screen", "identify", "group", "alias")

# The message fields the mappings read (first present path wins). The account of an event:
# Segment's B2B convention is context.groupId; some senders put it elsewhere.
FIELDS: dict[str, tuple[str, ...]] = {
    "type": ("$.type",),
    "message_id": ("$.messageId",),
    "user_id": ("$.userId",),
    "anonymous_id": ("$.anonymousId",),
    "event": ("$.event",),
    "name": ("$.name",),
    "category": ("$.category",),
    "timestamp": ("$.timestamp", "$.originalTimestamp", "$.sentAt", "$.receivedAt"),
    "group_id": ("$.groupId",),
    "ctx_group": ("$.context.groupId",),
    "event_group": (
        "$.context.groupId",
        "$.groupId",
        "$.properties.groupId",
        "$.context.traits.groupId",
    ),
    "batch": ("$.batch",),
}
JSON_FIELDS: dict[str, tuple[str, ...]] = {
    "properties": ("$.properties",),
    "traits": ("$.traits",),
    "ctx_traits": ("$.context.traits",),
}

SKIP: dict[str, dict[str, str]] = {
    "events": {
        "identify": "identify call (import it into contacts)",
        "group": "group call (import it into accounts)",
        "alias": "alias call (not imported)",
    },
    "contacts": {
        "track": "track call (import it into events)",
        "page": "page call (import it into events)",
        "screen": "screen call (import it into events)",
        "group": "group call (import it into accounts)",
        "alias": "alias call (not imported)",
    },
    "accounts": {
        "track": "track call (import it into events)",
        "page": "page call (import it into events)",
        "screen": "screen call (import it into events)",
        "identify": "identify call (import it into contacts)",
        "alias": "alias call (not imported)",
    },
}

# Identify traits (Segment Spec reserved traits, plus snake_case spellings seen in the wild).
CONTACT_TRAITS: dict[str, tuple[str, ...]] = {
    "email": ("$.email",),
    "name": ("$.name",),
    "first": ("$.firstName", "$.first_name"),
    "last": ("$.lastName", "$.last_name"),
    "title": ("$.title",),
    "role": ("$.role",),
    "country": ("$.address.country", "$.country"),
    "created_at": ("$.createdAt", "$.created_at"),
    "group": ("$.groupId", "$.group_id"),
    "company_id": ("$.company.id",),
}
# Traits not kept in a contact's attributes: mapped to columns, describe the company (that is
# the account's business), or are personal data Tenure has no use for.
CONTACT_DROP = (
    "email", "name", "firstName", "lastName", "first_name", "last_name", "title", "role",
    "country", "createdAt", "created_at", "groupId", "group_id", "id", "company", "address",
    "phone", "birthday", "age", "gender", "avatar", "username",
)

GROUP_TRAITS: dict[str, tuple[str, ...]] = {
    "name": ("$.name",),
    "industry": ("$.industry",),
    "segment": ("$.segment",),
    "owner": ("$.owner", "$.owner_email", "$.ownerEmail"),
    "country": ("$.address.country", "$.country"),
    "created_at": ("$.createdAt", "$.created_at"),
    "parent": ("$.parent_account_id", "$.parentAccountId"),
}
GROUP_DROP = (
    "name", "industry", "segment", "owner", "owner_email", "ownerEmail", "country",
    "createdAt", "created_at", "id", "parent_account_id", "parentAccountId",
)

_COUNTRIES = "[" + ", ".join(lit(c) for c in sorted(COUNTRY_CODES)) + "]"
_ROLES = "[" + ", ".join(lit(r) for r in CONTACT_ROLES) + "]"


def _messages() -> str:
    """Each line parsed, typed (``_type``) and checked as a Segment message (``_error``)."""
    known = ", ".join(lit(t) for t in TYPES)
    return (
        "(SELECT *, lower(type) AS _type, CASE "
        "WHEN _error IS NOT NULL THEN _error "
        "WHEN batch IS NOT NULL THEN 'a Segment batch payload: write one message per line "
        "(e.g. jq -c ''.batch[]'')' "
        "WHEN type IS NULL THEN 'not a Segment message: no type' "
        f"WHEN lower(type) NOT IN ({known}) THEN 'unknown Segment message type ''' || type || '''' "
        f"END AS _problem FROM {json_record_sql(FIELDS, JSON_FIELDS)})"
    )


def _user_groups() -> str:
    """user id -> the account of that user's last group call in the file."""
    return (
        "SELECT coalesce(user_id, anonymous_id) AS _uid, arg_max(group_id, _line) AS _gid "
        "FROM m WHERE _problem IS NULL AND _type = 'group' AND group_id IS NOT NULL "
        "AND coalesce(user_id, anonymous_id) IS NOT NULL GROUP BY 1"
    )


def _one_per_key(table: str, key: str) -> str:
    """The stored table, one row per key (a join must never multiply the file's rows)."""
    return f"(SELECT * FROM {table} QUALIFY row_number() OVER (PARTITION BY {key}) = 1)"


def _valid_country(expr: str) -> str:
    return f"list_contains({_COUNTRIES}, upper(trim({expr})))"


def _project_events() -> tuple[str, dict[str, str]]:
    user = "coalesce(m.user_id, m.anonymous_id)"
    account = "coalesce(m.event_group, g._gid, c.account_id)"
    viewed = json_object_sql([("name", "to_json(m.name)"), ("category", "to_json(m.category)")])
    sql = (
        f"WITH m AS (SELECT * FROM {_messages()}), g AS ({_user_groups()}) "
        "SELECT m._line, CASE WHEN m._problem IS NOT NULL THEN m._problem "
        f"WHEN m._type IN ('track', 'page', 'screen') AND {account} IS NULL THEN "
        "'no account: no context.groupId or groupId, and the user has no group call in this "
        "file and no imported contact' END AS _error, "
        f"{skip_by_type('m._type', SKIP['events'])} AS _skip, "
        f"{account} AS account_id, "
        "CASE m._type WHEN 'track' THEN m.event WHEN 'page' THEN 'page_viewed' "
        "WHEN 'screen' THEN 'screen_viewed' END AS event, "
        "m.timestamp AS timestamp, m.message_id AS event_id, "
        f"{user} AS user_id, "
        "CASE WHEN m._type = 'track' THEN m.properties "
        f"ELSE {merge_json_sql('m.properties', viewed)} END AS properties, "
        "NULL::JSON AS attributes "
        f"FROM m LEFT JOIN g ON g._uid = {user} "
        # The imported contacts say which account a user belongs to (one row per contact).
        "LEFT JOIN (SELECT contact_id, any_value(account_id) AS account_id FROM contacts "
        "GROUP BY 1) c ON c.contact_id = m.user_id"
    )
    types = {c: "VARCHAR" for c in ("account_id", "event", "timestamp", "event_id", "user_id")}
    types["properties"] = "JSON"
    return sql, types


def _merged_traits(traits: str) -> str:
    """Per profile id (``_pid``): its traits merged over the file's calls in line order."""
    return (
        f"SELECT _pid, list_reduce(list(coalesce({traits}, '{{}}'::JSON) ORDER BY _line), "
        "lambda a, b: json_merge_patch(a, b)) AS _traits, "
        "arg_max(ctx_group, _line) FILTER (WHERE ctx_group IS NOT NULL) AS _ctx_group "
        f"FROM p WHERE _pid IS NOT NULL GROUP BY _pid"
    )


def _project_contacts() -> tuple[str, dict[str, str]]:
    paths, t = pick_text("x._t", CONTACT_TRAITS)
    full_name = f"NULLIF(concat_ws(' ', {t['first']}, {t['last']}), '')"
    role_ok = f"list_contains({_ROLES}, lower(trim({t['role']})))"
    country_ok = _valid_country(t["country"])
    account = (
        f"coalesce({t['group']}, x._ctx_group, {t['company_id']}, x._gid, c.account_id)"
    )
    # A role or country Segment gives in another vocabulary is kept, not rejected.
    unmapped = json_object_sql([
        ("role", f"CASE WHEN NOT {role_ok} THEN to_json({t['role']}) END"),
        ("country", f"CASE WHEN NOT {country_ok} THEN to_json({t['country']}) END"),
    ])
    # Older libraries also copy traits into context.traits; the call's own traits win.
    identify_traits = (
        "json_merge_patch(coalesce(ctx_traits, '{}'::JSON), coalesce(traits, '{}'::JSON))"
    )
    sql = (
        f"WITH m AS (SELECT * FROM {_messages()}), g AS ({_user_groups()}), "
        "p AS (SELECT *, CASE WHEN _problem IS NULL AND _type = 'identify' THEN user_id END "
        "AS _pid FROM m), "
        f"agg AS ({_merged_traits(identify_traits)}), "
        "x AS (SELECT p._line, p._problem, p._type, p._pid, agg._traits, agg._ctx_group, g._gid, "
        f"json_extract_string(agg._traits, {paths}) AS _t FROM p LEFT JOIN agg USING (_pid) "
        "LEFT JOIN g ON g._uid = p._pid) "
        "SELECT x._line, CASE WHEN x._problem IS NOT NULL THEN x._problem "
        f"WHEN x._pid IS NOT NULL AND {account} IS NULL THEN 'no account: no traits.groupId, "
        "context.groupId or traits.company.id, and no group call for this user in the file' "
        "END AS _error, "
        "CASE WHEN x._problem IS NULL AND x._type = 'identify' AND x._pid IS NULL "
        "THEN 'anonymous identify call (no userId)' ELSE "
        f"{skip_by_type('x._type', SKIP['contacts'])} END AS _skip, "
        "x._pid AS contact_id, "
        f"{account} AS account_id, "
        f"coalesce({t['email']}, c.email) AS email, "
        f"coalesce({t['name']}, {full_name}, c.name) AS name, "
        f"coalesce({t['title']}, c.title) AS title, "
        f"CASE WHEN {role_ok} THEN lower(trim({t['role']})) ELSE c.role END AS role, "
        f"CASE WHEN {country_ok} THEN upper(trim({t['country']})) ELSE c.country END "
        "AS country, "
        f"coalesce({t['created_at']}, {utc_text('c.created_at')}) AS created_at, "
        f"{utc_text('c.deleted_at')} AS deleted_at, "
        "CAST(c.survey_opt_out AS VARCHAR) AS survey_opt_out, "
        "CAST(c.email_opt_out AS VARCHAR) AS email_opt_out, "
        "CASE WHEN x._pid IS NOT NULL THEN "
        f"{merge_json_sql('c.attributes', without_keys('x._traits', CONTACT_DROP), unmapped)} "
        "END AS attributes "
        f"FROM x LEFT JOIN {_one_per_key('contacts', 'contact_id')} c ON c.contact_id = x._pid"
    )
    types = {
        c: "VARCHAR"
        for c in ("contact_id", "account_id", "email", "name", "title", "role", "country",
                  "created_at", "deleted_at", "survey_opt_out", "email_opt_out")
    }
    return sql, types


def _project_accounts() -> tuple[str, dict[str, str]]:
    paths, t = pick_text("x._t", GROUP_TRAITS)
    owner_ok = f"regexp_full_match(trim({t['owner']}), '[^@\\s]+@[^@\\s]+\\.[^@\\s]+')"
    country_ok = _valid_country(t["country"])
    unmapped = json_object_sql([
        ("owner", f"CASE WHEN NOT {owner_ok} THEN to_json({t['owner']}) END"),
        ("country", f"CASE WHEN NOT {country_ok} THEN to_json({t['country']}) END"),
    ])
    sql = (
        f"WITH m AS (SELECT * FROM {_messages()}), "
        "p AS (SELECT *, CASE WHEN _problem IS NULL AND _type = 'group' THEN group_id END "
        "AS _pid FROM m), "
        f"agg AS ({_merged_traits('traits')}), "
        "x AS (SELECT p._line, p._problem, p._type, p._pid, agg._traits, "
        f"json_extract_string(agg._traits, {paths}) AS _t FROM p LEFT JOIN agg USING (_pid)) "
        "SELECT x._line, CASE WHEN x._problem IS NOT NULL THEN x._problem "
        "WHEN x._type = 'group' AND x._pid IS NULL THEN 'group call without groupId' "
        "END AS _error, "
        f"{skip_by_type('x._type', SKIP['accounts'])} AS _skip, "
        "x._pid AS account_id, "
        f"coalesce({t['name']}, a.name) AS name, "
        f"coalesce({t['segment']}, a.segment) AS segment, "
        f"coalesce({t['industry']}, a.industry) AS industry, "
        f"CASE WHEN {country_ok} THEN upper(trim({t['country']})) ELSE a.country END "
        "AS country, "
        f"CASE WHEN {owner_ok} THEN trim({t['owner']}) ELSE a.owner END AS owner, "
        f"coalesce({t['created_at']}, {utc_text('a.created_at')}) AS created_at, "
        f"coalesce({t['parent']}, a.parent_account_id) AS parent_account_id, "
        "CASE WHEN x._pid IS NOT NULL THEN "
        f"{merge_json_sql('a.attributes', without_keys('x._traits', GROUP_DROP), unmapped)} "
        "END AS attributes "
        f"FROM x LEFT JOIN {_one_per_key('accounts', 'account_id')} a ON a.account_id = x._pid"
    )
    types = {
        c: "VARCHAR"
        for c in ("account_id", "name", "segment", "industry", "country", "owner",
                  "created_at", "parent_account_id")
    }
    return sql, types


def project(table: Table, staged: Staged) -> Projection:
    """The Segment messages of ``staged`` as rows of ``table`` (events, contacts, accounts)."""
    del staged  # JSON Lines only (checked by the Source)
    build = {
        "events": _project_events,
        "contacts": _project_contacts,
        "accounts": _project_accounts,
    }[table.name]
    sql, types = build()
    return Projection(sql=sql, types=types, record_sql="_raw")


SOURCE = Source(
    name="segment",
    doc="Segment messages, one per line: track/page/screen calls into events, identify calls "
    "into contacts, group calls into accounts.",
    tables=("accounts", "contacts", "events"),
    formats=(FileFormat.JSONL,),
    project=project,
)
