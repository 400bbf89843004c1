"""(SKELETON: filled by the work that owns it.)"""

from __future__ import annotations
