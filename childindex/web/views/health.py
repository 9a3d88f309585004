"""Probes for the load balancer and the service manager, and the pages of last resort.

- ``GET /healthz`` (liveness): the process answers. It touches nothing else, so a database
  outage never makes the orchestrator restart healthy web processes.
- ``GET /readyz`` (readiness): this process can serve: the database answers, an audit event can
  be appended (rolled back), and the audit checkpoints are being written. 503 with the failing
  check's sentence otherwise, so a load balancer stops sending it requests.

Neither needs a sign-in nor shows anything about a child, a user or a request.

``server_error`` is the 500 handler: when the error is that the database cannot be reached it
answers 503 "Sorry, the service is unavailable" (with ``Retry-After``); the page is rendered
without the database (no context processors).
"""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from childindex.audit import health
from childindex.audit.logging import database_unavailable
from childindex.web.decorators import public

RETRY_AFTER_SECONDS = 5


@public
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    response = JsonResponse({"status": "alive"})
    add_never_cache_headers(response)
    return response


@public
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    checks: dict[str, str] = {}
    problem = health.database_problem()
    checks["database"] = problem or "ok"
    if problem is None:
        checks["audit_append"] = health.audit_append_problem() or "ok"
        checks["audit_checkpoint"] = health.checkpoint_problem() or "ok"
    ready = all(value == "ok" for value in checks.values())
    response = JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )
    add_never_cache_headers(response)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    if database_unavailable(sys.exc_info()[1]):
        response = HttpResponse(render_to_string("web/service_unavailable.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    else:
        response = HttpResponse(render_to_string("web/server_error.html"), status=500)
    add_never_cache_headers(response)
    return response
