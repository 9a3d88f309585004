"""Every view declares the access rule it enforces (default deny).

A view without a declaration is refused at run time by ``access.middleware.AccessRuleMiddleware``
and fails the URL-walk test. The declarations, from least to most:

- ``@public``: no sign-in at all. Allowed only on the sign-in page and the health probes
  ``/healthz`` and ``/readyz`` (an explicit allow-list in the tests).
- ``@signing_in``: signed in with a password, two-factor not yet confirmed: the two-factor
  pages and sign-out.
- ``@api_client``: a connected system's call with an OAuth2 bearer token, no session (the FHIR
  API, ``childindex.fhir``); the view checks the token and its scope, then the policy decides.
- ``@signed_in``: signed in with both factors, and the account not suspended, approved, vetted
  and trained (``policy.standing_missing``); otherwise the page listing what is missing (403).
- ``@signed_in_any_standing``: signed in with both factors, whatever the standing: your own
  account page only.
- ``@requires_search_access``: and every access prerequisite met (``policy.can_search``); a
  lapsed account gets a page listing what is missing (HTTP 403), and the refusal is audited.
- ``@requires_index_team``: the user's own LA's index team (``policy.can_maintain_la``).
- ``@requires_role(Role.AUDITOR, ...)``: one of these roles, an LA (but for a national
  operator), and every prerequisite but the searching role (``policy.has_role_access``). For
  an auditor that is ``policy.can_audit`` of their own LA: the audit pages need no other check.

``@no_store`` keeps a page out of every cache (record pages: ``Cache-Control: no-store``).
The middleware adds that header to every signed-in response that sets none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control

from childindex.access import policy
from childindex.access.client_ip import client_ip
from childindex.audit.models import Action, Outcome
from childindex.audit.services import audit_record


class Rule(StrEnum):
    PUBLIC = "public"
    SIGNING_IN = "signing_in"
    SIGNED_IN = "signed_in"
    SEARCH = "search"
    INDEX_TEAM = "index_team"
    ROLE = "role"
    API_CLIENT = "api_client"


@dataclass(frozen=True)
class AccessRule:
    rule: Rule
    roles: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.rule}:{','.join(self.roles)}" if self.roles else str(self.rule)


ACCESS_RULE_ATTRIBUTE = "access_rule"


def access_rule_of(view: Callable) -> AccessRule | None:
    return getattr(view, ACCESS_RULE_ATTRIBUTE, None)


def _declare(view: Callable, rule: AccessRule) -> Callable:
    existing = access_rule_of(view)
    if existing is not None and existing != rule:
        raise ValueError(f"{view.__name__} already declares {existing}; declare one rule only")
    setattr(view, ACCESS_RULE_ATTRIBUTE, rule)
    return view


def public(view: Callable) -> Callable:
    """No sign-in needed. Only the sign-in page and the health probes may use this."""
    return _declare(login_not_required(view), AccessRule(Rule.PUBLIC))


def signing_in(view: Callable) -> Callable:
    """Signed in with a password; two-factor may still be pending."""
    return _declare(view, AccessRule(Rule.SIGNING_IN))


def api_client(view: Callable) -> Callable:
    """A connected system's call: no session, an OAuth2 bearer token the view itself checks
    (``fhir.auth``) with the client's scopes; the view then asks the policy like any other."""
    return _declare(login_not_required(view), AccessRule(Rule.API_CLIENT))


def signed_in(view: Callable) -> Callable:
    """Signed in with both factors, and the account in good standing: a suspended, unapproved
    or lapsed account gets the page saying which prerequisite is missing (HTTP 403, audited)
    and nothing else (``policy.standing_missing``)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        missing = policy.standing_missing(request.user)
        if missing:
            return _refuse(
                request,
                action="access_denied_prerequisites",
                reasons=tuple(m.label for m in missing),
                codes=[m.value for m in missing],
            )
        return view(request, *args, **kwargs)

    return _declare(wrapper, AccessRule(Rule.SIGNED_IN))


def signed_in_any_standing(view: Callable) -> Callable:
    """Signed in with both factors, whatever the account's standing: only your own account
    page, which says where you stand against each prerequisite."""
    return _declare(view, AccessRule(Rule.SIGNED_IN))


def _view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match else ""


def _refuse(
    request: HttpRequest, *, action: str, reasons: tuple[str, ...], codes: list[str]
) -> HttpResponse:
    audit_record(
        actor=request.user,
        action=action,
        outcome=Outcome.DENIED,
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
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        missing = policy.missing_prerequisites(request.user)
        if missing:
            return _refuse(
                request,
                action=Action.ACCESS_DENIED_PREREQUISITES,
                reasons=tuple(m.label for m in missing),
                codes=[m.value for m in missing],
            )
        return view(request, *args, **kwargs)

    return _declare(wrapper, AccessRule(Rule.SEARCH))


def requires_index_team(view: Callable) -> Callable:
    """The signed-in user's own LA's index team, with every prerequisite met."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
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

    return _declare(wrapper, AccessRule(Rule.INDEX_TEAM))


def requires_role(*roles: str) -> Callable[[Callable], Callable]:
    """One of ``roles`` and every prerequisite except the searching role (auditors, national
    operators)."""
    if not roles:
        raise ValueError("requires_role needs at least one role")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
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

        return _declare(wrapper, AccessRule(Rule.ROLE, tuple(roles)))

    return decorator


def no_store(view: Callable) -> Callable:
    """Keep the response out of every cache, the browser's included (record pages)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        patch_cache_control(response, no_store=True, private=True)
        return response

    rule = access_rule_of(view)
    if rule is not None:
        setattr(wrapper, ACCESS_RULE_ATTRIBUTE, rule)
    return wrapper
