"""The configuration audit (issue 26): every change to a setting that decides how the product behaves is recorded
by the database, whatever made it, with who, when, from and to; admins alone read it; nobody rewrites it."""

from datetime import date

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import DatabaseError, connection, transaction
from django.utils import formats, timezone

from complaints.models import SlaPolicy
from core import audit
from core.admin import ReadOnlyAdmin
from core.models import ConfigChange
from recovery.models import ApprovalPin, EmpowermentPolicy
from staff.models import Role, Store, StoreHoliday
from tests.core.test_database_roles import refused, runtime_role  # noqa: F401  (a fixture)
from tests.web.test_pages import signed_in

PAGE = "/admin/core/configchange/"

# What an admin edits in Django admin but is not configuration, and why.
NOT_CONFIGURATION = {
    "complaints.Customer": "a customer's personal data: their tier has its own history (CustomerTierChange)",
    "staff.StoreCustomerCount": "a store's daily figures (how many it served), posted by a till: data, not settings",
}


def db_now():
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        return cursor.fetchone()[0]


def changes_of(obj) -> list[ConfigChange]:
    """The audit's rows of ``obj``, oldest first."""
    return list(
        ConfigChange.objects.across(audit.audit_model(type(obj))).filter(pgh_obj_id=str(obj.pk)).order_by("pgh_id")
    )


def policy_form(policy: EmpowermentPolicy, **changes) -> dict:
    data = {
        "role": policy.role,
        "store": "",
        "max_per_action": policy.max_per_action,
        "max_per_day": policy.max_per_day,
        "max_per_customer": policy.max_per_customer,
        "max_anonymous_per_day": "",
        "allowed_kinds": policy.allowed_kinds,
        "allow_zero_amount": "on",
    }
    return data | changes


def test_a_limit_changed_in_the_admin_is_recorded_with_who_when_from_and_to(org, limits):
    frontline = limits[Role.FRONTLINE]
    client = signed_in(org.admin)

    response = client.post(
        f"/admin/recovery/empowermentpolicy/{frontline.pk}/change/", policy_form(frontline, max_per_action="80.00")
    )

    assert response.status_code == 302
    change = changes_of(frontline)[-1]
    assert (change.pgh_label, change.username, change.pgh_created_at) == ("changed", "admin", db_now())
    assert change.pgh_diff == {"max_per_action": [50.0, 80.0]}
    page = client.get(PAGE).content.decode()
    # In the admin's zone (the stores' one), as the rest of the admin.
    when = formats.localize(timezone.localtime(change.pgh_created_at, org.s1.zone))
    assert when in page
    assert "50.00 → 80.00" in page
    assert "admin" in page


def test_the_page_reads_in_chinese(org, limits):
    frontline = limits[Role.FRONTLINE]
    client = signed_in(org.admin, language="zh-hans")
    client.post(
        f"/admin/recovery/empowermentpolicy/{frontline.pk}/change/", policy_form(frontline, max_per_action="80.00")
    )

    page = client.get(PAGE).content.decode()

    assert "配置变更" in page
    assert "单次上限: 50.00 → 80.00" in page


def test_a_change_with_nobody_signed_in_is_the_systems(org, sla):
    policy = SlaPolicy.objects.get(severity="critical", channel="in_person")

    SlaPolicy.objects.filter(pk=policy.pk).update(apologize_within=120)
    with connection.cursor() as cursor:  # raw SQL, as a migration or psql would
        cursor.execute("UPDATE complaints_slapolicy SET respond_within = 600 WHERE id = %s", [policy.pk])

    rows = changes_of(policy)
    assert [(row.pgh_label, row.username, row.pgh_diff) for row in rows[-2:]] == [
        ("changed", None, {"apologize_within": [300, 120]}),
        ("changed", None, {"respond_within": [900, 600]}),
    ]
    page = signed_in(org.admin).get(PAGE, {"by": "-"}).content.decode()
    assert "system" in page
    assert "300 → 120" in page


