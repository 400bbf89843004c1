"""People and access on the command line: `tenure user add | list | set | token | tokens |
revoke-token`, `tenure audit`,
and `tenure serve` (the REST API on uvicorn)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from ..app import App

from . import FormatOpt, HomeOpt, OutputFormat, cli, emit_rows, err, now, open_workspace, out

user_app = typer.Typer(help="People who use the dashboard and the API: add, list, change, "
                       "tokens.",
                       no_args_is_help=True)
cli.add_typer(user_app, name="user")

EmailArg = Annotated[str, typer.Argument(help="The person's email (their login).")]
USER_COLUMNS = ["id", "email", "name", "role", "active", "created_at", "last_login_at"]


@user_app.command("add")
def user_add(
    email: EmailArg,
    role: Annotated[str, typer.Option(
        "--role", help="admin, manager (all accounts), csm (their own book) or viewer "
        "(read only, no personal data).")] = "csm",
    name: Annotated[str | None, typer.Option("--name", help="Their name.",
                                             show_default=False)] = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Add a person; prints a generated password once (it is not kept)."""
    from ..access import add_user, record_audit

    with open_workspace(home) as app:
        user, password = add_user(app.store, email=email, role=role, name=name, now=now())
        record_audit(app.store, who=None, action="user.add", via="cli", now=now(),
                     object_type="user", object_id=str(user["id"]),
                     detail={"email": user["email"], "role": role})
    if fmt is OutputFormat.json:
        from .output import to_json

        print(to_json({**{k: user[k] for k in USER_COLUMNS}, "password": password}))
        return
    out.print(f"Added {user['email']} ({role}).", highlight=False)
    out.print(f"Password (shown once, not kept): {password}", highlight=False)


@user_app.command("list")
def user_list(home: HomeOpt = None, fmt: FormatOpt = OutputFormat.table) -> None:
    """Everyone who may sign in, with their role and last login."""
    from ..access import list_users

    with open_workspace(home) as app:
        rows = list_users(app.store)
    emit_rows(rows, fmt, columns=USER_COLUMNS, title=f"Users ({len(rows)})", console=out)


