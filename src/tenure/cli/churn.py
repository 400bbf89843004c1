"""Churn-risk commands: `tenure churn train | evaluate | explain`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..churn.labels import DEFAULT_HORIZON_DAYS
from . import (
    FormatOpt,
    HomeOpt,
    OutputFormat,
    ProgressReporter,
    cli,
    emit_rows,
    err,
    open_workspace,
    out,
    parse_date,
    to_json,
    today,
)

churn_cli = typer.Typer(help="Churn risk: train, evaluate and explain the model.",
                        no_args_is_help=True)
cli.add_typer(churn_cli, name="churn")

AsOfOpt = Annotated[str | None, typer.Option(
    "--as-of", help="As of the end of this day, from data up to it (default: the last day "
    "with data).", show_default=False)]
HorizonOpt = Annotated[int, typer.Option(
    "--horizon", help="Days after each as-of date in which churn counts.", min=1)]
LabelOpt = Annotated[str | None, typer.Option(
    "--label-attribute", help="Learn from a single snapshot: the accounts-file column "
    "(attribute) holding 0/1 or true/false churn labels; judged by k-fold by account.",
    show_default=False)]

SERIES = (("model", "Churn model", ""), ("baseline", "Logistic baseline", "_baseline"),
          ("health", "Health score", "_health"))


def _figure(v: float | None, digits: int = 3) -> str:
    return "n/a" if v is None else f"{v:.{digits}f}"


def _span(months: list[Any]) -> str:
    if not months:
        return ""
    return str(months[0]) if len(months) == 1 else f"{months[0]} to {months[-1]}"


def _figures(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"predictor": label, "auc": report.get(f"auc{sfx}"),
             "pr_auc": report.get(f"pr_auc{sfx}"), "brier": report.get(f"brier{sfx}"),
             "top_decile_lift": report.get(f"top_decile_lift{sfx}")}
            for _, label, sfx in SERIES]


def _validation_text(v: dict[str, Any]) -> str:
    if v.get("kind") == "k-fold":
        return (f"{v['folds']}-fold cross-validation by account on {v['accounts']:,} labelled "
                f"accounts as of {v['as_of']}")
    plans = v.get("plans") or []
    parts = [f"{p['judged_months'][0]} by a model of {len(p['train_months'])} month ends "
             f"({p['train_months'][0]} to {p['train_months'][-1]}), calibrated on "
             f"{p['calibration_months'][0]} to {p['calibration_months'][-1]}" for p in plans]
    return "out of time: judged " + "; ".join(parts)


def _print_report(report: dict[str, Any], title: str) -> None:
    out.print(f"[bold]{title}[/bold]", highlight=False)
    out.print(f"  {report['rows']:,} rows judged, {report['churned']:,} churned "
              f"({100 * (report['churn_rate'] or 0):.1f}%) within {report['horizon_days']} days",
              highlight=False)
    out.print(f"  {_validation_text(report['validation'])}", highlight=False)
    rows = [{"predictor": r["predictor"], "AUC": _figure(r["auc"]),
             "PR-AUC": _figure(r["pr_auc"]), "Brier": _figure(r["brier"], 4),
             "top-decile lift": "n/a" if r["top_decile_lift"] is None
             else f"{r['top_decile_lift']:.1f}x"} for r in _figures(report)]
    emit_rows(rows, OutputFormat.table, console=out)
    if report.get("chart"):
        out.print(f"Calibration chart: {report['chart']}", highlight=False)


@churn_cli.command("train")
def train_cmd(
    as_of: AsOfOpt = None,
    horizon: HorizonOpt = DEFAULT_HORIZON_DAYS,
    label_attribute: LabelOpt = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Fit the churn model on the history, judge it, and save it as the next version."""
    from ..churn import train
    from ..churn.evaluation import clean

    progress = ProgressReporter(err)
    stamp = today()
    with open_workspace(home) as app, progress.running():
        card, ev = train(app, created=stamp, as_of=parse_date(as_of, "--as-of"),
                         horizon_days=horizon, label_attribute=label_attribute,
                         progress=progress)
    data = {**card.as_dict(), "chart": ev.report.get("chart")}
    if fmt is OutputFormat.json:
        print(to_json(clean(data)))
        return
    if fmt is OutputFormat.csv:
        emit_rows([{"version": card.name, **r} for r in _figures(card.metrics)], fmt)
        return
    out.print(f"Saved churn model {card.name} to {card.path}", highlight=False)
    out.print(f"  churn within {card.horizon_days} days ({card.label}); learned from "
              f"{card.rows['train']:,} rows ({_span(card.train_months)}), {card.calibration} "
              f"calibration on {card.rows['calibration']:,} rows "
              f"({_span(card.calibration_months)}); {len(card.features)} features",
              highlight=False)
    kind = card.metrics["validation"]["kind"]
    _print_report({**card.metrics, "chart": ev.report.get("chart")},
                  f"Fitted the same way, judged {kind}:")