def test_a_change_through_the_api_names_who_made_it(org, api, sla):
    policy = SlaPolicy.objects.get(severity="critical", channel="in_person")

    response = api(org.admin).client.patch(
        f"/api/v1/sla-policies/{policy.pk}/", {"apologize_within": 240}, format="json"
    )

    assert response.status_code == 200
    assert [(row.username, row.pgh_diff) for row in changes_of(policy)][-1] == (
        "admin",
        {"apologize_within": [300, 240]},
    )


def test_a_store_form_link_and_a_role_are_recorded(org):
    client = signed_in(org.admin)
    old_token = org.s1.public_token

    client.post(
        "/admin/staff/store/",
        {"action": "regenerate_public_form_link", "_selected_action": [org.s1.pk], "index": 0},
    )
    org.frontline1.role, org.frontline1.store = Role.SUPERVISOR, org.s1
    org.frontline1.save()

    new_token = Store.objects.get(pk=org.s1.pk).public_token
    assert changes_of(org.s1)[-1].pgh_diff == {"public_token": [old_token, new_token]}
    assert changes_of(org.s1)[-1].username == "admin"
    assert changes_of(org.frontline1)[-1].pgh_diff == {"role": ["frontline", "supervisor"]}


def test_secrets_never_reach_the_audit(org, api, supervisor1_pin):
    org.supervisor1.set_password("a-new-password-4711")
    org.supervisor1.save()

    pin = ApprovalPin.objects.get(user=org.supervisor1)
    assert [(row.pgh_label, row.username) for row in changes_of(pin)] == [("created", "supervisor1")]
    assert changes_of(org.supervisor1)[-1].pgh_label == "created"  # a new password is no audited change
    audited = [
        str(row.pgh_data) for model in audit.AUDITED for row in ConfigChange.objects.across(audit.audit_model(model))
    ]
    for secret in (pin.pin_hash, org.supervisor1.password, "pbkdf2", "md5$"):
        assert not [row for row in audited if secret in row]


def test_the_runtime_role_adds_audit_rows_but_cannot_change_or_delete_one(org, runtime_role):  # noqa: F811
    Store.objects.filter(pk=org.s1.pk).update(max_compensation_amount="500.00")  # as the app: recorded
    table = audit.audit_model(Store)._meta.db_table
    assert changes_of(org.s1)[-1].pgh_diff == {"max_compensation_amount": [100000.0, 500.0]}

    refused(f"UPDATE {table} SET max_compensation_amount = 1", "permission denied")
    refused(f"DELETE FROM {table}", "permission denied")
    refused(f"TRUNCATE {table}", "permission denied")
    refused(f"ALTER TABLE {table} DISABLE TRIGGER ALL", "must be owner")


def test_no_session_skips_the_audit_by_naming_its_triggers(org, runtime_role):  # noqa: F811
    with connection.cursor() as cursor:
        cursor.execute("SELECT array_agg(tgname) FROM pg_trigger WHERE tgname LIKE 'pgtrigger_%%'")
        (triggers,) = cursor.fetchone()
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + ",".join(triggers) + "}"])

    Store.objects.filter(pk=org.s1.pk).update(max_compensation_amount="99999.00")

    assert changes_of(org.s1)[-1].pgh_diff == {"max_compensation_amount": [100000.0, 99999.0]}


def test_not_even_the_owner_rewrites_an_audit_row(org):
    table = audit.audit_model(Store)._meta.db_table
    refused(f"UPDATE {table} SET max_compensation_amount = 1", "Cannot update or delete")
    refused(f"DELETE FROM {table}", "Cannot update or delete")


@pytest.mark.parametrize("who", ["manager1", "supervisor1", "frontline1"])
def test_nobody_but_admins_reads_the_audit(org, who):
    user = getattr(org, who)
    # Even let into the admin with every permission, a manager does not read it.
    user.is_staff = user.is_superuser = True
    user.save()

    response = signed_in(user).get(PAGE)

    assert response.status_code == 403
    assert "configchange" not in signed_in(user).get("/admin/").content.decode()


