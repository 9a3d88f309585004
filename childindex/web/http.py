"""The request type of a view behind a signed-in access rule.

``HttpRequest.user`` is ``User | AnonymousUser``. A view declared ``@signing_in``, ``@signed_in``,
``@requires_search_access``, ``@requires_index_team`` or ``@requires_role`` is never reached
without a signed-in user (``LoginRequiredMiddleware`` and the access rules see to it), so its
request is an ``AuthenticatedRequest``: the type checker then knows ``request.user`` is a ``User``.
Public views (sign-in, health probes, footer pages) keep ``HttpRequest``.
"""

from __future__ import annotations

from django.http import HttpRequest

from childindex.access.models import User


class AuthenticatedRequest(HttpRequest):
    user: User  # narrowed: the access rules admit no anonymous user
