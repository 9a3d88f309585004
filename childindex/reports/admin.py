from django.contrib import admin

from childindex.reports.models import PopulationEstimate, SubjectAccessSettings


@admin.register(SubjectAccessSettings)
class SubjectAccessSettingsAdmin(admin.ModelAdmin):
    list_display = ("local_authority", "accessor_names")


@admin.register(PopulationEstimate)
class PopulationEstimateAdmin(admin.ModelAdmin):
    list_display = ("local_authority", "year", "age", "population", "loaded_at")
    list_filter = ("year",)

    def has_add_permission(self, request):
        return False  # loaded from the ONS file by `childindex population load`

    def has_change_permission(self, request, obj=None):
        return False
