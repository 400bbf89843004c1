"""Lifetime-value commands: `tenure clv fit` on any transaction file (CSV or Parquet)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import ClvError
from . import FormatOpt, HomeOpt, OutputFormat, cli, emit_rows, out, parse_date, to_json

clv_cli = typer.Typer(help="Customer lifetime value from transactions: BG/NBD, MBG/NBD or "
                      "Pareto/NBD for purchases, Gamma-Gamma for spend.", no_args_is_help=True)
cli.add_typer(clv_cli, name="clv")

MODEL_LABELS = {"bgnbd": "BG/NBD", "mbgnbd": "MBG/NBD", "pareto": "Pareto/NBD"}
PREDICTION_SUFFIXES = (".csv", ".parquet", ".pq")


class UnitChoice(StrEnum):
    day = "day"
    week = "week"


class ModelChoice(StrEnum):
    bgnbd = "bgnbd"
    mbgnbd = "mbgnbd"
    pareto = "pareto"


@clv_cli.command("fit")
def fit(
    transactions: Annotated[Path, typer.Option(
        "--transactions", help="Transactions: CSV (with a header) or Parquet, one row per "
        "purchase.", show_default=False)],
    customer: Annotated[str, typer.Option(help="Column with the customer id.",
                                          show_default=False)],
    date: Annotated[str, typer.Option(help="Column with the purchase date (YYYY-MM-DD, ISO "
                                      "timestamp or YYYYMMDD).", show_default=False)],
    amount: Annotated[str | None, typer.Option(help="Column with the amount: adds the "
                                               "Gamma-Gamma spend model and CLV.",
                                               show_default=False)] = None,
    calibration_end: Annotated[str | None, typer.Option(
        "--calibration-end", help="Last day of the calibration period (default: the last "
        "transaction date).", show_default=False)] = None,
    holdout_end: Annotated[str | None, typer.Option(
        "--holdout-end", help="Last day of a holdout period after --calibration-end: compares "
        "predicted with actual repeat purchases.", show_default=False)] = None,
    unit: Annotated[UnitChoice, typer.Option(help="Time unit of the model.")] = UnitChoice.week,
    model: Annotated[ModelChoice, typer.Option(help="Purchase model.")] = ModelChoice.bgnbd,
    discount_rate: Annotated[float, typer.Option(
        "--discount-rate", help="Monthly discount rate for CLV.")] = 0.01,
    margin: Annotated[float, typer.Option(help="Share of spend that is profit (1: CLV as "
                                          "revenue).")] = 1.0,
    horizon_months: Annotated[int, typer.Option(
        "--horizon-months", help="CLV and expected purchases over this many months.")] = 12,
    predictions: Annotated[Path | None, typer.Option(
        "--predictions", help="Write one row per customer to this file (.csv or .parquet).",
        show_default=False)] = None,
    home: HomeOpt = None,  # accepted for uniformity: the command reads only the file given
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Fit purchase and spend models to a transaction file and predict each customer's value.

    JSON has model, unit, customers, params, log_likelihood; with --amount a spend object
    (Gamma-Gamma p, q, gamma) and clv totals; with --holdout-end a holdout object (predicted
    and actual repeat purchases, in total and by calibration frequency 0-6 and 7+).
    Conventions and formulas: docs/clv.md.
    """
    from ..clv import ClvOptions, fit_clv

    if predictions is not None and predictions.suffix.lower() not in PREDICTION_SUFFIXES:
        raise typer.BadParameter("use a .csv or .parquet file name", param_hint="--predictions")
    result = fit_clv(
        transactions, customer=customer, date_column=date, amount=amount,
        calibration_end=parse_date(calibration_end, "--calibration-end"),
        holdout_end=parse_date(holdout_end, "--holdout-end"), unit=unit.value,
        model=model.value,
        options=ClvOptions(horizon_months=horizon_months, discount_rate=discount_rate,
                           margin=margin))
    data = result.as_dict()
    if predictions is not None:
        _write_predictions(result.predictions, predictions, with_spend=amount is not None)
        data["predictions"] = str(predictions)
    if fmt is OutputFormat.json:
        print(to_json(data))
    elif fmt is OutputFormat.csv:
        emit_rows(_flat_rows(data), fmt, columns=["section", "name", "value"])
    else:
        _print_table(data)


def _write_predictions(frame: Any, path: Path, *, with_spend: bool) -> None:
    columns = [c for c in frame.columns
               if with_spend or c not in ("monetary_value", "expected_spend", "clv")]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix.lower() == ".csv":
            frame[columns].to_csv(path, index=False)
        else:
            frame[columns].to_parquet(path, index=False)
    except OSError as exc:
        raise ClvError(f"cannot write {path}: {exc.strerror or exc}") from None


def _flat_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [{"section": "model", "name": k, "value": data[k]}
                                  for k in ("model", "unit", "customers", "log_likelihood")]
    rows += [{"section": "params", "name": k, "value": v} for k, v in data["params"].items()]
    if "spend" in data:
        rows += [{"section": "spend", "name": k, "value": v}
                 for k, v in data["spend"]["params"].items()]
        rows += [{"section": "clv", "name": k, "value": v} for k, v in data["clv"].items()]
    if "holdout" in data:
        rows += [{"section": "holdout", "name": k, "value": data["holdout"][k]}
                 for k in ("actual", "predicted")]
    return rows


def _print_table(data: dict[str, Any]) -> None:
    params = " · ".join(f"{k} {v:.4g}" for k, v in data["params"].items())
    out.print(f"{MODEL_LABELS[data['model']]} on {data['customers']:,} customers "
              f"({data['repeat_customers']:,} with repeat purchases), time in {data['unit']}s, "
              f"calibration to {data['calibration_end']}: {params}; "
              f"log-likelihood {data['log_likelihood']:,.2f}")
    out.print(f"Expected purchases over {data['horizon_months']} months: "
              f"{data['expected_purchases']:,.1f}; mean P(alive) {data['p_alive_mean']:.2f}")
    if "spend" in data:
        spend = data["spend"]
        sp = " · ".join(f"{k} {v:.4g}" for k, v in spend["params"].items())
        out.print(f"Gamma-Gamma spend on {spend['customers']:,} repeat customers: {sp}; "
                  f"mean spend per purchase {spend['population_mean']:,.2f}; "
                  f"log-likelihood {spend['log_likelihood']:,.2f}")
        clv = data["clv"]
        out.print(f"CLV over {data['horizon_months']} months (discount "
                  f"{data['discount_rate']:.2%}/month, margin {data['margin']:.0%}): total "
                  f"{clv['total']:,.2f}, mean {clv['mean']:,.2f}, median {clv['median']:,.2f}")
    if "holdout" in data:
        h = data["holdout"]
        emit_rows([{"frequency": b["frequency"], "customers": b["customers"],
                    "actual": b["actual_mean"], "predicted": b["predicted_mean"]}
                   for b in h["by_frequency"]], OutputFormat.table, console=out,
                  title=f"Holdout to {data['holdout_end']} ({h['length']:.3g} {data['unit']}s): "
                  f"{h['actual']:,.0f} repeat purchases, {h['predicted']:,.1f} predicted; per "
                  "customer by calibration frequency")
    if "predictions" in data:
        out.print(f"Predictions: {data['predictions']}")
