"""What a task's email and Slack message say: checked against the task and account they
were made from, including text from imported data that must not become markup."""

from __future__ import annotations

from datetime import date

from tenure.notify import task_email, task_slack
from tenure.settings import NotificationSettings, Settings

TASK = {
    "account_id": "A7", "playbook": "detractor", "title": "Call back a detractor",
    "reason": "NPS 3 from a champion: \"<script>alert(1)</script> & more\"",
    "priority": "high", "due_on": date(2026, 7, 3), "owner": "csm@example.com",
    "steps": '["Read the comment", "Call within 48 h"]',
}
ACCOUNT = {"account_id": "A7", "name": "Acme <Labs>", "band": "red", "score": 41.6,
           "segment": "enterprise"}


def test_task_email_has_the_facts_escaped_html_and_a_link() -> None:
    settings = Settings()
    settings.notifications.dashboard_url = "https://cs.example.com/"
    subject, text, html = task_email(TASK, ACCOUNT, settings)

    assert subject == "[Tenure] High: Acme <Labs> — Call back a detractor"
    # The plain text keeps the words as they are.
    for words in ("Account: Acme <Labs> (A7), enterprise", "Health: red (42)",
                  "Priority: high · due 2026-07-03", "Playbook: detractor",
                  "<script>alert(1)</script> & more", "1. Read the comment",
                  "2. Call within 48 h",
                  "Open the account: https://cs.example.com/accounts/A7"):
        assert words in text, words
    # The HTML escapes imported text: no tag from the data survives.
    assert "<script>" not in html and "Acme <Labs>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert "<strong>Acme &lt;Labs&gt;</strong> (A7)" in html
    assert '<a href="https://cs.example.com/accounts/A7">' in html
    assert "<li>Call within 48 h</li>" in html


def test_no_link_without_a_dashboard_url() -> None:
    _, text, html = task_email(TASK, ACCOUNT, NotificationSettings())
    assert "Open the account" not in text and "<a " not in html


def test_task_slack_names_the_account_not_people_and_escapes_mrkdwn() -> None:
    settings = NotificationSettings(dashboard_url="https://cs.example.com")
    text, payload = task_slack(TASK, ACCOUNT, settings)

    assert "csm@example.com" not in text and "csm@example.com" not in str(payload)
    # Slack reserves &, < and >; a link is <url|label>.
    assert text.splitlines() == [
        "*High:* Call back a detractor",
        "<https://cs.example.com/accounts/A7|Acme &lt;Labs&gt;> (A7) · health red 42 · due "
        "2026-07-03",
        "NPS 3 from a champion: \"&lt;script&gt;alert(1)&lt;/script&gt; &amp; more\"",
        "1. Read the comment",
        "2. Call within 48 h",
    ]
    assert payload == {"text": text, "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}}]}
