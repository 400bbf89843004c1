"""Errors Tenure raises, in one tree.

    TenureError                 base: a message a person can act on; the CLI prints it in one line
    ├── ConfigError             tenure.toml or an environment variable is wrong
    ├── WorkspaceError          no workspace where one was expected, or it cannot be created
    ├── ImportFileError         a file cannot be imported at all (missing required column,
    │                           not a CSV, unreadable encoding, unknown table or source)
    ├── StoreError              the warehouse or app database cannot be opened or migrated
    ├── MetricsError            a metric, period, dimension or declaration that cannot be
    │                           computed (unknown name, bad declaration, missing fx rate)
    ├── ClvError                transactions or a lifetime-value model that cannot be fitted
    ├── HealthError             a health score that cannot be computed or shown (no scoring
    │   │                       run yet, an unknown account, too little history to backtest)
    │   └── HealthModelError    the health model in tenure.toml is wrong (every problem listed)
    ├── ChurnError              a churn model that cannot be trained, evaluated or used yet
    ├── WorkError               the CSM's work: a playbook, onboarding template or check-in
    │   │                       cadence declared wrong (every problem listed), an unknown
    │   │                       task / goal / account, a change a task's state does not allow
    │   └── NotificationError   a message that cannot be sent as configured (no SMTP server
    │                           or webhook set for a channel a playbook uses)
    ├── ReportError             a report that cannot be made (unknown account, a quarter
    │                           with no data, the PDF engine missing)
    └── AccessError             people and access: a user that cannot be added (bad email
        │                       or role, already there), an unknown user
        ├── AuthenticationError wrong email or password, an unknown, revoked or
        │   └── LoginThrottled  inactive token / session; too many failed logins for
        │                       an email: refused until the window has passed
        ├── PermissionDenied    the role may not do this (a viewer changing a task)
        └── NotVisible          an object outside the caller's book (shown as "not found")

Row-level problems in an import are not exceptions: they are reported rows (see ``ingest``).
"""

from __future__ import annotations


class TenureError(Exception):
    """Base class: the message says what went wrong and what to do."""

    exit_code = 1


class ConfigError(TenureError):
    """Bad settings in tenure.toml or the environment."""

    exit_code = 2


class WorkspaceError(TenureError):
    """The workspace is missing or cannot be used."""

    exit_code = 2


class ImportFileError(TenureError):
    """The file itself is unusable; nothing was imported."""

    exit_code = 3


class StoreError(TenureError):
    """A database could not be opened or migrated."""

    exit_code = 4


class WarehouseBusy(StoreError):
    """The warehouse file is held by a writer (an import or a scoring run in another
    process): reads wait for it to finish. The API answers 503 with Retry-After."""

    retry_after = 5


class MetricsError(TenureError):
    """A metric request or declaration that cannot be computed."""

    exit_code = 5


class HealthError(TenureError):
    """A health score request that cannot be met."""

    exit_code = 6


class HealthModelError(HealthError):
    """The health model has problems; ``problems`` lists each one with where it is."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            f"the health model has {len(problems)} problem(s): " + "; ".join(problems))


class ClvError(TenureError):
    """Transactions that cannot be summarised, or a CLV model that cannot be fitted."""

    exit_code = 7


class ChurnError(TenureError):
    """A churn-model request that cannot be met."""

    exit_code = 8


class WorkError(TenureError):
    """A playbook, task, onboarding plan, success goal or check-in request that cannot be met.
    ``problems`` lists every problem of a declaration at once (empty for a single error)."""

    exit_code = 9

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        super().__init__(message)


class NotificationError(WorkError):
    """A notification channel is used but not configured, or a message cannot be built."""


class ReportError(TenureError):
    """A report that cannot be made."""

    exit_code = 10


class AccessError(TenureError):
    """A user, role or token request that cannot be met."""

    exit_code = 11


class AuthenticationError(AccessError):
    """Wrong credentials, or a token or session that is unknown, revoked or expired."""


class LoginThrottled(AuthenticationError):
    """Too many failed logins for this email; ``retry_after`` is in seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class PermissionDenied(AccessError):
    """The user's role does not allow this."""


class NotVisible(AccessError):
    """The object is outside the user's book; callers show it as not found."""


class Conflict(TenureError):
    """The object is not in a state that allows this (cancelling a request already done)."""

    exit_code = 12
