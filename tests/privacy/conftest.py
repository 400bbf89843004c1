"""The notification tests' SMTP server and HTTP receiver on 127.0.0.1, for the consent tests."""

from tests.notify.conftest import receiver, smtp_server  # noqa: F401  (fixtures, used by name)
