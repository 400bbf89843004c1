"""`tenure renewals`: the coming quarter's renewals, their risk and the expected retention."""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
import typer

from ..errors import HealthError
from . import FormatOpt, HomeOpt, OutputFormat, cli, emit_rows, open_workspace, out, to_json


@cli.command()
def renewals(
    quarter: Annotated[str | None, typer.Option(
        "--quarter", help="The quarter, e.g. 2027Q1 (default: the quarter after the latest "
        "scoring run's day).", show_default=False)] = None,
    by: Annotated[str, typer.Option(
        "--by", help="Which groups the table shows: owner, segment or total.")] = "owner",
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Renewals due in a quarter from the latest scoring run: the probability each renews,
    the ARR at risk, and the expected gross retention with a 90% interval per owner and
    segment (needs a churn model: `tenure churn train`, then `tenure score`)."""
    from ..health.history import snapshots
    from ..renewals import forecast

    if by not in ("owner", "segment", "total"):
        raise typer.BadParameter("use owner, segment or total", param_hint="--by")
    with open_workspace(home) as app:
        rows = snapshots(app.store, sort="name")
    frame = pd.DataFrame(rows)
    if frame["churn_probability"].isna().all():
        raise HealthError("the latest scoring run has no churn probabilities: run `tenure churn "
                          "train`, then `tenure score`")
    as_of = frame["as_of"].max()
    try:
        result = forecast(frame, as_of=as_of, quarter=quarter)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--quarter") from None
    if fmt is OutputFormat.json:
        print(to_json({**result.as_dict(), "as_of": as_of}))
        return
    if fmt is OutputFormat.csv:
        emit_rows(result.accounts.to_dict("records"), fmt)
        return
    cur = rows[0]["currency"] if rows else ""

    def pct(v: Any) -> str:
        return "n/a" if v is None or v != v else f"{100 * v:.1f}%"

    total = result.groups[0]
    out.print(f"[bold]Renewals {result.quarter}[/bold] ({result.start} to {result.end}), from the "
              f"scoring run of {as_of}: {total['accounts']:,} accounts, ARR {cur} "
              f"{total['arr_renewing']:,.0f}, at risk {cur} {total['arr_at_risk']:,.0f}")
    out.print(f"  expected gross retention {pct(total['expected_grr'])} "
              f"(90% interval {pct(total['grr_low'])}–{pct(total['grr_high'])})")
    if by != "total":
        emit_rows([{by: g["value"], "accounts": g["accounts"],
                    f"ARR ({cur})": f"{g['arr_renewing']:,.0f}",
                    f"at risk ({cur})": f"{g['arr_at_risk']:,.0f}",
                    "expected GRR": pct(g["expected_grr"]),
                    "90% interval": f"{pct(g['grr_low'])}–{pct(g['grr_high'])}"}
                   for g in result.groups if g["by"] == by],
                  fmt, title=f"By {by}", console=out)
    top = result.accounts.head(10)
    emit_rows([{"account": r["account_id"], "name": r["name"], "renews": r["renewal_date"],
                "ARR": f"{r['arr']:,.0f}", "P(renew)": pct(r["renewal_probability"]),
                "at risk": f"{r['arr_at_risk']:,.0f}"} for r in top.to_dict("records")],
              fmt, title="Most ARR at risk", console=out)
