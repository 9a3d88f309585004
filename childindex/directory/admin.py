"""The back office's directory: LAs, organisations and their services, practitioners.

Work contact details only, so these lists may be browsed and searched freely. (The directory
sits below the audit app, so changes here are kept in Django's admin log, not the audit trail.)
"""

from __future__ import annotations

from django.contrib import admin

from childindex.directory.models import LocalAuthority, Organisation, Practitioner, Service


@admin.register(LocalAuthority)
class LocalAuthorityAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "nation", "index_team_phone", "index_team_email")
    list_filter = ("nation",)
    search_fields = ("name", "=code")


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 0
    fields = ("name", "kind", "category", "sensitive", "phone", "email")
    show_change_link = True


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "type", "code", "local_authority", "phone")
    list_filter = ("type", "local_authority")
    list_select_related = ("local_authority",)
    search_fields = ("name", "=code", "=postcode")
    autocomplete_fields = ("local_authority",)
    inlines = (ServiceInline,)


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "kind", "category", "sensitive")
    list_filter = ("category", "sensitive", "kind", "organisation__type")
    list_select_related = ("organisation",)
    search_fields = ("name", "organisation__name")
    autocomplete_fields = ("organisation",)


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = ("family_name", "given_name", "job_title", "organisation", "work_phone")
    list_filter = ("organisation__type", "organisation__local_authority")
    list_select_related = ("organisation",)
    search_fields = ("family_name", "given_name", "=secure_email", "organisation__name")
    autocomplete_fields = ("organisation", "services")
