from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from staff.models import OpeningHours, Region, Store, StoreCustomerCount, StoreHoliday, User


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class StoreHolidayInline(admin.TabularInline):
    model = StoreHoliday
    extra = 0


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region", "timezone", "currency", "max_compensation_amount"]
    list_filter = ["region"]
    search_fields = ["code", "name"]
    # Remote complaints' SLA clocks count open hours only: configure them here.
    inlines = [OpeningHoursInline, StoreHolidayInline]


@admin.register(StoreCustomerCount)
class StoreCustomerCountAdmin(admin.ModelAdmin):
    """Customers served per store and day: the complaint rate's denominator (a till may post them too)."""

    list_display = ["store", "day", "customers"]
    list_filter = ["store"]
    date_hierarchy = "day"


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
