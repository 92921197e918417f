from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import audit
from core.admin import ReadOnlyAdmin
from core.i18n import joined
from core.models import ConfigChange
from staff.models import OpeningHours, Region, Role, RoleAccess, Store, StoreCustomerCount, StoreHoliday, User
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


# --- The configuration audit (core/audit.py): read by admins only ---------------------------------------------

CHANGE_WORDS = {
    audit.CREATED: _("created"),
    audit.CHANGED: _("changed"),
    audit.DELETED: _("deleted"),
    audit.BASELINE: _("as it was when the audit began"),
}


class AuditedModelFilter(admin.SimpleListFilter):
    title = _("setting")
    parameter_name = "model"

    def lookups(self, request, model_admin):
        return sorted(
            ((model._meta.label, capfirst(model._meta.verbose_name_plural)) for model in audit.AUDITED),
            key=lambda choice: str(choice[1]),
        )

    def queryset(self, request, queryset):
        model = audit.audited_model(self.value())
        return queryset.across(audit.audit_model(model)) if model else queryset


class AuditedObjectFilter(admin.SimpleListFilter):
    """One object of the setting chosen: those with audit rows, deleted ones too."""

    title = _("object")
    parameter_name = "object"

    def lookups(self, request, model_admin):
        model = audit.audited_model(request.GET.get(AuditedModelFilter.parameter_name))
        if model is None:
            return []
        ids = set(ConfigChange.objects.across(audit.audit_model(model)).values_list("pgh_obj_id", flat=True))
        now = {str(pk): str(found) for pk, found in model._default_manager.in_bulk(list(ids)).items()}
        named = [(pk, now.get(pk) or gettext("#%(id)s (deleted)") % {"id": pk}) for pk in ids]
        return sorted(named, key=lambda choice: choice[1])

    def queryset(self, request, queryset):
        return queryset.filter(pgh_obj_id=self.value()) if self.value() else queryset


class ChangedByFilter(admin.SimpleListFilter):
    title = _("changed by")
    parameter_name = "by"
    SYSTEM = "-"

    def lookups(self, request, model_admin):
        names = ConfigChange.objects.exclude(username=None).values_list("username", flat=True).distinct()
        return [(self.SYSTEM, _("system")), *((name, name) for name in sorted(set(names)))]

    def queryset(self, request, queryset):
        if self.value() == self.SYSTEM:
            return queryset.filter(username=None)
        return queryset.filter(username=self.value()) if self.value() else queryset


@admin.register(ConfigChange)
class ConfigChangeAdmin(ReadOnlyAdmin):
    """Who changed which setting, when, from what to what: every change, whatever made it. Admins only."""

    list_display = ["when", "changed_by", "setting", "changed_object", "change", "values"]
    list_display_links = None
    list_filter = [AuditedModelFilter, AuditedObjectFilter, ChangedByFilter]
    ordering = ["-pgh_created_at", "-pgh_id"]
    list_per_page = 50

    def get_queryset(self, request):
        return ConfigChange.objects.only(*audit.LISTED)

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        audit.changes_described(changelist.result_list)
        return changelist

    # Admins only, whatever permissions the admin's groups give anyone else.
    def has_view_permission(self, request, obj=None) -> bool:
        user = request.user
        return user.is_active and user.is_staff and getattr(user, "role", None) == Role.ADMIN

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    @admin.display(description=_("when"), ordering="pgh_created_at")
    def when(self, change: ConfigChange):
        return change.pgh_created_at

    @admin.display(description=_("changed by"))
    def changed_by(self, change: ConfigChange) -> str:
        return change.username or gettext("system")

    @admin.display(description=_("setting"))
    def setting(self, change: ConfigChange) -> str:
        model = audit.audited_model(change.pgh_obj_model)
        return capfirst(model._meta.verbose_name) if model else change.pgh_obj_model

    @admin.display(description=_("object"))
    def changed_object(self, change: ConfigChange) -> str:
        return change.object_name

    @admin.display(description=_("change"))
    def change(self, change: ConfigChange) -> str:
        return CHANGE_WORDS.get(change.pgh_label, change.pgh_label)

    @admin.display(description=_("from → to"))
    def values(self, change: ConfigChange) -> str:
        """A change: each field that changed, from and to; else every field, as created, deleted or found."""
        return format_html_join("\n", "<div>{}: {}</div>", change.lines)
