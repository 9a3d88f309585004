"""The project's URLs and two views that fail, for the error-page tests."""

from __future__ import annotations

from django.urls import path

from childindex.config import urls as project_urls
from childindex.web.decorators import public, signed_in


class Broken(RuntimeError):
    pass


def _boom(request):
    raise Broken("secret detail 9434765919 that must not reach the page")


def _boom_public(request):
    return _boom(request)


def _boom_signed_in(request):
    return _boom(request)


urlpatterns = [
    path("test-boom/public/", public(_boom_public)),
    path("test-boom/signed-in/", signed_in(_boom_signed_in)),
    *project_urls.urlpatterns,
]
handler500 = project_urls.handler500
