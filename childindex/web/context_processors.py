from django.conf import settings

from childindex.access import policy


def service(request):
    """The service name and whether the data shown is synthetic (for the phase banner)."""
    return {
        "service_name": settings.SERVICE_NAME,
        "demo_data": settings.DEMO_DATA,
        "session_idle_seconds": settings.SESSION_IDLE_SECONDS,
    }


def navigation(request):
    """The menu: the areas this user may use, as the access policy decides (never by role in a
    template). Computed lazily, so pages that do not render the menu pay nothing."""
    from django.urls import reverse
    from django.utils.functional import SimpleLazyObject

    def items() -> list[dict[str, str]]:
        user = request.user
        if not user.is_authenticated:
            return []
        menu: list[tuple[str, str]] = []
        if policy.can_search(user):
            menu += [("Find a child", "web:search"), ("Directory", "web:directory")]
        if policy.can_maintain_la(user, user.local_authority_id):
            menu += [
                ("Accounts", "web:index-team-accounts"),
                ("Shielding", "web:index-team-shielding"),
                ("Living elsewhere", "web:index-team-children-elsewhere"),
                ("Moves and deaths", "web:index-team-move"),
                ("Reviews", "web:review-queue"),
                ("Feeds", "web:feeds"),
                ("Reports", "web:reports"),
            ]
        if policy.can_read_national(user):
            menu += [("National", "web:national")]
        if policy.can_load_population_estimates(user):
            menu += [("Population estimates", "web:population-estimates")]
        if policy.can_audit(user, user.local_authority_id):
            menu += [("Audit", "web:audit-home")]
        return _items(menu)

    def account_items() -> list[dict[str, str]]:
        # Your own things sit in the header, beside your name and Sign out, so the service
        # navigation holds only the areas of work (the index team's nine fit one line at 1280 px).
        if not request.user.is_authenticated:
            return []
        return _items([("Notifications", "web:notifications"), ("Your account", "web:account")])

    def _items(menu: list[tuple[str, str]]) -> list[dict[str, str]]:
        path = request.path
        return [
            {"label": label, "href": (href := reverse(name)), "current": path.startswith(href)}
            for label, name in menu
        ]

    return {
        "navigation_items": SimpleLazyObject(items),
        "account_items": SimpleLazyObject(account_items),
    }
