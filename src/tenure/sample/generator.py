"""Generate the sample company chunk by chunk and write it as canonical files.

Memory stays bounded whatever the size: accounts are simulated ``CHUNK`` at a time, each
chunk's rows are appended to the files and dropped, and events are drawn in blocks of about
a million. Every random draw comes from a generator seeded with ``(seed, stream, chunk)``, so
the same arguments give byte-identical files, and changing ``events_scale`` changes only the
events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from tenure.ingest.schema import TABLE_ORDER

from . import billing, support, touch, usage, voice
from .company import Accounts, crm_tier, draw_accounts
from .lifecycle import Life, simulate
from .people import contact_columns
from .profiles import COUNTRIES, INDUSTRIES, PLANS, SEGMENT_NAMES
from .timeline import NEVER, Timeline, instants_text
from .truth import GroundTruth
from .writer import CsvTable, EventsFile, Mint, optional

CHUNK = 1000
GROUND_TRUTH_DIR = "ground_truth"
# Random streams: one per domain, so that e.g. more events do not reshuffle the tickets.
_ACCOUNTS, _LIFE, _EVENTS, _TICKETS, _VOICE, _TOUCH, _BILLING, _PEOPLE, _OUTAGES = range(9)
# Columns a CRM export has that the canonical table does not: the importer keeps them as
# attributes.
_EXTRA_ACCOUNT_COLUMNS = ("employees", "crm_tier", "website", "plan_at_signup")


@dataclass
class SampleResult:
    """What ``generate_company`` wrote."""

    files: dict[str, Path]  # canonical table -> file, in schema.TABLE_ORDER
    ground_truth: dict[str, Path]  # not imported: the latent state and why accounts churned
    rows: dict[str, int] = field(default_factory=dict)  # rows written per table


def _rng(seed: int, stream: int, chunk: int = 0) -> np.random.Generator:
    return np.random.default_rng([seed, stream, chunk])


def _outage_weeks(seed: int, tl: Timeline) -> frozenset[int]:
    """About two company-wide incidents a year, the same for every chunk."""
    rng = _rng(seed, _OUTAGES)
    k = max(1, round(2 * tl.n_weeks / 52))
    return frozenset(int(w) for w in rng.choice(tl.n_weeks, size=min(k, tl.n_weeks), replace=False))


def generate_company(
    out_dir: Path,
    *,
    accounts: int,
    seed: int,
    as_of: dt.date,
    years: float = 2.5,
    events_scale: float = 1.0,
    progress: Callable[[int, int], None] | None = None,
) -> SampleResult:
    """Write a sample B2B SaaS company's canonical files (and its ground truth) to ``out_dir``.

    The window is ``years`` before ``as_of`` up to the day before ``as_of``; nothing reads the
    clock. ``events_scale`` multiplies the product events (about 1,000 per account at 1.0).
    ``progress(done, total)`` is called after each chunk of accounts.
    """
    if accounts < 1:
        raise ValueError("accounts must be at least 1")
    if not 0.1 <= years <= 20:
        raise ValueError("years must be between 0.1 and 20")
    if events_scale < 0:
        raise ValueError("events_scale must not be negative")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = as_of - dt.timedelta(days=round(years * 365.25))
    tl = Timeline.from_dates(start, as_of)
    acc = draw_accounts(_rng(seed, _ACCOUNTS), accounts, tl, CHUNK)
    outages = _outage_weeks(seed, tl)

    files = {name: out_dir / (f"{name}.parquet" if name == "events" else f"{name}.csv")
             for name in TABLE_ORDER}
    csv = {name: CsvTable(path, name, _EXTRA_ACCOUNT_COLUMNS if name == "accounts" else ())
           for name, path in files.items() if name != "events"}
    events = EventsFile(files["events"])
    truth = GroundTruth(out_dir / GROUND_TRUTH_DIR)
    mint = Mint()
    try:
        for c, lo in enumerate(range(0, accounts, CHUNK)):
            index = np.arange(lo, min(lo + CHUNK, accounts), dtype=np.int64)
            life = simulate(acc, index, tl, _rng(seed, _LIFE, c), outages)
            _write_chunk(c, seed, acc, life, csv, events, truth, mint, events_scale)
            if progress is not None:
                progress(int(index[-1]) + 1, accounts)
        csv["fx_rates"].append(billing.fx_rates(tl))
    finally:
        for table in csv.values():
            table.close()
        events.close()
        truth.close()
    rows = {name: (events.rows if name == "events" else csv[name].rows) for name in files}
    return SampleResult(files=files, ground_truth=dict(truth.paths), rows=rows)


def _account_ids(index: np.ndarray) -> np.ndarray:
    return np.array([f"acct_{i + 1:06d}" for i in index], dtype=object)


def _write_chunk(c: int, seed: int, acc: Accounts, life: Life, csv: dict[str, CsvTable],
                 events: EventsFile, truth: GroundTruth, mint: Mint, events_scale: float) -> None:
    index = life.index
    account_ids = _account_ids(index)
    countries = np.array([x[0] for x in COUNTRIES], dtype=object)[acc.country[index]]
    parent = acc.parent[index]
    csv["accounts"].append({
        "account_id": account_ids,
        "name": [acc.name[i] for i in index],
        "segment": np.array(SEGMENT_NAMES, dtype=object)[acc.segment[index]],
        "industry": np.array(INDUSTRIES, dtype=object)[acc.industry[index]],
        "country": countries,
        "owner": np.array(acc.csms, dtype=object)[acc.owner[index]],
        "created_at": instants_text(acc.created_us[index]),
        "parent_account_id": optional(_account_ids(np.maximum(parent, 0)), parent >= 0),
        "employees": acc.employees[index],
        "crm_tier": crm_tier(acc, index),
        "website": [f"https://www.{acc.domain[i]}" for i in index],
        "plan_at_signup": np.array(PLANS, dtype=object)[acc.plan[index]],
    })

    slots = life.slots
    filled = slots.created_us < NEVER
    contact_ids = np.full(len(slots.owner), None, dtype=object)
    contact_ids[filled] = mint.take("usr_", int(filled.sum()))
    people_rng = _rng(seed, _PEOPLE, c)
    opted_out = people_rng.random(len(slots.owner)) < 0.06
    columns, first_names = contact_columns(slots, people_rng, contact_ids, account_ids,
                                           [acc.domain[i] for i in index], countries, opted_out)
    csv["contacts"].append(columns)

    currency = billing.currencies(acc, index)
    sub_ids = mint.take("sub_", int(life.periods.sub.max()) + 1 if len(life.periods) else 0)
    csv["subscriptions"].append(billing.subscriptions(life.periods, sub_ids, account_ids, currency))
    csv["invoices"].append(billing.invoices(life, acc, _rng(seed, _BILLING, c), mint,
                                            account_ids, currency))

    # Dictionaries without repeats, so the Parquet writer keeps them: kinds map to distinct
    # event names and property objects, slots to the contacts that exist.
    account_arr = pa.array(account_ids, pa.string())
    contact_arr = pa.array(contact_ids[filled], pa.string())
    contact_of_slot = np.cumsum(filled) - 1
    names, name_of_kind = np.unique(np.array(usage.EVENT_NAMES), return_inverse=True)
    props, props_of_kind = np.unique(np.array(usage.EVENT_PROPERTIES), return_inverse=True)
    for block in usage.events(life, acc, _rng(seed, _EVENTS, c), events_scale):
        events.append(account=block.account, account_ids=account_arr,
                      event=name_of_kind[block.kind], event_names=pa.array(names),
                      properties=props_of_kind[block.kind], property_values=pa.array(props),
                      at_us=block.at_us, user=contact_of_slot[block.user], user_ids=contact_arr,
                      first_id=mint.reserve("evt_", len(block.at_us)))

    ticket_cols, ticket_facts = support.tickets(life, acc, _rng(seed, _TICKETS, c), mint,
                                                account_ids, contact_ids)
    csv["tickets"].append(ticket_cols)
    voice_rng = _rng(seed, _VOICE, c)
    csv["survey_responses"].append(voice.surveys(life, acc, ticket_facts, voice_rng, mint,
                                                 account_ids, contact_ids, opted_out))
    csv["feedback"].append(voice.feedback(life, acc, voice_rng, mint, account_ids, contact_ids))
    csv["activities"].append(touch.activities(life, acc, _rng(seed, _TOUCH, c), mint,
                                              account_ids, contact_ids, first_names))
    truth.append(life, account_ids)
