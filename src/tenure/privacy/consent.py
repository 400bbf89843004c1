"""Consent: which law covers a contact, what they agreed to be sent, and what a shared
channel may say about people.

- :func:`jurisdiction`: from a contact's country (and region, when known): ``GDPR`` (EU and
  EEA countries, with the EU's outermost regions that have codes of their own, and the
  United Kingdom, whose UK GDPR keeps the same rules), ``CCPA`` (California; a US contact
  whose state is unknown counts as CCPA, the stricter reading, until a region says
  otherwise), ``other``, or ``unknown`` without a country.
- :func:`opted_out_emails`: the addresses that asked for no email (``email_opt_out``) or, for
  surveys, no survey either (``survey_opt_out``): the playbooks queue nothing to them.
- :func:`mask_emails`: what Slack and webhook messages carry unless
  ``notifications.include_personal_data``: every email address masked, the account owner's
  named as "the account owner". A channel is read by many; ids and account names are enough
  to act on.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..app import App

JURISDICTIONS = ("GDPR", "CCPA", "other", "unknown")

# EU member states (27, since 2020-02-01), the EEA states that apply the GDPR through the EEA
# Agreement (IS, LI, NO), the UK (UK GDPR, Data Protection Act 2018), and the EU's
# outermost regions and Åland, which ISO 3166 codes apart from their state (GDPR art. 3 by
# TFEU art. 349 / 355): French Guiana, Guadeloupe, Martinique, Réunion, Mayotte, Saint-Martin.
EU = frozenset((
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
))
EEA_NOT_EU = frozenset(("IS", "LI", "NO"))
EU_REGIONS_CODED_APART = frozenset(("AX", "GF", "GP", "MQ", "RE", "YT", "MF"))
GDPR_COUNTRIES = EU | EEA_NOT_EU | EU_REGIONS_CODED_APART | frozenset(("GB",))

_CALIFORNIA = ("CA", "US-CA", "CALIFORNIA")
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
OWNER_WORDS = "the account owner"
HIDDEN_EMAIL = "[email hidden]"


def jurisdiction(country: str | None, region: str | None = None) -> str:
    """The privacy law that covers a person in ``country`` (ISO 3166 alpha-2) and, for the
    US, ``region`` (the state: "CA", "US-CA" or "California"): see the module doc."""
    code = (country or "").strip().upper()
    if not code:
        return "unknown"
    if code in GDPR_COUNTRIES:
        return "GDPR"
    if code == "US":
        state = (region or "").strip().upper()
        return "CCPA" if not state or state in _CALIFORNIA else "other"
    return "other"


def opted_out_emails(app: App, *, purpose: str = "email") -> set[str]:
    """Lower-case addresses of contacts who may not be sent a message for ``purpose``:
    "email" (``email_opt_out``), or "survey" (a survey by email: ``email_opt_out`` or
    ``survey_opt_out``). An address shared by several contacts is out when any of them
    opted out."""
    if purpose not in ("email", "survey"):
        raise ValueError(f"purpose {purpose!r}")
    flag = "email_opt_out" if purpose == "email" else "(email_opt_out OR survey_opt_out)"
    rows = app.warehouse.con.execute(
        f"SELECT DISTINCT lower(email) FROM contacts WHERE email IS NOT NULL AND {flag}"
    ).fetchall()
    return {str(r[0]) for r in rows}


def may_send(recipient: str | None, opted_out: set[str]) -> bool:
    """Whether an email to ``recipient`` is allowed, given :func:`opted_out_emails`."""
    return bool(recipient) and (recipient or "").strip().lower() not in opted_out


def mask_emails(value: Any, *, owner: str | None = None) -> Any:
    """``value`` (text, or a JSON-like payload of dicts and lists) with every email address
    masked: ``owner``'s becomes "the account owner", any other "[email hidden]"."""
    if isinstance(value, str):
        mine = (owner or "").strip().lower()
        return _EMAIL.sub(lambda m: OWNER_WORDS if mine and m.group(0).lower() == mine
                          else HIDDEN_EMAIL, value)
    if isinstance(value, dict):
        return {k: mask_emails(v, owner=owner) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_emails(v, owner=owner) for v in value]
    return value


def consent_summary(app: App) -> list[dict[str, Any]]:
    """Contacts per jurisdiction, with how many opted out of email and of surveys (counts
    only: no one's data)."""
    rows = app.warehouse.con.execute(
        "SELECT country, count(*), count(*) FILTER (WHERE email_opt_out), "
        "count(*) FILTER (WHERE survey_opt_out) FROM contacts GROUP BY country").fetchall()
    totals = {j: [0, 0, 0] for j in JURISDICTIONS}
    for country, n, email_out, survey_out in rows:
        t = totals[jurisdiction(country)]
        t[0] += int(n)
        t[1] += int(email_out)
        t[2] += int(survey_out)
    return [{"jurisdiction": j, "contacts": n, "email_opt_out": e, "survey_opt_out": s}
            for j, (n, e, s) in totals.items()]


__all__ = ["GDPR_COUNTRIES", "JURISDICTIONS", "consent_summary", "jurisdiction",
           "mask_emails", "may_send", "opted_out_emails"]
