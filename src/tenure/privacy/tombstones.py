"""Erasure tombstones: what is kept of an erased person, so that a later import of the same
person is suppressed and reported instead of bringing them back.

A tombstone holds a keyed hash (HMAC-SHA256) of the person's normalised email or of one of
their contact ids, the erasure request's id and the time: never a plain identifier. The key is
``TENURE_PRIVACY_KEY``, else the workspace's own random key in ``data/privacy.key`` (made on
first use, readable by its owner only), as the session secret is kept
(:func:`tenure.api.deps.session_secret`). Without the key a tombstone names nobody; with it,
it only answers "was this email erased?".
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ..errors import ConfigError
from ..ingest.validate import lit, q
from ..store.models import ErasureTombstone

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..app import App
    from ..ingest.schema import Table
    from ..store import AppStore

KEY_ENV = "TENURE_PRIVACY_KEY"
KEY_FILE = Path("data") / "privacy.key"
EMAIL = "email"
CONTACT_ID = "contact_id"
# The start of the reason given for a suppressed row (ingest.load counts rows by it).
SUPPRESSED_REASON = "erased person (erasure request "


def privacy_key(app: App) -> bytes:
    """$TENURE_PRIVACY_KEY, else the workspace's random key in data/privacy.key (mode 600)."""
    if os.environ.get(KEY_ENV):
        return os.environ[KEY_ENV].encode("utf-8")
    path = app.home / KEY_FILE
    try:
        if path.exists():
            return path.read_text(encoding="utf-8").strip().encode("utf-8")
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(key + "\n")
        return key.encode("utf-8")
    except FileExistsError:  # another process made it first
        return path.read_text(encoding="utf-8").strip().encode("utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot keep the privacy key in {path}: {exc.strerror}; set "
                          f"{KEY_ENV}") from exc


def normalise(kind: str, value: str) -> str:
    """Emails compare lower-cased (as the warehouse stores them); ids as given, trimmed."""
    return value.strip().lower() if kind == EMAIL else value.strip()


def digest(key: bytes, kind: str, value: str) -> str:
    """HMAC-SHA256 of ``kind:value`` (normalised), hex: the same person gives the same digest
    in every workspace sharing the key, and nobody can be read back from it."""
    message = f"{kind}:{normalise(kind, value)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Tombstone:
    id: int
    request_id: str
    kind: str
    digest: str
    erased_at: datetime

    def as_dict(self) -> dict[str, Any]:
        # The digest shortened: enough to tell tombstones apart in a report.
        return {"id": self.id, "request_id": self.request_id, "kind": self.kind,
                "digest": self.digest[:16], "erased_at": self.erased_at.isoformat()}


def _tombstone(t: ErasureTombstone) -> Tombstone:
    return Tombstone(t.id, t.request_id, t.kind, t.digest, t.erased_at)


def record_tombstones(s: Session, *, request_id: str, digests: dict[str, str],
                      now: datetime) -> list[Tombstone]:
    """Keep ``digests`` ({digest: kind}) under ``request_id``, in the session ``s`` (the
    erasure's own transaction); a digest already kept (an earlier request for the same
    person) keeps its first request. Returns every tombstone of these digests."""
    have = {t.digest: t for t in s.scalars(
        select(ErasureTombstone).where(ErasureTombstone.digest.in_(list(digests))))}
    for d, kind in digests.items():
        if d not in have:
            have[d] = ErasureTombstone(request_id=request_id, kind=kind, digest=d,
                                       erased_at=now)
            s.add(have[d])
    s.flush()
    return sorted((_tombstone(t) for t in have.values()), key=lambda t: t.id)


def tombstones(store: AppStore) -> dict[str, Tombstone]:
    """Every tombstone, by digest."""
    if ErasureTombstone.__tablename__ not in store.table_names():
        return {}
    with store.session() as s:
        return {t.digest: _tombstone(t) for t in s.scalars(select(ErasureTombstone))}


def matching(key: bytes, kept: dict[str, Tombstone], kind: str,
             values: list[str]) -> dict[str, Tombstone]:
    """The values (of ``kind``) whose digest is a tombstone: {value: tombstone}."""
    found = {}
    for v in values:
        if v is not None and (t := kept.get(digest(key, kind, v))) is not None \
                and t.kind == kind:
            found[v] = t
    return found


def warehouse_keys() -> dict[tuple[str, str], str]:
    """{(table, column): key} of the warehouse's personal columns (the inventory's keys)."""
    from .inventory import personal_columns

    return {(c.table, c.column): c.key for c in personal_columns() if c.store == "warehouse"}


def person_columns(table_name: str) -> list[tuple[str, str]]:
    """(column, kind) of a warehouse table that name a person a tombstone can match: the
    contact id columns, and on contacts the email too (from the personal-data inventory)."""
    return [(col, key) for (table, col), key in warehouse_keys().items()
            if table == table_name and (key == CONTACT_ID or
                                        (key == EMAIL and table == "contacts"))]


def suppress_erased(app: App, con: Any, table: Table) -> int:
    """The import's hook: rows of the staged file (``stage_typed``) that name an erased person
    get the reason "erased person (erasure request …)", so they are neither stored nor written
    to the rejects file with their content. Returns how many."""
    columns = person_columns(table.name)
    if not columns:
        return 0
    kept = tombstones(app.store)
    if not kept:
        return 0
    key = privacy_key(app)
    suppressed = 0
    for col, kind in columns:
        values = [r[0] for r in con.execute(
            f"SELECT DISTINCT {q(col)} FROM stage_typed WHERE {q(col)} IS NOT NULL "
            "AND _skip IS NULL").fetchall()]
        for value, stone in matching(key, kept, kind, values).items():
            reason = f"{SUPPRESSED_REASON}{stone.request_id})"
            suppressed += int(con.execute(
                f"UPDATE stage_typed SET _reason = {lit(reason)} WHERE {q(col)} = ? "
                f"AND _skip IS NULL AND (_reason IS NULL OR NOT starts_with(_reason, "
                f"{lit(SUPPRESSED_REASON)}))", [value]).fetchall()[0][0])
    return suppressed
