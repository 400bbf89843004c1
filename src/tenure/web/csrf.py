"""CSRF tokens for the dashboard's forms.

A signed-in browser's token is an HMAC of its session cookie (keyed with the session
signer's secret, its own salt): it changes with every login, needs no storage, and a page on
another site cannot read it. Before login there is no session, so the login form's token is
an HMAC of a random value kept in its own short cookie (``tenure_csrf``). Every POST of the
pages checks the token (:func:`check`); a missing or wrong one is 403.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request
from itsdangerous import Signer

from ..api.deps import SESSION_COOKIE
from ..errors import PermissionDenied

FIELD = "csrf_token"
PRELOGIN_COOKIE = "tenure_csrf"


def _signer(request: Request) -> Signer:
    key = request.app.state.signer.secret_keys[-1]
    return Signer(key, salt="tenure.csrf")


def token_for(request: Request, seed: str) -> str:
    """The token of a session cookie (or of the pre-login random value)."""
    return _signer(request).get_signature(seed.encode("utf-8")).decode("ascii")


def new_seed() -> str:
    return secrets.token_urlsafe(24)


def session_token(request: Request) -> str:
    """The token for the forms of the signed-in session ("" without a session cookie)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    return token_for(request, cookie) if cookie else ""


def check(request: Request, sent: str | None, *, seed: str | None) -> None:
    """Raise PermissionDenied (403) unless ``sent`` is the token of ``seed``."""
    if not seed or not sent or not hmac.compare_digest(sent, token_for(request, seed)):
        raise PermissionDenied("the form has expired or did not come from this site: "
                               "reload the page and try again")


def check_session(request: Request, sent: str | None) -> None:
    check(request, sent, seed=request.cookies.get(SESSION_COOKIE))
