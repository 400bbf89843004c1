"""How one message leaves Tenure: email over SMTP, a Slack incoming webhook, a plain webhook.

A transport sends one message and either returns (the other side accepted it) or raises
:class:`DeliveryFailure`, saying whether trying again can help (``permanent``) and, when the
other side asked for it, how long to wait (``retry_after``). The outbox (``outbox.py``) decides
what to do with that; transports know nothing of the database.

Error texts are redacted before they leave this module: no SMTP password, no webhook URL (a
Slack incoming-webhook URL is a credential) and no recipient address ends up in
``last_error`` or a log line.
"""

from __future__ import annotations

import hashlib
import html
import http.client
import json
import smtplib
import socket
import ssl
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from ..settings import NotificationSettings

# HTTP answers that mean "not now" rather than "never" (RFC 9110: 408 Request Timeout,
# RFC 6585: 429 Too Many Requests); every 5xx is the server's trouble, so also worth a retry.
RETRYABLE_HTTP = frozenset({408, 429})
USER_AGENT = "Tenure-Outbox/1"


class DeliveryFailure(Exception):
    """One attempt failed. ``permanent``: trying again cannot help (a 4xx, a refused
    recipient); ``retry_after``: seconds the other side asked us to wait (HTTP Retry-After)."""

    def __init__(self, message: str, *, permanent: bool = False,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


@dataclass(frozen=True)
class OutgoingMessage:
    """What a transport needs of one outbox row."""

    id: int
    channel: str
    recipient: str
    subject: str | None
    body: str
    payload: dict[str, Any] | None
    dedup_key: str
    account_id: str | None = None
    task_id: int | None = None

    @property
    def idempotency_key(self) -> str:
        """Stable for the life of the message (every attempt carries the same one), so a
        receiver can drop the duplicate of an attempt that succeeded but was not recorded."""
        return hashlib.sha256(self.dedup_key.encode("utf-8")).hexdigest()[:32]


def configured(channel: str, settings: NotificationSettings) -> bool:
    """Whether ``channel`` has somewhere to go (an unconfigured channel keeps its messages
    queued)."""
    return bool({"email": settings.smtp_host, "slack": settings.slack_webhook_url,
                 "webhook": settings.webhook_url}.get(channel))


def send(message: OutgoingMessage, settings: NotificationSettings, *, now: datetime) -> None:
    """Send ``message`` on its channel; raise :class:`DeliveryFailure` when it was not
    accepted."""
    secrets = _secrets(settings, message)
    try:
        if message.channel == "email":
            send_email(message, settings, now=now)
        elif message.channel == "slack":
            post_json(settings.slack_webhook_url, _slack_body(message), message,
                      timeout=settings.timeout_seconds, now=now)
        elif message.channel == "webhook":
            post_json(settings.webhook_url, _webhook_body(message), message,
                      timeout=settings.timeout_seconds, now=now)
        else:
            raise DeliveryFailure(f"unknown channel {message.channel!r}", permanent=True)
    except DeliveryFailure as exc:
        raise DeliveryFailure(redact(str(exc), secrets), permanent=exc.permanent,
                              retry_after=exc.retry_after) from None


# --- email ------------------------------------------------------------------------------


def message_id(message: OutgoingMessage, settings: NotificationSettings) -> str:
    """``<tenure-{id}-{hash of the dedup key}@{host}>``: the same for every attempt of a
    message, so mail systems that see it twice drop the copy (RFC 5322 section 3.6.4)."""
    host = settings.from_address.rpartition("@")[2] or "localhost"
    return f"<tenure-{message.id}-{message.idempotency_key[:16]}@{host}>"


def build_email(message: OutgoingMessage, settings: NotificationSettings, *,
                now: datetime) -> EmailMessage:
    """The email: plain text with an HTML alternative (the payload's ``html``, else the text
    escaped)."""
    mail = EmailMessage()
    mail["From"] = settings.from_address
    mail["To"] = message.recipient
    mail["Subject"] = message.subject or "Tenure"
    mail["Date"] = format_datetime(now.replace(tzinfo=UTC))
    mail["Message-ID"] = message_id(message, settings)
    # RFC 3834: an automatic message, so auto-responders do not answer it.
    mail["Auto-Submitted"] = "auto-generated"
    mail["X-Tenure-Notification-Id"] = str(message.id)
    mail.set_content(message.body)
    html_body = (message.payload or {}).get("html")
    if not isinstance(html_body, str) or not html_body:
        html_body = f"<pre style=\"font-family: sans-serif\">{html.escape(message.body)}</pre>"
    mail.add_alternative(html_body, subtype="html")
    return mail


def send_email(message: OutgoingMessage, settings: NotificationSettings, *,
               now: datetime) -> None:
    """Hand the email to the SMTP server (``smtp_ssl``: TLS from the start; ``smtp_starttls``:
    upgraded; a login when ``smtp_username`` is set)."""
    mail = build_email(message, settings, now=now)
    timeout = settings.timeout_seconds
    try:
        smtp: smtplib.SMTP
        if settings.smtp_ssl:
            smtp = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
        with smtp:
            if settings.smtp_starttls and not settings.smtp_ssl:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password)
            refused = smtp.send_message(mail, from_addr=settings.from_address,
                                        to_addrs=[message.recipient])
        if refused:  # only possible with several recipients; we send to one
            raise DeliveryFailure("the SMTP server refused the recipient", permanent=True)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        raise DeliveryFailure(f"the SMTP server refused the recipient ({_codes(codes)})",
                              permanent=all(c >= 500 for c in codes)) from None
    except smtplib.SMTPDataError as exc:
        # 5xx after DATA: the server will not take this message (spam, size); 4xx: later.
        raise DeliveryFailure(f"the SMTP server refused the message: {exc.smtp_code} "
                              f"{_text(exc.smtp_error)}",
                              permanent=exc.smtp_code >= 500) from None
    except smtplib.SMTPAuthenticationError as exc:
        # A configuration problem that affects every message: keep retrying (and stay
        # queued) so that fixing the login delivers them.
        raise DeliveryFailure(f"the SMTP login was refused: {exc.smtp_code}") from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryFailure(f"SMTP error {exc.smtp_code} {_text(exc.smtp_error)}") from None
    except (smtplib.SMTPException, OSError) as exc:
        # Connection refused, reset, DNS, timeouts and TLS errors: the server may come back.
        raise DeliveryFailure(f"cannot reach the SMTP server: {_describe(exc)}") from None