def test_the_page_filters_by_setting_object_and_who(org, limits):
    client = signed_in(org.admin)
    client.post(
        f"/admin/recovery/empowermentpolicy/{limits[Role.FRONTLINE].pk}/change/",
        policy_form(limits[Role.FRONTLINE], max_per_action="80.00"),
    )
    Store.objects.filter(pk=org.s2.pk).update(name="Airport T2", region=org.s3_other_region.region)

    by_admin = client.get(PAGE, {"by": "admin", "model": "recovery.EmpowermentPolicy"})
    of_s2 = client.get(PAGE, {"model": "staff.Store", "object": str(org.s2.pk)})

    assert [(row.username, row.pgh_obj_model) for row in by_admin.context["cl"].result_list] == [
        ("admin", "recovery.EmpowermentPolicy")
    ]
    assert {(row.pgh_obj_id, row.pgh_label) for row in of_s2.context["cl"].result_list} == {
        (str(org.s2.pk), "created"),
        (str(org.s2.pk), "changed"),
    }
    page = of_s2.content.decode()
    assert "Airport → Airport T2" in page
    assert "R1 East → R2 West" in page  # a related object by its name


def test_every_setting_an_admin_edits_is_audited():
    """A model an admin edits in Django admin is audited or named here as not configuration."""
    editable = {
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, ReadOnlyAdmin) and model._meta.app_label in ("staff", "complaints", "recovery")
    }
    audited = {model._meta.label for model in audit.AUDITED}

    assert sorted(editable - audited - NOT_CONFIGURATION.keys()) == []


@pytest.mark.parametrize("model", audit.AUDITED, ids=lambda model: model._meta.label)
def test_every_field_of_an_audited_model_is_audited_but_those_left_out_on_purpose(model):
    recorded = {field.name for field in audit.audit_model(model)._meta.fields if not field.name.startswith("pgh_")}
    expected = {field.name for field in model._meta.concrete_fields} - set(audit.NOT_AUDITED_FIELDS[model])

    assert recorded == expected


def test_the_audit_begins_with_each_row_as_it_was(org):
    """The migration that starts auditing a model records its rows as they are, so a first change has a "from"."""
    table = audit.audit_model(Store)._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL")  # the rows, as if written before the audit
        cursor.execute(f"DELETE FROM {table}")
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER ALL")
    with connection.schema_editor() as schema_editor:
        audit.baseline_insert(apps, schema_editor, "staff.Store")

    Store.objects.filter(pk=org.s3_other_region.pk).update(timezone="Asia/Urumqi")

    rows = changes_of(org.s3_other_region)
    assert [(row.pgh_label, row.pgh_diff) for row in rows] == [
        ("baseline", None),
        ("changed", {"timezone": ["Asia/Shanghai", "Asia/Urumqi"]}),
    ]


def test_a_pin_hash_is_not_even_a_column():
    assert "pin_hash" not in {field.name for field in audit.audit_model(ApprovalPin)._meta.fields}
    assert "password" not in {field.name for field in audit.audit_model(apps.get_model("staff.User"))._meta.fields}


def renamed_then_failed(store: Store) -> None:
    Store.objects.filter(pk=store.pk).update(name="Downtown 2")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1/0")


def test_an_audit_row_is_written_in_the_changes_own_transaction(org):
    """Rolled back with the change: no row claims a change that did not happen."""
    before = len(changes_of(org.s1))
    with pytest.raises(DatabaseError), transaction.atomic():
        renamed_then_failed(org.s1)
    assert len(changes_of(org.s1)) == before


def test_a_deleted_setting_keeps_its_history(org):
    holiday = StoreHoliday.objects.create(store=org.s1, date=date(2026, 12, 25), name="Christmas")
    holiday_id = holiday.pk
    holiday.delete()

    page = signed_in(org.admin).get(PAGE, {"model": "staff.StoreHoliday"})

    rows = page.context["cl"].result_list
    assert [(row.pgh_label, row.pgh_obj_id) for row in rows] == [
        ("deleted", str(holiday_id)),
        ("created", str(holiday_id)),
    ]
    assert rows[0].object_name == f"#{holiday_id} (deleted)"
    assert ("Name", "Christmas") in rows[0].lines
    assert ("Store", "S1 Downtown") in rows[0].lines
