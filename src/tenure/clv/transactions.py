"""From raw transactions to each customer's frequency, recency, T and mean repeat spend.

The conventions are those of the papers the models come from (Fader, Hardie & Lee 2005,
"Counting Your Customers the Easy Way", sec. 2 and 7; "RFM and CLV", JMR 2005):

- purchases on the same day are one transaction, their amounts summed;
- frequency x = repeat transactions: distinct purchase days in the calibration period, minus one;
- recency t_x = time from the first purchase to the last one in the calibration period;
- T = time from the first purchase to the end of the calibration period (the end day itself
  is the last day observed);
- monetary value m̄ = the mean amount of the repeat transactions (the first one left out,
  the Gamma-Gamma convention); 0 for a customer with no repeat transaction;
- a customer belongs to the calibration cohort when the first purchase is on or before its end;
  the holdout count is that customer's transactions (days) after it, up to the holdout end.

Times are in days or weeks (7 days). DuckDB reads and parses the file (CSV or Parquet) or
DataFrame in one pass into Arrow; the customers become dense integer codes (Arrow's hash
kernel) and the rest is vectorised numpy over those codes: minima and maxima with ufunc.at,
sums with bincount, distinct purchase days from the sorted (customer, day) keys.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal, TypeAlias

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ClvError
from .fitting import FloatArray

Unit = Literal["day", "week"]
DAYS_PER_UNIT: dict[str, float] = {"day": 1.0, "week": 7.0}
PARQUET_SUFFIXES = (".parquet", ".pq")

Source: TypeAlias = str | Path | pd.DataFrame


@dataclass(frozen=True)
class TransactionSummary:
    """One row per customer of the calibration cohort, as arrays (same order everywhere)."""

    customer_column: str
    customers: np.ndarray
    frequency: FloatArray
    recency: FloatArray
    T: FloatArray
    monetary_value: FloatArray | None  # None without an amount column
    holdout_frequency: FloatArray | None  # None without a holdout period
    unit: Unit
    calibration_end: date
    holdout_end: date | None
    transactions: int  # rows read (before same-day merging)

    @property
    def holdout_length(self) -> float | None:
        """Length of the holdout period in the summary's unit."""
        if self.holdout_end is None:
            return None
        return (self.holdout_end - self.calibration_end).days / DAYS_PER_UNIT[self.unit]

    def __len__(self) -> int:
        return len(self.frequency)

    def to_frame(self) -> pd.DataFrame:
        """The summary as a DataFrame indexed by customer."""
        data: dict[str, Any] = {"frequency": self.frequency, "recency": self.recency,
                                "T": self.T}
        if self.monetary_value is not None:
            data["monetary_value"] = self.monetary_value
        if self.holdout_frequency is not None:
            data["holdout_frequency"] = self.holdout_frequency
        return pd.DataFrame(data, index=pd.Index(self.customers, name=self.customer_column))


def summarize_transactions(
    source: Source,
    *,
    customer: str,
    date_column: str,
    amount: str | None = None,
    calibration_end: date | None = None,
    holdout_end: date | None = None,
    unit: Unit = "week",
) -> TransactionSummary:
    """Each customer's (x, t_x, T[, m̄][, holdout x]) from a transaction file or DataFrame.

    ``calibration_end`` defaults to the last transaction date; transactions after
    ``holdout_end`` (or after ``calibration_end`` without a holdout) are ignored.
    """
    if unit not in DAYS_PER_UNIT:
        raise ClvError(f"unknown time unit {unit!r}: use day or week")
    if holdout_end is not None and calibration_end is None:
        raise ClvError("a holdout end needs a calibration end: give --calibration-end too")
    if holdout_end is not None and calibration_end is not None and holdout_end <= calibration_end:
        raise ClvError(f"the holdout end {holdout_end} must come after the calibration end "
                       f"{calibration_end}")
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")  # timestamps with an offset count by their UTC day
        reader = _Reader(con, source)
        return _summarize(con, reader, customer=customer, date_column=date_column,
                          amount=amount, calibration_end=calibration_end,
                          holdout_end=holdout_end, unit=unit)
    finally:
        con.close()


