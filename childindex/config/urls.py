from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from childindex.fhir import views as fhir_views
from childindex.web.views import health as views_health

# admin.site is the back office (access.back_office, installed by the access app's ready()):
# a two-factor code and the web's prerequisites; every page audited; no child data.
admin.site.site_header = "childindex back office"
admin.site.site_title = "childindex back office"
if settings.DEMO_DATA:  # the back office carries the Demo banner too
    admin.site.site_header = "childindex back office – DEMO: every record here is synthetic"

urlpatterns = [
    path("healthz", views_health.healthz, name="healthz"),
    path("readyz", views_health.readyz, name="readyz"),
    path("back-office/", admin.site.urls),
    path("fhir", fhir_views.base, name="fhir-root"),  # POST /fhir: a transaction Bundle
    path("fhir/", include("childindex.fhir.urls")),
    path("", include("childindex.web.urls")),
]

# A database that cannot be reached answers 503 "Sorry, the service is unavailable".
handler500 = "childindex.web.views.health.server_error"
