from django.contrib.auth import views as auth_views
from django.urls import path

from childindex.web import views, views_audit, views_notifications

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
    # Auditors (issue 5): the audit trail of their LA, alerts and their review.
    path("audit/", views_audit.audit_home, name="audit-home"),
    path("audit/child/", views_audit.child_history, name="audit-child"),
    path("audit/child/export.csv", views_audit.child_history_csv, name="audit-child-csv"),
    path("audit/user/", views_audit.user_history, name="audit-user"),
    path("audit/user/export.csv", views_audit.user_history_csv, name="audit-user-csv"),
    path("audit/alerts/", views_audit.alert_list, name="audit-alerts"),
    path("audit/alerts/<int:alert_id>/", views_audit.alert_detail, name="audit-alert"),
    path("notifications/", views_notifications.notifications, name="notifications"),
]