class _Reader:
    """The source as a DuckDB relation, its columns, and where its rows are (for errors)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, source: Source) -> None:
        self.con = con
        self.frame: pd.DataFrame | None = None
        self.path: Path | None = None
        self.varchar: set[str] = set()
        if isinstance(source, pd.DataFrame):
            self.frame = source
            con.register("clv_source_frame", source)
            self.name = "the transactions"
        else:
            self.path = Path(source)
            self.name = self.path.name
            if not self.path.is_file():
                raise ClvError(f"no such file: {self.path}")
        try:
            described = con.execute(f"DESCRIBE SELECT * FROM {self.relation()}").fetchall()
        except duckdb.Error as exc:
            raise ClvError(f"cannot read {self.name}: {_first_line(exc)}") from None
        self.columns: dict[str, str] = {str(row[0]): str(row[1]) for row in described}

    @property
    def is_parquet(self) -> bool:
        return self.path is not None and self.path.suffix.lower() in PARQUET_SUFFIXES

    def relation(self, *, row_numbers: bool = False) -> str:
        if self.frame is not None:
            return "clv_source_frame"
        path = _sql_string(str(self.path))
        if self.is_parquet:
            extra = ", file_row_number = true" if row_numbers else ""
            return f"read_parquet({path}{extra})"
        types = ", ".join(f"{_sql_string(c)}: 'VARCHAR'" for c in sorted(self.varchar))
        return f"read_csv({path}, header = true{f', types = {{{types}}}' if types else ''})"

    def where(self, column: str, bad_values: list[Any], *, limit: int = 5) -> list[str]:
        """Where the first rows holding one of ``bad_values`` in ``column`` are: 'line N' of a
        CSV (header = line 1), 'row N' of Parquet or a DataFrame (1-based)."""
        wanted = {"" if v is None else str(v) for v in bad_values}
        found: list[str] = []
        if self.frame is not None:
            values = self.frame[column]
            for pos, v in enumerate(values.tolist()):
                text = "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
                if text in wanted:
                    found.append(f"row {pos + 1}")
                    if len(found) >= limit:
                        break
            return found
        if self.is_parquet:
            rows = self.con.execute(
                f"SELECT file_row_number FROM {self.relation(row_numbers=True)} "
                f"WHERE coalesce(CAST({_ident(column)} AS VARCHAR), '') IN "
                f"(SELECT unnest(?::VARCHAR[])) ORDER BY 1 LIMIT {limit}",
                [sorted(wanted)]).fetchall()
            return [f"row {int(r[0]) + 1}" for r in rows]
        assert self.path is not None
        delimiter = self.con.execute(
            f"SELECT Delimiter FROM sniff_csv({_sql_string(str(self.path))})").fetchone()
        with self.path.open(newline="", encoding="utf-8", errors="replace") as fh:
            reader = csv.reader(fh, delimiter=(delimiter[0] if delimiter else ",") or ",")
            header = next(reader, [])
            if column not in header:
                return []
            idx = header.index(column)
            for row in reader:
                value = row[idx].strip() if idx < len(row) else ""
                if value in wanted:
                    found.append(f"line {reader.line_num}")
                    if len(found) >= limit:
                        break
        return found


def _summarize(con: duckdb.DuckDBPyConnection, reader: _Reader, *, customer: str,
               date_column: str, amount: str | None, calibration_end: date | None,
               holdout_end: date | None, unit: Unit) -> TransactionSummary:
    needed = [c for c in (customer, date_column, amount) if c is not None]
    missing = [c for c in needed if c not in reader.columns]
    if missing:
        raise ClvError(f"{reader.name} has no column {', '.join(map(repr, missing))}; its "
                       f"columns are {', '.join(reader.columns)}")
    if reader.frame is None and not reader.is_parquet:
        # Dates and amounts are parsed here, not by the CSV sniffer, so one odd value gives a
        # clear error with its line instead of failing (or changing type) mid-file.
        reader.varchar |= {date_column, *([amount] if amount else [])}
        reader.columns.update({c: "VARCHAR" for c in reader.varchar})
    day_sql = _day_expression(date_column, reader.columns[date_column], reader.name)
    amount_sql = "NULL::DOUBLE" if amount is None else _amount_expression(
        amount, reader.columns[amount], reader.name)
    # DuckDB reads and parses (any file, any date format) into Arrow: the customer, the day as
    # days since 1970-01-01 (NULL when it cannot be read) and the amount.
    try:
        table = con.sql(f"""
            SELECT {_ident(customer)} AS customer,
                   CAST(date_diff('day', DATE '1970-01-01', {day_sql}) AS INTEGER) AS day,
                   {amount_sql} AS amount
            FROM {reader.relation()}""").to_arrow_table()
    except duckdb.Error as exc:
        if reader.frame is None and not reader.is_parquet and customer not in reader.varchar:
            # The sniffer guessed a numeric customer id that a later row breaks: read it as text.
            reader.varchar.add(customer)
            return _summarize(con, reader, customer=customer, date_column=date_column,
                              amount=amount, calibration_end=calibration_end,
                              holdout_end=holdout_end, unit=unit)
        raise ClvError(f"cannot read {reader.name}: {_first_line(exc)}") from None
    if table.num_rows == 0:
        raise ClvError(f"{reader.name} has no transactions")
    _check_rows(con, reader, table, customer=customer, date_column=date_column, amount=amount,
                day_sql=day_sql, amount_sql=amount_sql)
    # Customers as dense integer codes (Arrow's hash kernel: one dictionary for all chunks).
    encoded = table.column("customer").dictionary_encode()
    dictionary = (encoded.chunks[0].dictionary if encoded.num_chunks
                  else pa.array([], table.column("customer").type))
    codes = pa.chunked_array([c.indices for c in encoded.chunks], pa.int32()).to_numpy()
    day = table.column("day").to_numpy()
    spend = table.column("amount").to_numpy() if amount is not None else None
    del table, encoded
    first_day = date.fromordinal(EPOCH + int(day.min()))
    last_day = date.fromordinal(EPOCH + int(day.max()))
    cal = calibration_end or last_day
    if cal < first_day:
        raise ClvError(f"no purchase on or before the calibration end {cal}: the first is on "
                       f"{first_day}")
    end = holdout_end or cal
    per_unit = DAYS_PER_UNIT[unit]
    agg = _aggregate(codes, day, spend, len(dictionary), cal=cal.toordinal() - EPOCH,
                     end=end.toordinal() - EPOCH)
    # One row per customer of the cohort, ordered by customer.
    order = pc.sort_indices(dictionary).to_numpy()
    order = order[agg["cohort"][order]]
    return TransactionSummary(
        customer_column=customer,
        customers=dictionary.take(pa.array(order)).to_numpy(zero_copy_only=False),
        frequency=agg["frequency"][order],
        recency=agg["recency"][order] / per_unit,
        T=agg["T"][order] / per_unit,
        monetary_value=None if spend is None else agg["monetary_value"][order],
        holdout_frequency=None if holdout_end is None else agg["holdout_frequency"][order],
        unit=unit,
        calibration_end=cal,
        holdout_end=holdout_end,
        transactions=len(day),
    )


EPOCH = date(1970, 1, 1).toordinal()


def _aggregate(codes: np.ndarray, day: np.ndarray, spend: np.ndarray | None, n: int, *,
               cal: int, end: int) -> dict[str, np.ndarray]:
    """Per customer code: frequency, recency and T in days, mean repeat spend, holdout count,
    and whether the customer is in the calibration cohort. ``cal`` and ``end`` are the last
    days (days since 1970-01-01) of the calibration and holdout periods.

    Written to make few passes and few large temporaries over the rows (ufunc.at with int32
    codes needs no index copy); on 10 million rows the allocations cost as much as the sums.
    """
    if day.max() > end:  # transactions after the last period: ignored
        keep = day <= end
        codes, day = codes[keep], day[keep]
        spend = None if spend is None else spend[keep]
    day = day.astype(np.int32, copy=False)
    first = np.full(n, np.iinfo(np.int32).max, dtype=np.int32)
    np.minimum.at(first, codes, day)
    holdout = bool(day.max() > cal)
    in_cal = (day <= cal) if holdout else None
    cal_codes = codes[in_cal] if in_cal is not None else codes
    last = first.copy()
    np.maximum.at(last, cal_codes, day[in_cal] if in_cal is not None else day)
    rows = np.zeros(n, dtype=np.int64)
    np.add.at(rows, cal_codes, 1)
    # Same-day purchases count once: sort the (customer, day) keys and subtract the repeats of
    # a key (few, so dividing them back into customer and day is cheap).
    low = int(day.min())
    span = int(day.max()) - low + 1
    keys = codes.astype(np.int64)
    keys *= span
    keys += day
    keys -= low
    keys.sort()
    repeated = keys[1:][keys[1:] == keys[:-1]]
    del keys
    who, when = np.divmod(repeated, span)
    when += low
    cal_days = rows - np.bincount(who[when <= cal], minlength=n)
    holdout_days = np.zeros(n, dtype=np.int64)
    if in_cal is not None:
        np.add.at(holdout_days, codes[~in_cal], 1)
        holdout_days -= np.bincount(who[when > cal], minlength=n)
    frequency = (cal_days - 1).astype(float)
    out = {
        "cohort": first <= cal,
        "frequency": frequency,
        "recency": (last - first).astype(float),
        "T": (cal - first.astype(np.int64)).astype(float),
        "holdout_frequency": holdout_days.astype(float),
    }
    if spend is not None:
        cal_spend = spend[in_cal] if in_cal is not None else spend
        total = np.zeros(n)
        np.add.at(total, cal_codes, cal_spend)
        on_first_day = day == first[codes]
        first_total = np.zeros(n)
        np.add.at(first_total, codes[on_first_day], spend[on_first_day])
        with np.errstate(invalid="ignore", divide="ignore"):
            out["monetary_value"] = np.where(frequency > 0,
                                             (total - first_total) / frequency, 0.0)
    return out


def _check_rows(con: duckdb.DuckDBPyConnection, reader: _Reader, table: pa.Table, *,
                customer: str, date_column: str, amount: str | None, day_sql: str,
                amount_sql: str) -> None:
    """Stop at the first kind of unusable row, saying where such rows are."""
    no_day = table.column("day").null_count
    if no_day:
        raw = _ident(date_column)
        bad = [r[0] for r in con.execute(
            f"SELECT DISTINCT {raw} FROM {reader.relation()} WHERE {day_sql} IS NULL LIMIT 5"
        ).fetchall()]
        where = reader.where(date_column, bad)
        shown = ", ".join(repr("" if b is None else str(b)) for b in bad[:3])
        raise ClvError(f"{no_day:,} date(s) in column {date_column!r} cannot be read"
                       f"{_at(where)} (e.g. {shown}); use YYYY-MM-DD, an ISO 8601 timestamp "
                       "or YYYYMMDD")
    no_customer = table.column("customer").null_count
    if no_customer:
        where = reader.where(customer, [None])
        raise ClvError(f"{no_customer:,} row(s) have no {customer!r}{_at(where)}; every "
                       "transaction needs a customer")
    if amount is None:
        return
    no_amount = table.column("amount").null_count
    if no_amount:
        bad = [r[0] for r in con.execute(
            f"SELECT DISTINCT {_ident(amount)} FROM {reader.relation()} "
            f"WHERE {amount_sql} IS NULL LIMIT 5").fetchall()]
        where = reader.where(amount, bad)
        shown = ", ".join(repr("" if b is None else str(b)) for b in bad[:3])
        raise ClvError(f"{no_amount:,} amount(s) in column {amount!r} are missing or not "
                       f"numbers{_at(where)} (e.g. {shown})")
    negative = int(pc.sum(pc.less(table.column("amount"), 0)).as_py() or 0)
    if negative:
        bad = [r[0] for r in con.execute(
            f"SELECT DISTINCT {_ident(amount)} FROM {reader.relation()} "
            f"WHERE {amount_sql} < 0 LIMIT 5").fetchall()]
        where = reader.where(amount, bad)
        raise ClvError(f"{negative:,} negative amount(s) in column {amount!r}{_at(where)}; "
                       "the spend model needs purchases only: net refunds against their "
                       "purchases (or drop them) first")


_INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                  "USMALLINT", "UINTEGER", "UBIGINT"}


def _day_expression(column: str, dtype: str, name: str) -> str:
    """SQL for the transaction's day (a DATE, NULL when it cannot be read)."""
    col = _ident(column)
    if dtype == "DATE":
        return col
    if dtype.startswith("TIMESTAMP"):
        return f"CAST({col} AS DATE)"  # with time zone: the UTC day (the session is UTC)
    if dtype in _INTEGER_TYPES:  # 19970101, as in the CDNOW files
        return f"CAST(TRY_STRPTIME(CAST({col} AS VARCHAR), '%Y%m%d') AS DATE)"
    if dtype == "VARCHAR":
        trimmed = f"trim({col})"
        return (f"coalesce(CAST(TRY_CAST({trimmed} AS TIMESTAMPTZ) AS DATE), "
                f"CAST(TRY_STRPTIME({trimmed}, '%Y%m%d') AS DATE))")
    raise ClvError(f"column {column!r} of {name} holds {dtype}, not dates")


def _amount_expression(column: str, dtype: str, name: str) -> str:
    col = _ident(column)
    if dtype == "VARCHAR":
        return f"TRY_CAST(trim({col}) AS DOUBLE)"
    if dtype in _INTEGER_TYPES or dtype in {"FLOAT", "DOUBLE", "REAL"} \
            or dtype.startswith("DECIMAL"):
        return f"CAST({col} AS DOUBLE)"
    raise ClvError(f"column {column!r} of {name} holds {dtype}, not amounts")


def _at(where: list[str]) -> str:
    return f" at {', '.join(where)}" if where else ""


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
