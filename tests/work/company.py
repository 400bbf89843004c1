"""A small hand-made company for the check-in, logging and timeline tests.

Worked by hand as of 2026-06-30 (default settings: enterprise every 30 days, mid_market every
90, smb 0 = automated only; the toml below sets default_days = 45 for any other segment;
touchpoints: call, email, meeting, qbr by anyone but "automation"):

| account | segment    | paying since | last touchpoint by a person | due        | overdue |
|---------|------------|--------------|-----------------------------|------------|---------|
| e1      | enterprise | 2026-01-10   | call 2026-05-20             | 2026-06-19 | 11      |
| e2      | enterprise | 2026-06-15   | none                        | 2026-07-15 | no      |
| e3      | enterprise | 2026-01-10   | call 2026-05-01 (1)         | 2026-05-31 | 30      |
| m1      | mid_market | 2026-02-01   | none                        | 2026-05-02 | 59      |
| s1      | smb        | 2026-01-10   | none                        | never      | no      |
| p1      | partner    | 2026-01-10   | meeting 2026-05-10          | 2026-06-24 | 6       |
| x1      | enterprise | churned 2026-04-01: not paying, no row                            |

(1) e3's email of 2026-06-25 is by "automation": not a touchpoint.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.helpers import write_text

from tenure import App, import_file, init_workspace

AS_OF = date(2026, 6, 30)

TOML = "[checkins]\ndefault_days = 45\n"

ACCOUNTS = """account_id,name,segment,owner,created_at
e1,Ent One,enterprise,anna@csm.io,2026-01-01T00:00:00Z
e2,Ent Two,enterprise,anna@csm.io,2026-06-01T00:00:00Z
e3,Ent Three,enterprise,bob@csm.io,2026-01-01T00:00:00Z
m1,Mid One,mid_market,bob@csm.io,2026-01-01T00:00:00Z
s1,Small One,smb,bob@csm.io,2026-01-01T00:00:00Z
p1,Partner One,partner,anna@csm.io,2026-01-01T00:00:00Z
x1,Gone One,enterprise,anna@csm.io,2026-01-01T00:00:00Z
"""

SUBSCRIPTIONS = """subscription_id,account_id,mrr,valid_from,valid_to
s-e1,e1,1000,2026-01-10,
s-e2,e2,1000,2026-06-15,
s-e3,e3,1000,2026-01-10,
s-m1,m1,500,2026-02-01,
s-s1,s1,100,2026-01-10,
s-p1,p1,300,2026-01-10,
s-x1,x1,900,2026-01-10,2026-04-01
"""

ACTIVITIES = """activity_id,account_id,kind,occurred_at,actor,summary
a-e1,e1,call,2026-05-20T10:00:00Z,anna@csm.io,Renewal chat
a-e3a,e3,call,2026-05-01T10:00:00Z,bob@csm.io,Check-in
a-e3b,e3,email,2026-06-25T10:00:00Z,automation,Newsletter
a-p1,p1,meeting,2026-05-10T15:00:00Z,anna@csm.io,Partner sync
a-x1,x1,call,2026-06-20T10:00:00Z,anna@csm.io,Win-back
"""


def build_company(home: Path, *, toml: str = TOML) -> App:
    """The company above in a new workspace at ``home`` (returned open)."""
    home.mkdir(parents=True)
    write_text(home / "tenure.toml", toml)
    app = init_workspace(home)
    for table, text in (("accounts", ACCOUNTS), ("subscriptions", SUBSCRIPTIONS),
                        ("activities", ACTIVITIES)):
        import_file(app, table, write_text(home / f"{table}.csv", text))
    return app
