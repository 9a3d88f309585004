from django.contrib.auth import views as auth_views
from django.urls import path

from childindex.web import views, views_directory, views_journey

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "sign-in/",
        auth_views.LoginView.as_view(
            template_name="web/sign_in.html", redirect_authenticated_user=True
        ),
        name="sign-in",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="sign-out"),
    # The practitioner's journey (issue 4)
    path("search/", views_journey.search, name="search"),
    path("children/<str:index_number>/purpose/", views_journey.purpose, name="child-purpose"),
    path("children/<str:index_number>/", views_journey.record, name="child-record"),
    path(
        "children/<str:index_number>/involvements/new/",
        views_journey.involvement_log,
        name="involvement-log",
    ),
    path(
        "children/<str:index_number>/involvements/<int:involvement_id>/end/",
        views_journey.involvement_end,
        name="involvement-end",
    ),
    path(
        "children/<str:index_number>/involvements/<int:involvement_id>/indicators/",
        views_journey.involvement_indicators,
        name="involvement-indicators",
    ),
    path("directory/", views_directory.directory, name="directory"),
    path(
        "directory/practitioners/<int:practitioner_id>/",
        views_directory.practitioner,
        name="directory-practitioner",
    ),
    path("directory/services/<int:service_id>/", views_directory.service, name="directory-service"),
]
