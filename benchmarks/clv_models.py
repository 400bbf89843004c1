"""CLV models: transactions → BG/NBD + Gamma-Gamma → every customer's CLV, beside lifetimes.

What an analyst runs: from a transaction file (customer, date, amount) to each customer's
P(alive), expected purchases and spend, and discounted CLV over 12 months. The input is
simulated from the models themselves with known parameters (seed ``SEED``): 1,000,000 customers
acquired uniformly over 2024, each buying at a rate λ ~ gamma(r, α) per day and dropping out
after each repeat purchase with probability p ~ beta(a, b) (BG/NBD), every purchase worth
gamma(p, ν) with ν ~ gamma(q, γ) (Gamma-Gamma), observed to 2025-12-31: about 9 million rows,
written once to ``bench-data/clv-<customers>-seed<SEED>.parquet`` (customer_id BIGINT,
order_date DATE, amount DOUBLE) and reused while its manifest is there.

Both sides do the same, from the Parquet file, in days, calibration to 2025-12-31, a 12-month
horizon of 30-day months (lifetimes' month with ``freq="D"``) at 1% a month:

- Tenure: ``tenure.clv.fit_clv(path, customer=…, date_column=…, amount=…, unit="day",
  calibration_end=…, options=ClvOptions(horizon_months=12, discount_rate=0.01,
  days_per_month=30))`` (DuckDB summary, BG/NBD and Gamma-Gamma fits, predictions);
- lifetimes 0.11.3: ``pd.read_parquet``, ``summary_data_from_transaction_data(…, freq="D")``,
  ``BetaGeoFitter().fit``, ``GammaGammaFitter().fit`` on the repeat customers, then
  ``conditional_probability_alive``, ``conditional_expected_number_of_purchases_up_to_time``,
  ``conditional_expected_average_profit`` and ``customer_lifetime_value(…, time=12,
  discount_rate=0.01, freq="D")``.

Each run is a fresh child process (imports before the clock; the file in the page cache; VmHWM
restarted, so the peak RSS is the run's own); each repetition runs Tenure then lifetimes, so
drift on a shared machine touches both. lifetimes stops repeating once its runs took
``LIFETIMES_BUDGET_S``. Tenure's time is split by phase in a second, separate call of the same
building blocks in the same child.

Checks (the run exits 1 when one fails): both find the same customers; the seven parameters
agree to ``PARITY`` relative; every customer's CLV, expected purchases and P(alive) agree to
``PARITY``. Goal: Tenure ≥ ``SPEEDUP_GOAL``× faster end to end (reported, not a check).

lifetimes is not a dependency of Tenure: install the ``bench`` extra (``pip install -e
'.[bench]'``). ``--quick`` runs 20,000 customers; ``--rows N`` about N/9 customers.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import json
import multiprocessing
import os
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from . import (
    DATA_DIR,
    Options,
    Outcome,
    current_rss_mib,
    machine,
    machine_markdown,
    markdown_table,
    peak_rss_mib,
    reflow,
    reset_peak_rss,
    spread,
    warm_file,
)

NAME = "clv_models"
TITLE = "CLV models: BG/NBD + Gamma-Gamma CLV for 1 million customers, beside lifetimes"

SEED = 20050101
GENERATOR_VERSION = 1
FULL_CUSTOMERS = 1_000_000
QUICK_CUSTOMERS = 20_000
ROWS_PER_CUSTOMER = 9  # about: --rows N gives N // 9 customers
CHUNK_CUSTOMERS = 250_000  # generated (and written as one Parquet row group) at a time

START = dt.date(2024, 1, 1)
ACQUISITION_DAYS = 366  # first purchases over 2024
CALIBRATION_END = dt.date(2025, 12, 31)
# The process simulated, per day (BG/NBD) and per purchase (Gamma-Gamma).
TRUE_PURCHASES = {"r": 0.8, "alpha": 20.0, "a": 0.8, "b": 4.0}
TRUE_SPEND = {"p": 6.0, "q": 4.0, "gamma": 30.0}

HORIZON_MONTHS = 12
DISCOUNT_RATE = 0.01
DAYS_PER_MONTH = 30.0  # lifetimes' month for freq="D"
HORIZON_DAYS = HORIZON_MONTHS * DAYS_PER_MONTH

SPEEDUP_GOAL = 10.0
PARITY = 1e-3
LIFETIMES_BUDGET_S = 600.0
PARAMS = ("r", "alpha", "a", "b", "p", "q", "gamma")
LIFETIMES_HINT = ("lifetimes is not installed: pip install -e '.[bench]' (or pip install "
                  "lifetimes==0.11.3)")


def customer_count(options: Options) -> int:
    if options.rows:
        return max(1_000, options.rows // ROWS_PER_CUSTOMER)
    return QUICK_CUSTOMERS if options.quick else FULL_CUSTOMERS


# --- the data (simulated once, cached in bench-data/) -------------------------------------------


def _simulate_chunk(rng: np.random.Generator, first_id: int, n: int
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(customer ids, days since START, amounts) of ``n`` customers, sorted by day."""
    tp, ts = TRUE_PURCHASES, TRUE_SPEND
    first = rng.integers(0, ACQUISITION_DAYS, n)
    window = (CALIBRATION_END - START).days - first  # days observed after the first purchase
    lam = rng.gamma(tp["r"], 1 / tp["alpha"], n)
    last = rng.geometric(rng.beta(tp["a"], tp["b"], n))  # drops out after repeat purchase `last`
    arrivals = rng.poisson(lam * window)  # repeat purchases if the customer never dropped out
    kept = np.minimum(arrivals, last)
    # Given `arrivals` purchases in (0, window], their times are sorted uniforms; the customer
    # makes the first `kept` of them. A purchase at time u falls on day ceil(u) after the first.
    owner = np.repeat(np.arange(n), arrivals)
    times = rng.random(int(arrivals.sum())) * window[owner]
    order = np.lexsort((times, owner))
    times, owner = times[order], owner[order]
    rank = np.arange(len(times)) - np.repeat(np.cumsum(arrivals) - arrivals, arrivals)
    keep = rank < kept[owner]
    times, owner = times[keep], owner[keep]
    who = np.concatenate([np.arange(n), owner])
    day = np.concatenate([first, first[owner] + np.maximum(np.ceil(times), 1).astype(np.int64)])
    scale = 1 / rng.gamma(ts["q"], 1 / ts["gamma"], n)  # 1/ν: each customer's spend scale
    amount = np.round(rng.gamma(ts["p"], scale[who]), 2)
    by_day = np.argsort(day, kind="stable")
    return (who[by_day] + first_id).astype(np.int64), day[by_day], amount[by_day]


