"""django-oauth-toolkit's scopes backend: a client may be given only the scopes it holds."""

from __future__ import annotations

from oauth2_provider.scopes import BaseScopes

from childindex.fhir.models import ApiClient, Scope


def _held(application) -> list[str]:
    if application is None:
        return []
    client = (
        ApiClient.objects.filter(application=application, revoked_at__isnull=True)
        .only("scopes")
        .first()
    )
    return client.scope_list if client else []


class ClientScopes(BaseScopes):
    def get_all_scopes(self) -> dict[str, str]:
        return dict(Scope.choices)

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        return _held(application)

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return _held(application)
