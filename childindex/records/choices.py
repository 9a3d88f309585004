"""The closed lists of a child's record that the access policy needs (§1, §3 of the design).

Dependency-free: nothing from the project, so ``access.policy`` imports them at module level
while ``records`` itself sits above ``access`` (an import-linter contract keeps it so).
``records.models`` re-exports them; the migrations hold their values.
"""

from __future__ import annotations

from django.db.models import TextChoices


class ChildStatus(TextChoices):
    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived"
    DECEASED = "deceased", "Deceased"
    MERGED = "merged", "Merged into another record"


class Basis(TextChoices):
    """Why an involvement may be shown, decided by its service's category (§3)."""

    UNIVERSAL = "universal", "Universal"
    CONSENT = "consent", "With consent"
    SENSITIVE_CONSENT = "sensitive_consent", "Sensitive, with consent"
    STATUTORY = "statutory", "Statutory"
    HIDDEN_CONCERN = "hidden_concern", "Concern, without consent"