def ensure_data(customers: int, data_dir: Path = DATA_DIR) -> tuple[Path, dict[str, Any]]:
    """The simulated transactions of ``customers`` customers, generated once."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = data_dir / f"clv-{customers}-seed{SEED}.parquet"
    manifest_path = path.with_suffix(".manifest.json")
    if path.exists() and manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("version") == GENERATOR_VERSION:
            return path, manifest
    data_dir.mkdir(parents=True, exist_ok=True)
    print(f"  generating {customers:,} customers into {path.name}", flush=True)
    started = time.perf_counter()
    schema = pa.schema([("customer_id", pa.int64()), ("order_date", pa.date32()),
                        ("amount", pa.float64())])
    rows = 0
    tmp = path.with_suffix(".tmp")
    seeds = np.random.SeedSequence(SEED).spawn(-(-customers // CHUNK_CUSTOMERS))
    epoch = (START - dt.date(1970, 1, 1)).days
    with pq.ParquetWriter(tmp, schema) as writer:
        for k, seed in enumerate(seeds):
            n = min(CHUNK_CUSTOMERS, customers - k * CHUNK_CUSTOMERS)
            ids, days, amounts = _simulate_chunk(np.random.default_rng(seed),
                                                 k * CHUNK_CUSTOMERS + 1, n)
            dates = pa.array((days + epoch).astype(np.int32), pa.date32())
            writer.write_table(pa.table([ids, dates, amounts], schema=schema),
                               row_group_size=len(ids))
            rows += len(ids)
    os.replace(tmp, path)
    manifest = {"version": GENERATOR_VERSION, "customers": customers, "rows": rows,
                "seed": SEED, "purchases": TRUE_PURCHASES, "spend": TRUE_SPEND,
                "start": START.isoformat(), "calibration_end": CALIBRATION_END.isoformat(),
                "bytes": path.stat().st_size, "generated_s": time.perf_counter() - started}
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return path, manifest


# --- in the child processes ---------------------------------------------------------------------


def _say(msg: str) -> None:
    print(f"  {msg}", flush=True)


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - started


def measure_tenure(path: str, arrays: bool) -> dict[str, Any]:
    """One end-to-end run of ``fit_clv``, then the same building blocks timed one by one."""
    from tenure.clv import (
        ClvOptions,
        compress,
        fit_beta_geo,
        fit_clv,
        fit_gamma_gamma,
        predict_customers,
        summarize_transactions,
    )

    warm_file(Path(path))
    options = ClvOptions(horizon_months=HORIZON_MONTHS, discount_rate=DISCOUNT_RATE,
                         days_per_month=DAYS_PER_MONTH)
    before = current_rss_mib()
    reset_peak_rss()
    cpu = time.process_time()
    result, seconds = _timed(lambda: fit_clv(
        path, customer="customer_id", date_column="order_date", amount="amount",
        calibration_end=CALIBRATION_END, unit="day", model="bgnbd", options=options))
    cpu_s = time.process_time() - cpu
    peak = peak_rss_mib()
    assert result.spend is not None
    frame = result.predictions
    out: dict[str, Any] = {
        "seconds": seconds, "cpu_s": cpu_s, "rss_before_mib": before, "peak_rss_mib": peak,
        "customers": len(frame), "rows": result.summary.transactions,
        "params": {**result.purchases.model.params, **result.spend.model.params},
        "log_likelihood": result.purchases.log_likelihood,
        "spend_log_likelihood": result.spend.log_likelihood,
        "iterations": {"purchases": result.purchases.iterations,
                       "spend": result.spend.iterations},
    }
    del result
    # The same work in its parts, for where the time goes.
    s, t_summary = _timed(lambda: summarize_transactions(
        path, customer="customer_id", date_column="order_date", amount="amount",
        calibration_end=CALIBRATION_END, unit="day"))
    assert s.monetary_value is not None
    packed = compress(s.frequency, s.recency, s.T)
    pairs = compress(packed.columns[0], packed.columns[2])
    bg, t_bg = _timed(lambda: fit_beta_geo(s.frequency, s.recency, s.T))
    gg, t_gg = _timed(lambda: fit_gamma_gamma(s.frequency, s.monetary_value))
    _, t_predict = _timed(lambda: predict_customers(
        s, bg.model, gg.model, horizon_months=HORIZON_MONTHS, discount_rate=DISCOUNT_RATE,
        margin=1.0, days_per_month=DAYS_PER_MONTH))
    out["phases"] = {"summary": t_summary, "bgnbd": t_bg, "gamma_gamma": t_gg,
                     "predictions": t_predict}
    out["distinct_histories"] = len(packed.weights)
    out["distinct_x_T"] = len(pairs.weights)
    if arrays:
        out["arrays"] = {"customer": frame["customer_id"].to_numpy(),
                         **{c: frame[c].to_numpy() for c in
                            ("frequency", "recency", "T", "monetary_value", "p_alive",
                             "expected_purchases", "expected_spend", "clv")}}
    return out


def measure_lifetimes(path: str, arrays: bool) -> dict[str, Any]:
    """The same with lifetimes: read, summarise, fit both models, predict."""
    try:
        import pandas as pd
        from lifetimes import BetaGeoFitter, GammaGammaFitter
        from lifetimes.utils import summary_data_from_transaction_data
    except ImportError as exc:
        raise RuntimeError(f"{LIFETIMES_HINT} ({exc})") from None

    warm_file(Path(path))
    end = pd.Timestamp(CALIBRATION_END)
    before = current_rss_mib()
    reset_peak_rss()
    cpu = time.process_time()
    phases: dict[str, float] = {}
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df, phases["read"] = _timed(lambda: pd.read_parquet(path))
        summary, phases["summary"] = _timed(lambda: summary_data_from_transaction_data(
            df, "customer_id", "order_date", monetary_value_col="amount",
            observation_period_end=end, freq="D"))
        f, r, T, m = (summary[c] for c in ("frequency", "recency", "T", "monetary_value"))
        bgf = BetaGeoFitter()
        _, phases["bgnbd"] = _timed(lambda: bgf.fit(f, r, T))
        returning = summary[f > 0]
        ggf = GammaGammaFitter()
        _, phases["gamma_gamma"] = _timed(
            lambda: ggf.fit(returning["frequency"], returning["monetary_value"]))

        def predict() -> dict[str, Any]:
            return {
                "p_alive": bgf.conditional_probability_alive(f, r, T),
                "expected_purchases": np.asarray(
                    bgf.conditional_expected_number_of_purchases_up_to_time(
                        HORIZON_DAYS, f, r, T)),
                "expected_spend": np.asarray(ggf.conditional_expected_average_profit(f, m)),
                "clv": np.asarray(ggf.customer_lifetime_value(
                    bgf, f, r, T, m, time=HORIZON_MONTHS, discount_rate=DISCOUNT_RATE,
                    freq="D")),
            }

        predicted, phases["predictions"] = _timed(predict)
    seconds = time.perf_counter() - started
    out: dict[str, Any] = {
        "seconds": seconds, "cpu_s": time.process_time() - cpu, "rss_before_mib": before,
        "peak_rss_mib": peak_rss_mib(), "customers": len(summary), "rows": len(df),
        "params": {**{k: float(v) for k, v in bgf.params_.items()},
                   "p": float(ggf.params_["p"]), "q": float(ggf.params_["q"]),
                   "gamma": float(ggf.params_["v"])},
        "phases": phases,
        "warnings": sorted({f"{w.category.__name__}: {str(w.message)[:120]}" for w in caught}),
    }
    if arrays:
        out["arrays"] = {"customer": summary.index.to_numpy(),
                         **{c: summary[c].to_numpy() for c in
                            ("frequency", "recency", "T", "monetary_value")},
                         **{k: np.asarray(v) for k, v in predicted.items()}}
    return out


def _in_child(fn: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(fn, *args).result()


# --- comparing ----------------------------------------------------------------------------------


def _relative(a: np.ndarray, b: np.ndarray) -> float:
    """Largest |a - b| / max(|b|, 1e-12) over the customers (both arrays in customer order)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-12))) if len(b) else 0.0


