"""What a task's email and Slack message say, rendered with jinja2 templates.

The playbook engine builds a task and calls :func:`task_email` or :func:`task_slack`, then
queues the result with :func:`tenure.notify.enqueue`. The HTML part is autoescaped (account
names and reasons come from imported data); Slack's mrkdwn is escaped by its own rules (``&``,
``<``, ``>``: api.slack.com/reference/surfaces/formatting#escaping). Slack and webhook texts
name accounts by id and name, never people's emails: a channel is read by many.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from jinja2 import DictLoader, Environment, StrictUndefined, select_autoescape

from ..settings import NotificationSettings, Settings

SLACK_SECTION_MAX = 3000

TEMPLATES = {
    "task.subject.txt": (
        "[Tenure] {{ priority|capitalize }}: {{ account_name }} — {{ title }}"
    ),
    "task.txt": """\
{{ title }}

Account: {{ account_name }} ({{ account_id }}){% if segment %}, {{ segment }}{% endif %}
{% if band or score is not none %}Health: {{ band or "" }}{% if score is not none %} \
({{ score_text }}){% endif %}
{% endif %}Priority: {{ priority }}{% if due %} · due {{ due }}{% endif %}
{% if playbook %}Playbook: {{ playbook }}
{% endif %}
{% if reason %}Why: {{ reason }}

{% endif %}{% if steps %}Steps:
{% for step in steps %}  {{ loop.index }}. {{ step }}
{% endfor %}
{% endif %}{% if link %}Open the account: {{ link }}
{% endif %}""",
    "task.html": """\
<!doctype html>
<html><body style="font-family: sans-serif; color: #1f2933">
<h2 style="margin-bottom: 4px">{{ title }}</h2>
<p style="margin-top: 0"><strong>{{ account_name }}</strong> ({{ account_id }})\
{% if segment %} · {{ segment }}{% endif %}</p>
<table cellpadding="4">
{% if band or score is not none %}<tr><td>Health</td><td>{{ band or "" }}\
{% if score is not none %} ({{ score_text }}){% endif %}</td></tr>{% endif %}
<tr><td>Priority</td><td>{{ priority }}</td></tr>
{% if due %}<tr><td>Due</td><td>{{ due }}</td></tr>{% endif %}
{% if playbook %}<tr><td>Playbook</td><td>{{ playbook }}</td></tr>{% endif %}
</table>
{% if reason %}<p><strong>Why:</strong> {{ reason }}</p>{% endif %}
{% if steps %}<ol>{% for step in steps %}<li>{{ step }}</li>{% endfor %}</ol>{% endif %}
{% if link %}<p><a href="{{ link }}">Open {{ account_name }} in Tenure</a></p>{% endif %}
</body></html>
""",
    "task.slack.txt": """\
*{{ priority|capitalize }}:* {{ title|mrkdwn }}
{% if link %}<{{ link }}|{{ account_name|mrkdwn }}>{% else %}*{{ account_name|mrkdwn }}*\
{% endif %} ({{ account_id|mrkdwn }}){% if band or score is not none %} · health \
{{ band or "" }}{% if score is not none %} {{ score_text }}{% endif %}{% endif %}\
{% if due %} · due {{ due }}{% endif %}
{% if reason %}{{ reason|mrkdwn }}
{% endif %}{% for step in steps %}{{ loop.index }}. {{ step|mrkdwn }}
{% endfor %}""",
}


def mrkdwn(value: Any) -> str:
    """Escape text for Slack mrkdwn (the three characters Slack's formatting reserves)."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    # Built on first use, not at import; the HTML template escapes, the text ones do not.
    env = Environment(loader=DictLoader(TEMPLATES), undefined=StrictUndefined,
                      autoescape=select_autoescape(["html"]), keep_trailing_newline=True,
                      trim_blocks=False)
    env.filters["mrkdwn"] = mrkdwn
    return env


def _notification_settings(settings: Settings | NotificationSettings) -> NotificationSettings:
    return settings.notifications if isinstance(settings, Settings) else settings


def _steps(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)  # Task.steps is a JSON list
        except ValueError:
            return [value]
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _day(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def task_context(task: Mapping[str, Any], account: Mapping[str, Any],
                 settings: Settings | NotificationSettings) -> dict[str, Any]:
    """The names the templates use, from a task and its account (dicts of their columns)."""
    notif = _notification_settings(settings)
    account_id = str(account.get("account_id") or task.get("account_id") or "")
    score = account.get("score", task.get("score"))
    score = None if score is None or score != score else float(score)  # NaN: no score
    link = (f"{notif.dashboard_url.rstrip('/')}/accounts/{account_id}"
            if notif.dashboard_url and account_id else "")
    return {
        "title": str(task.get("title") or task.get("reason") or "A task"),
        "reason": str(task.get("reason") or ""),
        "priority": str(task.get("priority") or "medium"),
        "due": _day(task.get("due") or task.get("due_on")),
        "playbook": str(task.get("playbook") or ""),
        "steps": _steps(task.get("steps")),
        "account_id": account_id,
        "account_name": str(account.get("name") or account_id),
        "segment": str(account.get("segment") or task.get("segment") or ""),
        "band": str(account.get("band") or task.get("band") or ""),
        "score": score,
        "score_text": "" if score is None else f"{score:.0f}",
        "link": link,
    }


def task_email(task: Mapping[str, Any], account: Mapping[str, Any],
               settings: Settings | NotificationSettings) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of the email telling a task's owner about it."""
    ctx = task_context(task, account, settings)
    env = _environment()
    subject = " ".join(env.get_template("task.subject.txt").render(ctx).split())
    return (subject, env.get_template("task.txt").render(ctx),
            env.get_template("task.html").render(ctx))


def task_slack(task: Mapping[str, Any], account: Mapping[str, Any],
               settings: Settings | NotificationSettings) -> tuple[str, dict[str, Any]]:
    """(text, payload) of the Slack message about a task: ``payload`` is the incoming-webhook
    JSON (``text`` as the notification fallback, one mrkdwn section block)."""
    ctx = task_context(task, account, settings)
    text = _environment().get_template("task.slack.txt").render(ctx).strip()
    # A section block holds at most 3000 characters (api.slack.com/reference/block-kit).
    section = text if len(text) <= SLACK_SECTION_MAX else text[:SLACK_SECTION_MAX - 1] + "…"
    payload: dict[str, Any] = {
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": section}}],
    }
    return text, payload