def _codes(codes: Iterable[int]) -> str:
    return ", ".join(str(c) for c in codes)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


# --- Slack and webhooks -------------------------------------------------------------------


def _slack_body(message: OutgoingMessage) -> dict[str, Any]:
    # Slack incoming webhooks take {"text": ..., "blocks": [...]}; text is the fallback
    # shown in notifications (api.slack.com/messaging/webhooks).
    if message.payload:
        body = dict(message.payload)
        body.setdefault("text", message.body)
        return body
    return {"text": message.body}


def _webhook_body(message: OutgoingMessage) -> dict[str, Any]:
    if message.payload:
        return dict(message.payload)
    return {"id": message.id, "subject": message.subject, "text": message.body,
            "account_id": message.account_id, "task_id": message.task_id}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # urllib would turn a redirected POST into a GET without a body; a webhook that
    # redirects is configured wrong, and says so as a 3xx.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def post_json(url: str, body: dict[str, Any], message: OutgoingMessage, *,
              timeout: float, now: datetime | None = None) -> None:
    """POST ``body`` as JSON; success is any 2xx. The headers carry the message's stable
    ``Idempotency-Key`` and ``X-Tenure-Notification-Id``."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise DeliveryFailure("the webhook URL is not an http(s) URL", permanent=True)
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "Idempotency-Key": message.idempotency_key,
        "X-Tenure-Notification-Id": str(message.id),
    })
    opener = urllib.request.build_opener(_NoRedirects())
    try:
        with opener.open(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        status = exc.code
        detail = _short(exc.read())
        exc.close()
        text = f"HTTP {status}" + (f": {detail}" if detail else "")
        if status >= 500 or status in RETRYABLE_HTTP:
            raise DeliveryFailure(text, retry_after=retry_after_seconds(
                exc.headers.get("Retry-After"), now=now)) from None
        raise DeliveryFailure(text, permanent=True) from None
    except urllib.error.URLError as exc:
        raise DeliveryFailure(f"cannot reach the webhook: {_describe(exc.reason)}") from None
    except (OSError, http.client.HTTPException) as exc:
        # Timeouts, resets, a server closing mid-answer.
        raise DeliveryFailure(f"cannot reach the webhook: {_describe(exc)}") from None


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """An HTTP ``Retry-After`` (RFC 9110 section 10.2.3): delay-seconds, or an HTTP date
    (then counted from ``now``, or ignored without it)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    if now is None:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return max(0.0, (when - now).total_seconds())


def _short(raw: bytes, limit: int = 200) -> str:
    text = raw.decode("utf-8", "replace").strip().replace("\n", " ")
    return text[:limit]


def _describe(exc: object) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


# --- redaction ----------------------------------------------------------------------------


def _secrets(settings: NotificationSettings, message: OutgoingMessage) -> list[str]:
    found = [settings.smtp_password, message.recipient]
    for url in (settings.slack_webhook_url, settings.webhook_url):
        if url:
            parts = urlsplit(url)
            # The whole URL, and its path and query alone (Slack's token is the path).
            found += [url, parts.path if len(parts.path) > 1 else "", parts.query]
    return [s for s in found if s and len(s) >= 3]


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret (and the recipient) replaced by ``***``."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text
