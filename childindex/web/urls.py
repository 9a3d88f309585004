from django.urls import path

from childindex.access.models import Role
from childindex.web import (
    views,
    views_account,
    views_audit,
    views_consent,
    views_directory,
    views_index_team,
    views_journey,
    views_national,
    views_notifications,
    views_reports,
    views_sources,
)
from childindex.web.decorators import public, requires_index_team, requires_role, signed_in

app_name = "web"

auditor = requires_role(Role.AUDITOR)
national_operator = requires_role(Role.NATIONAL_OPERATOR)
index_team = requires_index_team

urlpatterns = [
    path("", signed_in(views.home), name="home"),
    path(
        "accessibility/",
        public(views.footer_page),
        {"page": "accessibility"},
        name="accessibility",
    ),
    path("privacy/", public(views.footer_page), {"page": "privacy"}, name="privacy"),
    path("contact/", public(views.footer_page), {"page": "contact"}, name="contact"),
    # Signing in, two-factor and your account (views_account)
    path("sign-in/", views_account.sign_in, name="sign-in"),
    path("sign-in/two-factor/", views_account.two_factor_verify, name="two-factor"),
    path("sign-out/", views_account.sign_out, name="sign-out"),
    path("session/keep-alive/", views_account.keep_alive, name="keep-alive"),
    path("account/", views_account.account, name="account"),
    path("account/agreement/", views_account.user_agreement, name="agreement"),
    path("account/two-factor/set-up/", views_account.two_factor_set_up, name="two-factor-set-up"),
    path("account/recovery-codes/", views_account.recovery_codes, name="recovery-codes"),
    # The LA index team (views_index_team)
    path("index-team/accounts/", views_index_team.accounts, name="index-team-accounts"),
    path("index-team/accounts/<int:pk>/", views_index_team.account, name="index-team-account"),
    path(
        "index-team/accounts/<int:pk>/dates/<slug:kind>/",
        views_index_team.account_dates,
        name="index-team-account-dates",
    ),
    path(
        "index-team/accounts/<int:pk>/enrolment-code/",
        views_index_team.account_enrolment_code,
        name="index-team-account-enrolment-code",
    ),
    path(
        "index-team/accounts/<int:pk>/<slug:action>/",
        views_index_team.account_action,
        name="index-team-account-action",
    ),
    path("index-team/shielding/", views_index_team.shielding, name="index-team-shielding"),
    path("index-team/move/", views_index_team.record_move, name="index-team-move"),
    path("index-team/death/", views_index_team.record_death, name="index-team-death"),
    path(
        "index-team/children-elsewhere/",
        views_index_team.children_elsewhere,
        name="index-team-children-elsewhere",
    ),
    path(
        "index-team/shielding/<str:index_number>/remove/",
        views_index_team.shield_remove,
        name="index-team-shield-remove",
    ),
    # Feeds, the review queue and merges (views_sources)
    path("index-team/review/", views_sources.review_queue, name="review-queue"),
    path("index-team/review/<int:pk>/", views_sources.review_item, name="review-item"),
    path("index-team/feeds/", views_sources.feeds, name="feeds"),
    path("index-team/feeds/runs/<int:pk>/", views_sources.import_run, name="import-run"),
    path("index-team/merges/", views_sources.merges, name="merges"),
    path("index-team/merges/<int:pk>/unmerge/", views_sources.unmerge, name="unmerge"),
    # The practitioner's journey (issue 4)
    path("search/", views_journey.search, name="search"),
    path("search/results/", views_journey.search_results, name="search-results"),
    path("children/<str:index_number>/purpose/", views_journey.purpose, name="child-purpose"),
    path("children/<str:index_number>/", views_journey.record, name="child-record"),
    path(
        "children/<str:index_number>/shield-override/",
        views_journey.shield_override,
        name="child-shield-override",
    ),
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
    path(
        "children/<str:index_number>/consents/new/",
        views_consent.consent_new,
        name="consent-record",
    ),
    path(
        "children/<str:index_number>/consents/<int:consent_id>/withdraw/",
        views_consent.consent_withdrawal,
        name="consent-withdraw",
    ),
    path("directory/", views_directory.directory, name="directory"),
    path(
        "directory/practitioners/<int:practitioner_id>/",
        views_directory.practitioner,
        name="directory-practitioner",
    ),
    path("directory/services/<int:service_id>/", views_directory.service, name="directory-service"),
    # Auditors (issue 5): the audit trail of their LA, alerts and their review.
    path("audit/", auditor(views_audit.audit_home), name="audit-home"),
    path("audit/child/", auditor(views_audit.child_history), name="audit-child"),
    path("audit/child/export.csv", auditor(views_audit.child_history_csv), name="audit-child-csv"),
    path("audit/user/", auditor(views_audit.user_history), name="audit-user"),
    path("audit/user/export.csv", auditor(views_audit.user_history_csv), name="audit-user-csv"),
    path("audit/alerts/", auditor(views_audit.alert_list), name="audit-alerts"),
    path("audit/alerts/<int:alert_id>/", auditor(views_audit.alert_detail), name="audit-alert"),
    # Reports (issue 14): the LA index team's; the national operator's population estimates.
    path("index-team/reports/", index_team(views_reports.reports_home), name="reports"),
    path(
        "index-team/reports/data-quality/",
        index_team(views_reports.data_quality),
        name="reports-data-quality",
    ),
    path(
        "index-team/reports/data-quality/<slug:slug>/",
        index_team(views_reports.worklist),
        name="reports-worklist",
    ),
    path(
        "index-team/reports/coverage/", index_team(views_reports.coverage), name="reports-coverage"
    ),
    path(
        "index-team/reports/planning/", index_team(views_reports.planning), name="reports-planning"
    ),
    path(
        "index-team/reports/feed-health/",
        index_team(views_reports.feed_history),
        name="reports-feed-health",
    ),
    path(
        "index-team/reports/subject-access/",
        index_team(views_reports.subject_access_form),
        name="reports-subject-access",
    ),
    # The national operator's pages (issue 13): counts and contacts, never a child.
    path("national/", national_operator(views_national.overview), name="national"),
    path("national/feeds/", national_operator(views_national.feeds), name="national-feeds"),
    path("national/users/", national_operator(views_national.users), name="national-users"),
    path(
        "national/population-estimates/",
        national_operator(views_reports.population_estimates),
        name="population-estimates",
    ),
    path("notifications/", signed_in(views_notifications.notifications), name="notifications"),
]
