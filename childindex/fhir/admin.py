"""API clients are made and revoked with ``childindex api-client`` (audited, the secret shown
once), never by hand in the back office: django-oauth-toolkit's own admin pages (applications,
tokens, grants) are taken out of it."""

from __future__ import annotations

from django.contrib import admin
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

for _model in (
    get_application_model(),
    get_access_token_model(),
    get_grant_model(),
    get_id_token_model(),
    get_refresh_token_model(),
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
