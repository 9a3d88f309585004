"""The access rules that refuse with a page: the web side of ``access.decorators``.

``signed_in``, ``requires_search_access``, ``requires_index_team`` and ``requires_role`` ask the
policy, and on a refusal audit it and render the page that says what is missing (HTTP 403, never
cached). The declarations that render nothing (``public``, ``signing_in``, ``api_client``,
``signed_in_any_standing``, ``no_store``) live in ``access.decorators`` and are re-exported here,
so a view imports every rule from one place.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from childindex.access import policy
from childindex.access.client_ip import client_ip
from childindex.access.decorators import (
    AccessRule,
    Rule,
    access_rule_of,
    api_client,
    declare,
    no_store,
    public,
    signed_in_any_standing,
    signing_in,
)
from childindex.audit.models import Action, EventOutcome
from childindex.audit.services import audit_record
from childindex.web.http import AuthenticatedRequest

__all__ = [
    "Rule",
    "access_rule_of",
    "api_client",
    "no_store",
    "public",
    "requires_index_team",
    "requires_role",
    "requires_search_access",
    "signed_in",
    "signed_in_any_standing",
    "signing_in",
]


def signed_in(view: Callable) -> Callable:
    """Signed in with both factors, and the account in good standing: a suspended, unapproved
    or lapsed account gets the page saying which prerequisite is missing (HTTP 403, audited)
    and nothing else (``policy.standing_missing``)."""

    @wraps(view)
    def wrapper(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        missing = policy.standing_missing(request.user)
        if missing:
            return _refuse(
                request,
                action=Action.ACCESS_DENIED_PREREQUISITES,
                reasons=tuple(m.label for m in missing),
                codes=[m.value for m in missing],
            )
        return view(request, *args, **kwargs)

    return declare(wrapper, AccessRule(Rule.SIGNED_IN))


def _view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match else ""


def _refuse(
    request: AuthenticatedRequest, *, action: Action, reasons: tuple[str, ...], codes: list[str]
) -> HttpResponse:
    audit_record(
        actor=request.user,
        action=action,
        outcome=EventOutcome.DENIED,
        detail={"view": _view_name(request), "missing": codes},
        ip_address=client_ip(request),
    )
    response = render(
        request,
        "account/access_denied.html",
        {
            "reasons": reasons,
            "local_authority": getattr(request.user, "local_authority", None),
            # "yet" only when something can still be done (approval, DBS, training, two-factor);
            # a fully approved user refused for their role is told the page is not theirs.
            "not_yet": any(code != policy.Prerequisite.ROLE for code in codes),
        },
        status=403,
    )
    add_never_cache_headers(response)
    return response


def requires_search_access(view: Callable) -> Callable:
    """Every access prerequisite met (approved, vetted, trained, two-factor, searching role)."""

    @wraps(view)
    def wrapper(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        missing = policy.missing_prerequisites(request.user)
        if missing:
            return _refuse(
                request,
                action=Action.ACCESS_DENIED_PREREQUISITES,
                reasons=tuple(m.label for m in missing),
                codes=[m.value for m in missing],
            )
        return view(request, *args, **kwargs)

    return declare(wrapper, AccessRule(Rule.SEARCH))


def requires_index_team(view: Callable) -> Callable:
    """The signed-in user's own LA's index team, with every prerequisite met."""

    @wraps(view)
    def wrapper(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        decision = policy.can_maintain_la(user, user.local_authority_id)
        if not decision:
            missing = [m.value for m in policy.missing_prerequisites(user)]
            return _refuse(
                request,
                action=Action.ACCESS_DENIED_PREREQUISITES if missing else Action.ACCESS_DENIED,
                reasons=decision.reasons,
                codes=missing or ["role"],
            )
        return view(request, *args, **kwargs)

    return declare(wrapper, AccessRule(Rule.INDEX_TEAM))


def requires_role(*roles: str) -> Callable[[Callable], Callable]:
    """One of ``roles`` and every prerequisite except the searching role (auditors, national
    operators)."""
    if not roles:
        raise ValueError("requires_role needs at least one role")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            decision = policy.has_role_access(request.user, roles)
            if not decision:
                missing = [
                    m.value
                    for m in policy.missing_prerequisites(request.user)
                    if m != policy.Prerequisite.ROLE
                ]
                return _refuse(
                    request,
                    action=Action.ACCESS_DENIED_PREREQUISITES if missing else Action.ACCESS_DENIED,
                    reasons=decision.reasons,
                    codes=missing or ["role"],
                )
            return view(request, *args, **kwargs)

        return declare(wrapper, AccessRule(Rule.ROLE, tuple(roles)))

    return decorator
