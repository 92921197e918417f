from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.i18n import joined
from staff.models import OpeningHours, Region, RoleAccess, Store, StoreCustomerCount, StoreHoliday, User
from staff.qr import QR_FORMATS, public_form_qr, public_form_url
from staff.services import store_public_token_regenerate


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
    list_display = ["code", "name", "region", "timezone", "currency", "max_compensation_amount", "qr_codes"]
    list_filter = ["region"]
    search_fields = ["code", "name"]
    readonly_fields = ["public_form"]
    actions = ["regenerate_public_form_link"]
    # Remote complaints' SLA clocks count open hours only: configure them here.
    inlines = [OpeningHoursInline, StoreHolidayInline]

    def get_urls(self):
        qr = self.admin_site.admin_view(self.qr_code)
        return [path("<int:store_id>/qr.<str:fmt>", qr, name="staff_store_qr"), *super().get_urls()]

    def qr_code(self, request: HttpRequest, store_id: int, fmt: str) -> HttpResponse:
        """The store's QR code as a download, for whoever may view the store here."""
        if fmt not in QR_FORMATS:
            raise Http404
        store = Store.objects.filter(pk=store_id).first()
        if store is None:
            raise Http404
        if not self.has_view_permission(request, store):
            raise PermissionDenied
        response = HttpResponse(public_form_qr(store, fmt), content_type=QR_FORMATS[fmt])
        response["Content-Disposition"] = f'attachment; filename="complaint-form-{store.code}.{fmt}"'
        return response

    @admin.display(description=_("QR code"))
    def qr_codes(self, store: Store) -> str:
        if store.pk is None:
            return "-"
        return format_html(
            '<a href="{}">PNG</a> · <a href="{}">SVG</a>',
            reverse("admin:staff_store_qr", args=[store.pk, "png"]),
            reverse("admin:staff_store_qr", args=[store.pk, "svg"]),
        )

    @admin.display(description=_("public complaint form"))
    def public_form(self, store: Store) -> str:
        if store.pk is None:
            return gettext("Saved stores get their link and QR code.")
        url = public_form_url(store)
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a><br>{} {}<br>{}',
            url,
            url,
            gettext("QR code to print:"),
            self.qr_codes(store),
            gettext("A new link (the list's action “%(action)s”) stops printed QR codes working.")
            % {"action": gettext("Regenerate the public form link")},
        )

    @admin.action(
        description=_("Regenerate the public form link (printed QR codes stop working)"), permissions=["change"]
    )
    def regenerate_public_form_link(self, request: HttpRequest, queryset) -> None:
        stores = list(queryset)
        store_public_token_regenerate(stores=stores)
        self.message_user(
            request,
            gettext("New public form links for %(stores)s: print their new QR codes.")
            % {"stores": joined(store.code for store in stores)},
            messages.SUCCESS,
        )


@admin.register(StoreCustomerCount)
class StoreCustomerCountAdmin(admin.ModelAdmin):
    """Customers served per store and day: the complaint rate's denominator (a till may post them too)."""

    list_display = ["store", "day", "customers"]
    list_filter = ["store"]
    date_hierarchy = "day"


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    list_display = ["username", "full_name", "role", "store", "region", "is_active"]
    list_filter = ["role", "store", "region", "is_active"]
    list_select_related = ["store", "region"]
    fieldsets = [
        *UserAdmin.fieldsets,
        (_("Role and scope"), {"fields": ["role", "store", "region", "language"]}),
    ]
    add_fieldsets = [
        *UserAdmin.add_fieldsets,
        (_("Role and scope"), {"fields": ["role", "store", "region"]}),
    ]

    @admin.display(description=_("name"), ordering="first_name")
    def full_name(self, user: User) -> str:
        return user.get_full_name()


@admin.register(RoleAccess)
class RoleAccessAdmin(admin.ModelAdmin):
    """Per role, what it may do beyond working on complaints: ticked in the list, one row per role."""

    list_display = ["role", "export_complaints"]
    list_editable = ["export_complaints"]