@user_app.command("token")
def user_token(
    email: EmailArg,
    name: Annotated[str, typer.Option("--name", help="What the token is for.")] = "api",
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Make a personal API token for a person; prints it once (only its hash is kept)."""
    from ..access import issue_token, record_audit

    with open_workspace(home) as app:
        row, token = issue_token(app.store, email=email, name=name, now=now())
        record_audit(app.store, who=None, action="token.issue", via="cli", now=now(),
                     object_type="api_token", object_id=str(row["id"]),
                     detail={"user": row["user"], "name": name, "prefix": row["prefix"]})
    if fmt is OutputFormat.json:
        from .output import to_json

        print(to_json({**row, "token": token}))
        return
    out.print(f"Token {row['prefix']}… for {row['user']} ({name}); shown once, not kept:",
              highlight=False)
    out.print(token, highlight=False)


def _user_id(app: App, email: str) -> int:
    from ..access import list_users, normalise_email
    from ..errors import AccessError

    address = normalise_email(email)
    for u in list_users(app.store):
        if u["email"] == address:
            return int(u["id"])
    raise AccessError(f"no user {address} (tenure user list shows them)")


@user_app.command("set")
def user_set(
    email: EmailArg,
    role: Annotated[str | None, typer.Option("--role", help="A new role.",
                                             show_default=False)] = None,
    disable: Annotated[bool, typer.Option("--disable", help="Switch the person off: they "
                                          "can no longer sign in, their sessions end and "
                                          "their API tokens stop working.")] = False,
    enable: Annotated[bool, typer.Option("--enable", help="Switch them on again.")] = False,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Change a person's role, or switch them off or on. The last admin cannot be
    demoted or switched off."""
    from ..access import record_audit, update_user

    if disable and enable:
        raise typer.BadParameter("--disable or --enable, not both", param_hint="--disable")
    if role is None and not disable and not enable:
        raise typer.BadParameter("nothing to change: give --role, --disable or --enable",
                                 param_hint="--role")
    active = False if disable else True if enable else None
    with open_workspace(home) as app:
        user = update_user(app.store, _user_id(app, email), role=role, active=active)
        record_audit(app.store, who=None, action="user.update", via="cli", now=now(),
                     object_type="user", object_id=str(user["id"]),
                     detail={"email": user["email"], "role": role, "active": active})
    emit_rows([user], fmt, columns=USER_COLUMNS, title="User", console=out)


@user_app.command("tokens")
def user_tokens(
    email: Annotated[str | None, typer.Argument(help="Only this person's tokens.",
                                                show_default=False)] = None,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """The API tokens (their prefix, name and dates; never the tokens)."""
    from ..access import list_tokens

    with open_workspace(home) as app:
        rows = list_tokens(app.store, email=email)
    emit_rows(rows, fmt, columns=["id", "user", "name", "prefix", "created_at",
                                  "last_used_at", "revoked_at"],
              title=f"API tokens ({len(rows)})", console=out)


@user_app.command("revoke-token")
def user_revoke_token(
    token_id: Annotated[int, typer.Argument(help="The token's id (tenure user tokens).")],
    home: HomeOpt = None,
) -> None:
    """Revoke an API token: every later request with it is refused (401)."""
    from ..access import record_audit, revoke_token

    with open_workspace(home) as app:
        row = revoke_token(app.store, token_id, now=now())
        record_audit(app.store, who=None, action="token.revoke", via="cli", now=now(),
                     object_type="api_token", object_id=str(token_id),
                     detail={"user": row["user"], "prefix": row["prefix"]})
    out.print(f"Revoked token {row['prefix']}… of {row['user']}.", highlight=False)


@cli.command()
def audit(
    user: Annotated[str | None, typer.Option("--user", help="Only this person's actions.",
                                             show_default=False)] = None,
    account: Annotated[str | None, typer.Option("--account", help="Only this account.",
                                                show_default=False)] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many.")] = 100,
    home: HomeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """The audit log, newest first: who read whose personal data, who changed what."""
    from ..access import audit_entries

    with open_workspace(home) as app:
        rows = audit_entries(app.store, user=user, account_id=account, limit=limit)
    emit_rows(rows, fmt, columns=["at", "user", "action", "object_type", "object_id",
                                  "account_id", "via", "detail"],
              title=f"Audit log ({len(rows)})", console=out)


@cli.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535,
                                      help="Port (0: any free one).")] = 8000,
    workers: Annotated[int, typer.Option(
        "--workers", min=1, max=64, help="Server processes (each with its own database "
        "connections); 1 serves from this process.")] = 1,
    home: HomeOpt = None,
) -> None:
    """Serve the REST API (/api/v1) and the dashboard until interrupted."""
    import os

    import uvicorn

    from ..api import build_api
    from ..app import HOME_ENV

    app = open_workspace(home)  # migrated once here, before any worker starts
    try:
        if host not in ("127.0.0.1", "localhost", "::1"):
            err.print("note: serving beyond this machine; put it behind HTTPS (session "
                      "cookies are marked Secure).", highlight=False)
        out.print(f"Tenure on http://{host}:{port}/ (API under /api/v1; Ctrl-C stops it)",
                  highlight=False)
        if workers > 1:
            # Workers are separate processes that import the app: tenure.api.server builds
            # it in each from $TENURE_HOME.
            os.environ[HOME_ENV] = str(app.home)
            uvicorn.run("tenure.api.server:create", factory=True, workers=workers, host=host,
                        port=port, log_level="warning", server_header=False)
        else:
            uvicorn.run(build_api(app), host=host, port=port, log_level="warning",
                        server_header=False)
    finally:
        app.close()
