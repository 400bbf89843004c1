"""Privacy: the personal-data inventory, access and erasure requests, retention, consent
and pseudonymised exports (GDPR and CCPA apply to every customer analysis)."""

from .inventory import (
    KEYS,
    PersonalColumn,
    PersonalFiles,
    personal_columns,
    personal_files,
    undeclared_columns,
)

__all__ = ["KEYS", "PersonalColumn", "PersonalFiles", "personal_columns", "personal_files",
           "undeclared_columns"]