@churn_cli.command("evaluate")
def evaluate_cmd(
    as_of: AsOfOpt = None,
    horizon: HorizonOpt = DEFAULT_HORIZON_DAYS,
    label_attribute: LabelOpt = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Folder for the calibration chart (default: WORKSPACE/reports).",
        show_default=False)] = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Judge the churn model out of time (or by k-fold on a labelled snapshot) beside a
    logistic-regression baseline and the health score."""
    from ..churn import evaluate
    from ..churn.evaluation import clean

    progress = ProgressReporter(err)
    with open_workspace(home) as app, progress.running():
        ev = evaluate(app, as_of=parse_date(as_of, "--as-of"), horizon_days=horizon,
                      label_attribute=label_attribute, reports_dir=out_dir,
                      progress=progress)
    if fmt is OutputFormat.json:
        print(to_json(clean(ev.report)))
        return
    if fmt is OutputFormat.csv:
        emit_rows(_figures(ev.report), fmt)
        return
    _print_report(ev.report, f"Churn model evaluation as of {ev.as_of}")
    for m in ev.report.get("months") or []:
        out.print(f"  {m['as_of']}: {m['rows']:,} accounts, {m['churned']:,} churned · AUC "
                  f"model {_figure(m['auc'])}, baseline {_figure(m['auc_baseline'])}, "
                  f"health {_figure(m['auc_health'])}", highlight=False)


@churn_cli.command("explain")
def explain_cmd(
    account: Annotated[str, typer.Argument(help="The account id.")],
    as_of: AsOfOpt = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """One account's churn probability and what pushes it up or down (the contributions of
    the latest model's features, which add up to its raw score)."""
    from ..churn.runs import explain_account

    with open_workspace(home) as app:
        data = explain_account(app, account, as_of=parse_date(as_of, "--as-of"))
    if fmt is OutputFormat.json:
        print(to_json(data))
        return
    rows = [{"driver": c["text"], "push": c["contribution"],
             "effect": "raises risk" if c["contribution"] > 0 else "lowers risk"}
            for c in data["contributions"] if c["contribution"] != 0]
    if fmt is OutputFormat.csv:
        emit_rows([{"feature": c["feature"], "value": c["value"],
                    "contribution": c["contribution"], "text": c["text"]}
                   for c in data["contributions"]], fmt)
        return
    title = (f"{account}: {100 * data['churn_probability']:.1f}% chance of churning within "
             f"{data['horizon_days']} days (model {data['model']}, as of {data['as_of']})")
    emit_rows(rows[:12], OutputFormat.table, title=title, console=out)
    out.print(f"Pushes in log-odds: the model's average {data['expected_value']:+.2f} plus all "
              f"{len(data['contributions'])} pushes gives {data['raw_score']:+.2f}.",
              highlight=False)
    for d in data["drivers"]:
        out.print(f"  driver: {d}", highlight=False)
