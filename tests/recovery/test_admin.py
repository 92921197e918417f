"""Admins configure limits and guidelines in the Django admin; compensation there is read-only."""

from decimal import Decimal

from recovery.models import CompensationAction, EmpowermentPolicy
from tests.helpers import Api


def test_an_admin_sets_a_store_override_with_the_kinds_as_checkboxes(org, client):
    client.force_login(org.admin)
    form = client.get("/admin/recovery/empowermentpolicy/add/")
    assert 'type="checkbox" name="allowed_kinds" value="refund"' in form.content.decode()

    response = client.post(
        "/admin/recovery/empowermentpolicy/add/",
        {
            "role": "frontline",
            "store": org.s2.pk,
            "max_per_action": "80",
            "max_per_day": "",
            "max_per_customer": "200",
            "allowed_kinds": ["voucher", "gift"],
            "allow_zero_amount": "on",
        },
    )

    assert response.status_code == 302
    policy = EmpowermentPolicy.objects.get(store=org.s2)
    assert (policy.max_per_action, policy.max_per_day, policy.allowed_kinds) == (Decimal(80), None, ["voucher", "gift"])


def test_a_negative_limit_is_refused_in_the_admin(org, client):
    client.force_login(org.admin)
    response = client.post(
        "/admin/recovery/empowermentpolicy/add/",
        {"role": "frontline", "max_per_action": "-1", "allowed_kinds": ["voucher"]},
    )
    assert response.status_code == 200  # the form again, with the error
    assert "greater than or equal to 0" in response.content.decode()
    assert not EmpowermentPolicy.objects.exists()


def test_flagged_compensation_is_listed_for_review_and_cannot_be_edited(org, client, limits):
    frontline1 = Api(org.frontline1)
    frontline1.respond(frontline1.apologized(), ("voucher", "20.00"))
    action = CompensationAction.objects.get()
    client.force_login(org.admin)
    assert client.get("/admin/recovery/compensationaction/?far_above_guideline__exact=0").status_code == 200
    assert client.post(f"/admin/recovery/compensationaction/{action.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/recovery/approvalrequest/").status_code == 200


def test_admin_pages_for_service_levels_and_scheduling_load(org, client, sla):
    client.force_login(org.admin)
    for page in [
        "/admin/complaints/slapolicy/",
        f"/admin/complaints/slapolicy/{sla[('critical', 'in_person')].pk}/change/",
        "/admin/complaints/deadline/",
        "/admin/recovery/notification/",
        f"/admin/staff/store/{org.s1.pk}/change/",  # opening hours and holidays inline
    ]:
        assert client.get(page).status_code == 200, page
    assert client.get("/admin/complaints/deadline/add/").status_code == 403
