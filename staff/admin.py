from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from staff.models import Region, Store, User


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region", "timezone", "currency"]
    list_filter = ["region"]
    search_fields = ["code", "name"]


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    list_display = ["username", "get_full_name", "role", "store", "region", "is_active"]
    list_filter = ["role", "store", "region", "is_active"]
    list_select_related = ["store", "region"]
    fieldsets = [
        *UserAdmin.fieldsets,
        ("Role and scope", {"fields": ["role", "store", "region"]}),
    ]
    add_fieldsets = [
        *UserAdmin.add_fieldsets,
        ("Role and scope", {"fields": ["role", "store", "region"]}),
    ]
