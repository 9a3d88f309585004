"""The rule that decides an involvement's basis from its service (§3 of the design).

Plain functions over values so that services, feeds and tests share one rule.
"""

from __future__ import annotations

from childindex.directory.models import ServiceCategory
from childindex.records.choices import Basis


def basis_for_service(*, category: str, sensitive: bool, hidden_concern: bool = False) -> Basis:
    """Universal and statutory services are held without consent; additional and specialist
    services need consent; a sensitive one needs consent to that service; a practitioner's
    concern without consent is a hidden involvement.

    Sensitivity is decided before the category, so a sensitive service is never shown openly
    even if its category were wrong (the database already forbids a sensitive universal or
    statutory service)."""
    if hidden_concern:
        return Basis.HIDDEN_CONCERN
    if sensitive:
        return Basis.SENSITIVE_CONSENT
    if category == ServiceCategory.UNIVERSAL:
        return Basis.UNIVERSAL
    if category == ServiceCategory.STATUTORY:
        return Basis.STATUTORY
    return Basis.CONSENT
