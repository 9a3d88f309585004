from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

# The back office asks for a two-factor code too: staff with a verified device only.
admin.site.__class__ = OTPAdminSite
admin.site.site_header = "childindex back office"
admin.site.site_title = "childindex back office"

urlpatterns = [
    path("back-office/", admin.site.urls),
    path("", include("childindex.web.urls")),
]
