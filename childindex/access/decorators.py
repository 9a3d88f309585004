"""Every view declares the access rule it enforces (default deny): the declarations.

This module holds what a rule *is* and the declarations that need no page of their own. The
declarations that refuse with a page (``signed_in``, ``requires_search_access``,
``requires_index_team``, ``requires_role``) and the middleware that refuses an undeclared view
are web adapters: ``childindex.web.decorators`` and ``childindex.web.middleware``. A domain app
renders no template and reverses no URL (an import-linter contract).

A view without a declaration is refused at run time by ``web.middleware.AccessRuleMiddleware``
and fails the URL-walk test. The declarations, from least to most:

- ``@public``: no sign-in at all. Allowed only on the sign-in page and the health probes
  ``/healthz`` and ``/readyz`` (an explicit allow-list in the tests).
- ``@signing_in``: signed in with a password, two-factor not yet confirmed: the two-factor
  pages and sign-out.
- ``@api_client``: a connected system's call with an OAuth2 bearer token, no session (the FHIR
  API, ``childindex.fhir``); the view checks the token and its scope, then the policy decides.
- ``@signed_in`` (web): signed in with both factors, and the account not suspended, approved,
  vetted and trained (``policy.standing_missing``); otherwise the page listing what is missing.
- ``@signed_in_any_standing``: signed in with both factors, whatever the standing: your own
  account page only.
- ``@requires_search_access`` (web): and every access prerequisite met (``policy.can_search``);
  a lapsed account gets a page listing what is missing (HTTP 403), and the refusal is audited.
- ``@requires_index_team`` (web): the user's own LA's index team (``policy.can_maintain_la``).
- ``@requires_role(Role.AUDITOR, ...)`` (web): one of these roles, an LA (but for a national
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
from django.utils.cache import add_never_cache_headers, patch_cache_control


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


def declare(view: Callable, rule: AccessRule) -> Callable:
    existing = access_rule_of(view)
    if existing is not None and existing != rule:
        raise ValueError(f"{view.__name__} already declares {existing}; declare one rule only")
    setattr(view, ACCESS_RULE_ATTRIBUTE, rule)
    return view


def public(view: Callable) -> Callable:
    """No sign-in needed. Only the sign-in page and the health probes may use this."""
    return declare(login_not_required(view), AccessRule(Rule.PUBLIC))


def signing_in(view: Callable) -> Callable:
    """Signed in with a password; two-factor may still be pending."""
    return declare(view, AccessRule(Rule.SIGNING_IN))


def api_client(view: Callable) -> Callable:
    """A connected system's call: no session, an OAuth2 bearer token the view itself checks
    (``fhir.auth``) with the client's scopes; the view then asks the policy like any other."""
    return declare(login_not_required(view), AccessRule(Rule.API_CLIENT))


def signed_in_any_standing(view: Callable) -> Callable:
    """Signed in with both factors, whatever the account's standing: only your own account
    page, which says where you stand against each prerequisite."""
    return declare(view, AccessRule(Rule.SIGNED_IN))


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
