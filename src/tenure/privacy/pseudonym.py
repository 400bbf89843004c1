"""Pseudonymised exports (`tenure export TABLE --pseudonymize`): a warehouse table for
analysts with every personal identifier replaced by a keyed hash and the free text left out.

- Personal identifiers (the columns that :func:`tenure.privacy.personal_columns` matches to
  a person by email, contact id or user id) become ``HMAC-SHA256(key, value)`` in hex (RFC
  2104). The key comes from the environment variable ``TENURE_PSEUDONYM_KEY``, never from a
  file and never made up: analysts join exports made on different days, so the same person
  must get the same hash in every table and every export (``contacts.contact_id``,
  ``events.user_id`` and ``survey_responses.contact_id`` of one person hash alike), and
  without the key no one can recompute a hash from a guessed email (a plain SHA-256 of an
  email is reversed by hashing a list of emails). Pseudonymised data is still personal data
  under GDPR (recital 26): the key must stay with the data controller.
- Names and free text (ticket subjects, comments, summaries, feedback) cannot be hashed into
  anything useful and can name people: they are left out, as is the ``attributes`` column
  (whatever the import did not recognise). The manifest next to the file says which columns
  were hashed and which were left out.

The hash is computed by the warehouse itself, streaming through DuckDB's COPY: HMAC is
``sha256((K xor opad) || sha256((K xor ipad) || m))``, with the two padded keys as constants
and DuckDB's ``sha256`` over blobs, so no row passes through Python.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError, TenureError
from ..ingest.schema import TABLES
from ..ingest.validate import q
from ..warehouse import stored_columns
from .inventory import personal_columns

if TYPE_CHECKING:
    from ..app import App

KEY_ENV = "TENURE_PSEUDONYM_KEY"
MIN_KEY_BYTES = 16
FORMATS = ("csv", "jsonl", "parquet")
# Columns whose inventory key says their value *is* a person's identifier (an email, a
# contact id, a user id) can be joined on: hashed. Every other personal column (names, titles,
# free text that mentions people, attributes) is left out of a pseudonymised export.
HASHED_KEYS = frozenset(("email", "contact_id", "user_id"))
AUDIT_PSEUDONYMIZED = "privacy.export_pseudonymized"
AUDIT_PLAIN = "export.table"
_BLOCK = 64  # SHA-256's block size in bytes (RFC 2104's B)


def pseudonym_key(env: Mapping[str, str] | None = None) -> bytes:
    """The key of the keyed hashes, from ``TENURE_PSEUDONYM_KEY``; a :class:`ConfigError`
    saying how to set it when it is missing or too short."""
    value = (os.environ if env is None else env).get(KEY_ENV, "")
    if not value:
        raise ConfigError(
            f"--pseudonymize needs a key: set {KEY_ENV} to a secret of at least "
            f"{MIN_KEY_BYTES} characters (e.g. the output of `openssl rand -hex 32`) and keep "
            "it: exports made with the same key can be joined, a new key gives new hashes")
    key = value.encode("utf-8")
    if len(key) < MIN_KEY_BYTES:
        raise ConfigError(f"{KEY_ENV} is shorter than {MIN_KEY_BYTES} characters; use a "
                          "longer secret (e.g. `openssl rand -hex 32`)")
    return key


def pseudonymize(key: bytes, value: str) -> str:
    """HMAC-SHA256 of ``value`` (UTF-8) under ``key``, in hex: what an export writes."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def key_fingerprint(key: bytes) -> str:
    """A short public tag of the key (the hash of a fixed text), so that two exports can be
    seen to share a key without showing it."""
    return pseudonymize(key, "tenure:key-fingerprint")[:16]


def hmac_sql(column: str, key: bytes) -> str:
    """A DuckDB expression computing :func:`pseudonymize` of ``column`` (NULL stays NULL)."""
    if len(key) > _BLOCK:  # RFC 2104: a key longer than the block is hashed first
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    ipad = bytes(b ^ 0x36 for b in key).hex()
    opad = bytes(b ^ 0x5C for b in key).hex()
    return (f"sha256(unhex('{opad}') || unhex(sha256(unhex('{ipad}') || "
            f"encode(CAST({q(column)} AS VARCHAR)))))")


@dataclass
class ExportPlan:
    """Which columns of a table an export keeps as they are, hashes and leaves out."""

    table: str
    kept: list[str] = field(default_factory=list)
    hashed: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


