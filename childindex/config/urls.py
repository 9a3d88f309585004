from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "childindex back office"
admin.site.site_title = "childindex back office"

urlpatterns = [
    path("back-office/", admin.site.urls),
    path("", include("childindex.web.urls")),
]
