from django.urls import path

from childindex.access.models import Role
from childindex.web.decorators import public, requires_index_team, requires_role, signed_in
from childindex.web.views import (
    account,
    audit,
    consent,
    directory,
    index_team,
    journey,
    national,
    notifications,
    pages,
    reports,
    sources,
)

app_name = "web"

auditor = requires_role(Role.AUDITOR)
national_operator = requires_role(Role.NATIONAL_OPERATOR)

urlpatterns = [
    path("", signed_in(pages.home), name="home"),
    path(
        "accessibility/",
        public(pages.footer_page),
        {"page": "accessibility"},
        name="accessibility",
    ),
    path("privacy/", public(pages.footer_page), {"page": "privacy"}, name="privacy"),
    path("contact/", public(pages.footer_page), {"page": "contact"}, name="contact"),
    # Signing in, two-factor and your account (views.account)
    path("sign-in/", account.sign_in, name="sign-in"),
    path("sign-in/two-factor/", account.two_factor_verify, name="two-factor"),
    path("sign-out/", account.sign_out, name="sign-out"),
    path("session/keep-alive/", account.keep_alive, name="keep-alive"),
    path("account/", account.account, name="account"),
    path("account/agreement/", account.user_agreement, name="agreement"),
    path("account/two-factor/set-up/", account.two_factor_set_up, name="two-factor-set-up"),
    path("account/recovery-codes/", account.recovery_codes, name="recovery-codes"),
    # The LA index team (views.index_team)
    path("index-team/accounts/", index_team.accounts, name="index-team-accounts"),
    path("index-team/accounts/<int:pk>/", index_team.account, name="index-team-account"),
    path(
        "index-team/accounts/<int:pk>/dates/<slug:kind>/",
        index_team.account_dates,
        name="index-team-account-dates",
    ),
    path(
        "index-team/accounts/<int:pk>/enrolment-code/",
        index_team.account_enrolment_code,
        name="index-team-account-enrolment-code",
    ),
    path(
        "index-team/accounts/<int:pk>/<slug:action>/",
        index_team.account_action,
        name="index-team-account-action",
    ),
    path("index-team/shielding/", index_team.shielding, name="index-team-shielding"),
    path("index-team/move/", index_team.record_move, name="index-team-move"),
    path("index-team/death/", index_team.record_death, name="index-team-death"),
    path(
        "index-team/children-elsewhere/",
        index_team.children_elsewhere,
        name="index-team-children-elsewhere",
    ),
    path(
        "index-team/shielding/<str:index_number>/remove/",
        index_team.shield_remove,
        name="index-team-shield-remove",
    ),
    # Feeds, the review queue and merges (views.sources)
    path("index-team/review/", sources.review_queue, name="review-queue"),
    path("index-team/review/<int:pk>/", sources.review_item, name="review-item"),
    path("index-team/feeds/", sources.feeds, name="feeds"),
    path("index-team/feeds/runs/<int:pk>/", sources.import_run, name="import-run"),
    path("index-team/merges/", sources.merges, name="merges"),
    path("index-team/merges/<int:pk>/unmerge/", sources.unmerge, name="unmerge"),
    # The practitioner's journey (issue 4)
    path("search/", journey.search, name="search"),
    path("search/results/", journey.search_results, name="search-results"),
    path("children/<str:index_number>/purpose/", journey.purpose, name="child-purpose"),
    path("children/<str:index_number>/", journey.record, name="child-record"),
    path(
        "children/<str:index_number>/shield-override/",
        journey.shield_override,
        name="child-shield-override",
    ),
    path(
        "children/<str:index_number>/involvements/new/",
        journey.involvement_log,
        name="involvement-log",
    ),
    path(
        "children/<str:index_number>/involvements/<int:involvement_id>/end/",
        journey.involvement_end,
        name="involvement-end",
    ),
    path(
        "children/<str:index_number>/involvements/<int:involvement_id>/indicators/",
        journey.involvement_indicators,
        name="involvement-indicators",
    ),
    path(
        "children/<str:index_number>/consents/new/",
        consent.consent_new,
        name="consent-record",
    ),
    path(
        "children/<str:index_number>/consents/<int:consent_id>/withdraw/",
        consent.consent_withdrawal,
        name="consent-withdraw",
    ),
    path("directory/", directory.directory, name="directory"),
    path(
        "directory/practitioners/<int:practitioner_id>/",
        directory.practitioner,
        name="directory-practitioner",
    ),
    path("directory/services/<int:service_id>/", directory.service, name="directory-service"),
    # Auditors (issue 5): the audit trail of their LA, alerts and their review.
    path("audit/", auditor(audit.audit_home), name="audit-home"),
    path("audit/child/", auditor(audit.child_history), name="audit-child"),
    path("audit/child/export.csv", auditor(audit.child_history_csv), name="audit-child-csv"),
    path("audit/user/", auditor(audit.user_history), name="audit-user"),
    path("audit/user/export.csv", auditor(audit.user_history_csv), name="audit-user-csv"),
    path("audit/alerts/", auditor(audit.alert_list), name="audit-alerts"),
    path("audit/alerts/<int:alert_id>/", auditor(audit.alert_detail), name="audit-alert"),
    # Reports (issue 14): the LA index team's; the national operator's population estimates.
    path("index-team/reports/", requires_index_team(reports.reports_home), name="reports"),
    path(
        "index-team/reports/data-quality/",
        requires_index_team(reports.data_quality),
        name="reports-data-quality",
    ),
    path(
        "index-team/reports/data-quality/<slug:slug>/",
        requires_index_team(reports.worklist),
        name="reports-worklist",
    ),
    path(
        "index-team/reports/coverage/",
        requires_index_team(reports.coverage),
        name="reports-coverage",
    ),
    path(
        "index-team/reports/planning/",
        requires_index_team(reports.planning),
        name="reports-planning",
    ),
    path(
        "index-team/reports/feed-health/",
        requires_index_team(reports.feed_history),
        name="reports-feed-health",
    ),
    path(
        "index-team/reports/subject-access/",
        requires_index_team(reports.subject_access_form),
        name="reports-subject-access",
    ),
    # The national operator's pages (issue 13): counts and contacts, never a child.
    path("national/", national_operator(national.overview), name="national"),
    path("national/feeds/", national_operator(national.feeds), name="national-feeds"),
    path("national/users/", national_operator(national.users), name="national-users"),
    path(
        "national/population-estimates/",
        national_operator(reports.population_estimates),
        name="population-estimates",
    ),
    path("notifications/", signed_in(notifications.notifications), name="notifications"),
]