def plan_export(table: str, *, pseudonymize: bool) -> ExportPlan:
    """The columns of ``table`` in an export, by the privacy inventory's keys."""
    if table not in TABLES:
        raise TenureError(f"no warehouse table {table!r}; export one of "
                          f"{', '.join(TABLES)}")
    key = {c.column: c.key for c in personal_columns()
           if c.store == "warehouse" and c.table == table}
    plan = ExportPlan(table)
    for name, _ in stored_columns(TABLES[table]):
        if not pseudonymize:
            plan.kept.append(name)
        elif key.get(name) in HASHED_KEYS:
            plan.hashed.append(name)
        elif name in key:
            plan.dropped.append(name)
        else:
            plan.kept.append(name)
    return plan


@dataclass
class ExportResult:
    table: str
    out: Path
    format: str
    rows: int
    pseudonymized: bool
    hashed: list[str]
    dropped: list[str]
    manifest: Path | None
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.table, "out": str(self.out), "format": self.format,
                "rows": self.rows, "pseudonymized": self.pseudonymized,
                "hashed": self.hashed, "dropped": self.dropped,
                "manifest": str(self.manifest) if self.manifest else None,
                "seconds": round(self.seconds, 3)}


_COPY_FORMAT = {"csv": "FORMAT csv, HEADER true", "jsonl": "FORMAT json",
                "parquet": "FORMAT parquet"}


def export_table(app: App, table: str, out: Path, *, fmt: str = "csv",
                 pseudonymize: bool = False, key: bytes | None = None, now: datetime,
                 actor: str | None = None, via: str = "cli") -> ExportResult:
    """Write the warehouse table ``table`` to ``out`` (csv, jsonl or parquet), streamed by
    the warehouse. With ``pseudonymize``, personal identifiers are hashed under ``key``
    (default: :func:`pseudonym_key`) and names and free text left out, and a manifest
    ``<out>.manifest.json`` says so. Audited as ``privacy.export_pseudonymized`` (or
    ``export.table`` for a plain export, which carries personal data as it is)."""
    import time

    from ..access import record_audit

    if fmt not in FORMATS:
        raise TenureError(f"format {fmt!r}: use one of {', '.join(FORMATS)}")
    plan = plan_export(table, pseudonymize=pseudonymize)
    if pseudonymize and key is None:
        key = pseudonym_key()
    select = ", ".join(
        [q(c) for c in plan.kept if c not in plan.hashed]
        + [f"{hmac_sql(c, key)} AS {q(c)}" for c in plan.hashed if key is not None])
    # The file's columns in the table's order.
    order = [c for c, _ in stored_columns(TABLES[table]) if c not in plan.dropped]
    sql = (f"SELECT {', '.join(q(c) for c in order)} FROM (SELECT {select} "
           f"FROM {q(table)})")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    target = str(out).replace("'", "''")
    with app.warehouse.reading() as con:
        row = con.execute(f"COPY ({sql}) TO '{target}' ({_COPY_FORMAT[fmt]})").fetchone()
    rows = int(row[0]) if row else 0
    seconds = time.perf_counter() - started
    manifest: Path | None = None
    if pseudonymize:
        assert key is not None
        manifest = out.with_name(out.name + ".manifest.json")
        manifest.write_text(json.dumps({
            "table": table, "file": out.name, "format": fmt, "rows": rows,
            "created_at": now.isoformat(timespec="seconds"),
            "hash": "HMAC-SHA256 (RFC 2104) of the value's UTF-8 bytes, hex; key from "
                    f"{KEY_ENV}",
            "key_fingerprint": key_fingerprint(key),
            "hashed_columns": plan.hashed,
            "left_out_columns": plan.dropped,
            "left_out_because": "names and free text can identify people and cannot be "
                                "hashed into anything an analysis can use; attributes hold "
                                "unrecognised columns of the imported files",
            "note": "Pseudonymised data is still personal data (GDPR recital 26): keep the "
                    "key away from the people who receive this file.",
        }, indent=2) + "\n", encoding="utf-8")
    record_audit(app.store, who=None, email=actor,
                 action=AUDIT_PSEUDONYMIZED if pseudonymize else AUDIT_PLAIN, via=via,
                 now=now, object_type="table", object_id=table, detail={
                     "rows": rows, "format": fmt, "out": str(out),
                     "hashed": plan.hashed, "dropped": plan.dropped,
                     **({"key_fingerprint": key_fingerprint(key)} if key else {})})
    return ExportResult(table=table, out=out, format=fmt, rows=rows,
                        pseudonymized=pseudonymize, hashed=plan.hashed, dropped=plan.dropped,
                        manifest=manifest, seconds=seconds)


__all__ = ["AUDIT_PSEUDONYMIZED", "FORMATS", "HASHED_KEYS", "KEY_ENV", "ExportPlan",
           "ExportResult", "export_table", "hmac_sql", "key_fingerprint", "plan_export",
           "pseudonym_key", "pseudonymize"]
