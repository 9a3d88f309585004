"""A URL conf for tests: the real pages plus views that show the access declarations at work."""

from django.http import HttpResponse
from django.urls import include, path

from childindex.access.models import Role
from childindex.web.decorators import no_store, requires_role, requires_search_access, signed_in


@requires_search_access
def search_stand_in(request):
    return HttpResponse("search results")


@no_store
@requires_search_access
def record_stand_in(request):
    return HttpResponse("a record")


@requires_role(Role.AUDITOR)
def audit_stand_in(request):
    return HttpResponse("the audit trail")


def undeclared(request):
    return HttpResponse("nobody said who may see this")


def ruled_in_the_url_conf(request):
    return HttpResponse("its rule is in urls.py, not on the view")


urlpatterns = [
    path("test/search/", search_stand_in, name="test-search"),
    path("test/record/", record_stand_in, name="test-record"),
    path("test/audit/", audit_stand_in, name="test-audit"),
    path("test/undeclared/", undeclared, name="test-undeclared"),
    path("test/wrapped/", signed_in(ruled_in_the_url_conf), name="test-wrapped"),
    path("", include("childindex.config.urls")),
]
