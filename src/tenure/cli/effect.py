"""`tenure playbooks effect`: churn after each playbook's tasks against matched accounts."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from . import (
    FormatOpt,
    HomeOpt,
    OutputFormat,
    emit_rows,
    open_workspace,
    out,
    parse_date,
    to_json,
    today,
)
from .playbooks import playbooks_app

# The columns of one row per playbook, in the order scripts and people read them.
COLUMNS = ("playbook", "tasks", "treated_accounts", "treated_churn", "control_accounts",
           "control_churn", "difference_pp", "ci_low_pp", "ci_high_pp", "relative_change",
           "strata_used", "strata_skipped", "treated_skipped", "saved", "churned", "expanded",
           "no_action_needed", "note")


def _rounded(row: dict[str, Any]) -> dict[str, Any]:
    """Rates to 6 decimals and percentage points to 4: enough for any decision, and stable
    output for scripts (no float noise)."""
    def r(key: str, v: Any) -> Any:
        if isinstance(v, float):
            return round(v, 4 if key.endswith("_pp") else 6)
        if isinstance(v, list):
            return [r(key, x) for x in v]
        if isinstance(v, dict):
            return {k: r(k, x) for k, x in v.items()}
        return v

    return {k: r(k, v) for k, v in row.items()}


def _pct(v: float | None) -> str:
    return "" if v is None else f"{100 * v:.1f}%"


def _pp(v: float | None) -> str:
    return "" if v is None else f"{v:+.1f}"


@playbooks_app.command("effect")
def effect(
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Judge from data up to this day (default: today).",
        show_default=False)] = None,
    horizon: Annotated[int | None, typer.Option(
        "--horizon", help="Churn within this many days after a task (default: "
        "playbooks.effect_horizon_days, 90).", min=1, show_default=False)] = None,
    playbook: Annotated[str | None, typer.Option(
        "--playbook", help="Only this playbook.", show_default=False)] = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Did a playbook's tasks help? Churn of accounts that got its task against comparable
    accounts (same segment and health band on the same day) that did not. Observational:
    tasks are not randomised."""
    from ..playbooks.effect import playbook_effect

    day = parse_date(as_of, "--as-of") or today()
    with open_workspace(home) as app:
        report = playbook_effect(app, as_of=day, horizon_days=horizon, playbook=playbook)
    rows = [_rounded(p.as_dict()) for p in report.playbooks]
    if fmt is OutputFormat.json:
        print(to_json(rows))
        return
    if fmt is OutputFormat.csv:
        emit_rows(rows, fmt, columns=COLUMNS)
        return
    if not rows:
        out.print("No playbook tasks yet: playbooks make tasks at the end of `tenure score`.")
        return
    shown: list[dict[str, Any]] = [{
        "playbook": r["playbook"], "tasks": r["tasks"], "treated": r["treated_accounts"],
        "treated churn": _pct(r["treated_churn"]), "controls": r["control_accounts"],
        "control churn": _pct(r["control_churn"]), "difference (pp)": _pp(r["difference_pp"]),
        "95% CI (pp)": ("" if r["ci_low_pp"] is None
                        else f"{r['ci_low_pp']:+.1f} to {r['ci_high_pp']:+.1f}"),
        "saved": r["saved"], "churned": r["churned"], "expanded": r["expanded"],
        "no action": r["no_action_needed"]} for r in rows]
    emit_rows(shown, fmt, console=out,
              title=f"Churn within {report.horizon_days} days of a playbook's task, as of "
              f"{report.as_of} (tasks up to {report.judged_through or '-'} judged)")
    for r in rows:
        if r["note"]:
            out.print(f"{r['playbook']}: {r['note']}")
        elif r["strata_skipped"]:
            out.print(f"{r['playbook']}: {r['strata_skipped']} segment-band group(s) without "
                      f"comparable accounts skipped ({r['treated_skipped']} treated account(s) "
                      "left out)")
    out.print(report.caveat)
    out.print("Treated: accounts that got the playbook's task; controls: accounts paying that "
              "day with the same segment and band and no such task within the horizon either "
              "side. Outcomes: closed tasks.")