def compare(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    """How far Tenure's parameters and predictions are from lifetimes'."""
    params = {k: abs(ours["params"][k] / theirs["params"][k] - 1) for k in PARAMS}
    out: dict[str, Any] = {"params_relative": params,
                           "params_max_relative": max(params.values())}
    a, b = ours["arrays"], theirs["arrays"]
    same = len(a["customer"]) == len(b["customer"]) and bool(
        np.array_equal(a["customer"], b["customer"]))
    out["same_customers"] = same
    if same:
        out["summary_identical"] = all(
            bool(np.allclose(a[c], b[c], rtol=1e-9, atol=1e-9))
            for c in ("frequency", "recency", "T", "monetary_value"))
        out["predictions_max_relative"] = {
            c: _relative(a[c], b[c]) for c in ("p_alive", "expected_purchases",
                                               "expected_spend", "clv")}
    return out


def _checks(customers: int, ours: dict[str, Any], theirs: dict[str, Any],
            parity: dict[str, Any]) -> list[str]:
    problems = []
    for side, res in (("tenure", ours), ("lifetimes", theirs)):
        if res["customers"] != customers:
            problems.append(f"{side} found {res['customers']:,} customers, not {customers:,}")
    if not parity["same_customers"]:
        problems.append("Tenure and lifetimes list different customers")
    if parity["params_max_relative"] > PARITY:
        problems.append(f"parameters differ by up to {parity['params_max_relative']:.2e} "
                        f"relative (goal ≤ {PARITY:g})")
    for name, diff in parity.get("predictions_max_relative", {}).items():
        if diff > PARITY:
            problems.append(f"{name} differs by up to {diff:.2e} relative (goal ≤ {PARITY:g})")
    return problems


# --- the benchmark ------------------------------------------------------------------------------


def run(options: Options) -> Outcome:
    customers = customer_count(options)
    print(f"{NAME}: {customers:,} customers, {options.repeat} repetition(s)", flush=True)
    path, manifest = ensure_data(customers, options.data_dir)
    load_before = os.getloadavg()[0]
    ours: list[dict[str, Any]] = []
    theirs: list[dict[str, Any]] = []
    spent = 0.0
    for i in range(options.repeat):
        t = _in_child(measure_tenure, str(path), i == 0)
        ours.append(t)
        _say(f"tenure #{i + 1}: {t['seconds']:.2f} s, peak {t['peak_rss_mib']:,.0f} MiB")
        if spent <= LIFETIMES_BUDGET_S:
            lt = _in_child(measure_lifetimes, str(path), i == 0)
            theirs.append(lt)
            spent += lt["seconds"]
            _say(f"lifetimes #{i + 1}: {lt['seconds']:.1f} s, peak "
                 f"{lt['peak_rss_mib']:,.0f} MiB")
    parity = compare(ours[0], theirs[0])
    for r in (*ours, *theirs):
        r.pop("arrays", None)
    problems = _checks(customers, ours[0], theirs[0], parity)
    t_med = statistics.median(r["seconds"] for r in ours)
    l_med = statistics.median(r["seconds"] for r in theirs)
    summary = {
        "tenure_s": spread([r["seconds"] for r in ours]),
        "lifetimes_s": spread([r["seconds"] for r in theirs]),
        "tenure_cpu_s": statistics.median(r["cpu_s"] for r in ours),
        "lifetimes_cpu_s": statistics.median(r["cpu_s"] for r in theirs),
        "tenure_peak_rss_mib": max(r["peak_rss_mib"] for r in ours),
        "lifetimes_peak_rss_mib": max(r["peak_rss_mib"] for r in theirs),
        "speedup": l_med / t_med,
        "speedup_cpu": (statistics.median(r["cpu_s"] for r in theirs)
                        / statistics.median(r["cpu_s"] for r in ours)),
        "tenure_phases": {k: statistics.median(r["phases"][k] for r in ours)
                          for k in ours[0]["phases"]},
        "lifetimes_phases": {k: statistics.median(r["phases"][k] for r in theirs)
                             for k in theirs[0]["phases"]},
    }
    data = {
        "customers": customers, "rows": manifest["rows"], "manifest": manifest,
        "repeat": options.repeat, "quick": options.quick, "command": options.command,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(), "lifetimes_version": _lifetimes_version(),
        "loadavg": {"before": load_before, "after": os.getloadavg()[0]},
        "tenure": ours, "lifetimes": theirs, "parity": parity, "summary": summary,
    }
    s = summary
    headers = ["measurement", "customers", "rows", "seconds", "CPU s", "peak RSS MiB", "ratio"]
    rows = [
        ["Tenure fit_clv", f"{customers:,}", f"{manifest['rows']:,}",
         _s(s["tenure_s"]["median"]), _s(s["tenure_cpu_s"]), f"{s['tenure_peak_rss_mib']:,.0f}",
         ""],
        ["lifetimes 0.11.3", f"{customers:,}", f"{manifest['rows']:,}",
         _s(s["lifetimes_s"]["median"]), _s(s["lifetimes_cpu_s"]),
         f"{s['lifetimes_peak_rss_mib']:,.0f}",
         f"÷ Tenure {s['speedup']:.1f}× (goal ≥ {SPEEDUP_GOAL:g}×)"],
        ["parameters, max relative difference", "", "", "", "", "",
         f"{parity['params_max_relative']:.1e}"],
    ]
    return Outcome(name=NAME, title=TITLE, headers=headers, rows=rows, data=data,
                   markdown=markdown(data), problems=problems)


def _lifetimes_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("lifetimes")
    except metadata.PackageNotFoundError:
        return "not installed"


def _s(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}" if x >= 10 else f"{x:.2f}"


# --- the docs section ---------------------------------------------------------------------------


def _goal(ok: bool) -> str:
    return "met" if ok else "**not met**"


def markdown(data: dict[str, Any]) -> str:
    """This benchmark's section of docs/benchmarks.md, from its results."""
    s, parity, info = data["summary"], data["parity"], data["machine"]
    ours, theirs = data["tenure"], data["lifetimes"]

    def rng(sp: dict[str, float]) -> str:
        return (f"{_s(sp['median'])} s ({_s(sp['min'])}–{_s(sp['max'])})"
                if sp["min"] != sp["max"] else f"{_s(sp['median'])} s")

    main = markdown_table(
        ["", "Tenure (`fit_clv`)", "lifetimes 0.11.3", "lifetimes ÷ Tenure"],
        [
            ["**end to end** (runs)", f"**{rng(s['tenure_s'])}** ({len(ours)})",
             f"{rng(s['lifetimes_s'])} ({len(theirs)})",
             f"**{s['speedup']:.1f}×** (goal ≥ {SPEEDUP_GOAL:g}×: "
             f"{_goal(s['speedup'] >= SPEEDUP_GOAL)})"],
            ["CPU seconds (all threads)", _s(s["tenure_cpu_s"]), _s(s["lifetimes_cpu_s"]),
             f"{s['speedup_cpu']:.1f}×"],
            ["peak RSS (MiB)", f"{s['tenure_peak_rss_mib']:,.0f}",
             f"{s['lifetimes_peak_rss_mib']:,.0f}",
             f"{s['lifetimes_peak_rss_mib'] / s['tenure_peak_rss_mib']:.1f}×"],
            ["RSS before (Python and the libraries loaded; MiB)",
             f"{ours[0]['rss_before_mib']:,.0f}", f"{theirs[0]['rss_before_mib']:,.0f}", ""],
        ])
    tp, lp = s["tenure_phases"], s["lifetimes_phases"]
    phases = markdown_table(
        ["phase (median seconds)", "Tenure", "lifetimes"],
        [
            ["read the file", "(in the summary: DuckDB reads the Parquet)",
             _s(lp["read"])],
            ["frequency / recency / T / mean repeat spend", _s(tp["summary"]),
             _s(lp["summary"])],
            ["fit BG/NBD", _s(tp["bgnbd"]), _s(lp["bgnbd"])],
            ["fit Gamma-Gamma", _s(tp["gamma_gamma"]), _s(lp["gamma_gamma"])],
            ["P(alive), expected purchases and spend, CLV", _s(tp["predictions"]),
             _s(lp["predictions"])],
        ])
    truth = {**data["manifest"]["purchases"], **data["manifest"]["spend"]}
    params = markdown_table(
        ["parameter", "simulated", "Tenure", "lifetimes", "relative difference"],
        [[k, f"{truth[k]:g}", f"{ours[0]['params'][k]:.6g}", f"{theirs[0]['params'][k]:.6g}",
          f"{parity['params_relative'][k]:.1e}"] for k in PARAMS])
    preds = parity.get("predictions_max_relative", {})
    pred_line = ", ".join(f"{k} {v:.1e}" for k, v in preds.items())
    quick = " (a `--quick` smoke run: not representative)" if data["quick"] else ""
    warned = "; ".join(theirs[0].get("warnings", [])) or "none"
    return reflow(f"""## {TITLE}{quick}

What it shows: how long it takes to go from a transaction file to every customer's CLV with
`tenure.clv.fit_clv` and with the `lifetimes` package doing the same steps, how much memory each
needs, and that both get the same answer. Measured by `benchmarks/clv_models.py`.

Input: {data['rows']:,} transactions of {data['customers']:,} customers simulated from BG/NBD
(r = {truth['r']:g}, α = {truth['alpha']:g} days, a = {truth['a']:g}, b = {truth['b']:g}) and
Gamma-Gamma (p = {truth['p']:g}, q = {truth['q']:g}, γ = {truth['gamma']:g}) spend, seed
{data['manifest']['seed']}: first purchases over 2024, observed to {CALIBRATION_END}, as
Parquet ({data['manifest']['bytes'] / 2**20:,.0f} MiB). Time unit days; CLV over
{HORIZON_MONTHS} months of {DAYS_PER_MONTH:g} days at {DISCOUNT_RATE:.0%} a month.

Machine: {machine_markdown(info)} lifetimes {data['lifetimes_version']}. The 1-minute load
average was {data['loadavg']['before']:.1f} before the runs and {data['loadavg']['after']:.1f}
after (other work shares this machine; CPU seconds are the steadier comparison).

Command:

```
{data['command']}
```

Each run is a fresh process with the libraries imported and the file in the page cache; peak
RSS is the run's own (VmHWM restarted). Medians, min–max in brackets:

{main}

Where the time goes:

{phases}

Tenure's phases are timed in a second pass over the same building blocks, each called on its
own (``fit_beta_geo`` then compresses the histories itself, which ``fit_clv`` does once for the
fit and the predictions), so they add up to a little more than the end-to-end time.

Tenure compresses the {data['customers']:,} customers to {ours[0]['distinct_histories']:,}
distinct (x, t_x, T) histories for the likelihood and P(alive), and to
{ours[0]['distinct_x_T']:,} distinct (x, T) pairs for the month-by-month expected purchases
(the hypergeometric function does not depend on t_x); lifetimes evaluates every customer.

Same answer: the parameters below agree to {parity['params_max_relative']:.1e} relative (check:
≤ {PARITY:g}); the summaries are identical
({'yes' if parity.get('summary_identical') else '**no**'}); per customer, the largest relative
differences are {pred_line}.

{params}

lifetimes 0.11.3 ran unchanged on pandas 2.3 / numpy 2 / SciPy 1.17 (no shim needed); warnings
it raised: {warned}.
""")
