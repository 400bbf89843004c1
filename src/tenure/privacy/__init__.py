"""Privacy: the personal-data inventory, access and erasure requests, retention, consent
and pseudonymised exports (GDPR and CCPA apply to every customer analysis)."""

from .inventory import PersonalColumn, personal_columns

__all__ = ["PersonalColumn", "personal_columns"]
