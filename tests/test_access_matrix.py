"""Every route of the URL conf, by every role, in its own store, another store, another region: who gets in.

The routes are read from the URL conf, so a new one fails ``test_every_route_has_its_rule`` until it is
given a rule here. Each cell is one request with an empty (or no) body, as a user of that role and place:
- someone below the route's role, or outside the store (or region) of the object named in the address,
  gets 403 or 404, never the object nor a validation error about it (a page's form refused is redirected
  back to its page with the reason, 303, as every form post is: tests/web checks each form's refusals);
- someone allowed gets past the door (not 401, 403, 404 or 405: a 400 about the empty body is fine);
- no one ever gets a server error, anonymous callers included, who are sent to sign in (pages) or
  refused (API).
"""

import io
from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from complaints.models import ComplaintPhoto, DeadlineStep, SlaPolicy
from complaints.status_links import status_token
from recovery.models import ApprovalRequest, Notification, NotificationKind
from recovery.notices import notifications
from staff.models import Role

FRONTLINE, SUPERVISOR, MANAGER, ADMIN = Role.FRONTLINE, Role.SUPERVISOR, Role.MANAGER, Role.ADMIN
RANK = {FRONTLINE: 0, SUPERVISOR: 1, MANAGER: 2, ADMIN: 3}


@dataclass(frozen=True)
class Rule:
    """``role``: the lowest role let in (None: anyone, signed in or not); ``scoped``: the address names an
    object of store S1 (or the caller's own notification), so that only its staff (its store's, its region's
    managers, admins; the recipient) get in; ``methods``: the methods the route answers."""

    role: str | None
    scoped: bool = False
    methods: tuple[str, ...] = ("GET",)
    api: bool = False
    decision: bool = False  # past the door, the decision's own rules may still refuse (403)


POST = ("POST",)
STEP = Rule(FRONTLINE, scoped=True, methods=POST)
API_STEP = Rule(FRONTLINE, scoped=True, methods=POST, api=True)

RULES: dict[str, Rule] = {
    # The API
    "api-root": Rule(None, api=True),
    # The SMS providers' reply callbacks: a shared token is the key (none here: 403 for everyone)
    "sms-reply-aliyun": Rule(None, methods=POST, api=True, decision=True),
    "sms-reply-tencent": Rule(None, methods=POST, api=True, decision=True),
    "auth-token": Rule(None, methods=POST, api=True),
    "schema": Rule(None, api=True),
    "docs": Rule(None, api=True),
    "login": Rule(None),
    "logout": Rule(None, methods=POST),
    "me": Rule(FRONTLINE, api=True),
    "me-limits": Rule(FRONTLINE, api=True),
    "me-approval-pin": Rule(SUPERVISOR, methods=("PUT",), api=True),
    "complaint-list": Rule(FRONTLINE, methods=("GET", "POST"), api=True),
    # The roles an admin allows (Django admin → Role access): supervisors and above, as the migration sets it.
    "complaint-export": Rule(SUPERVISOR, api=True),
    "complaint-detail": Rule(FRONTLINE, scoped=True, api=True),
    "complaint-apologize": API_STEP,
    "complaint-respond": API_STEP,
    "complaint-compensation": API_STEP,
    "complaint-follow-up": API_STEP,
    "complaint-survey": API_STEP,
    "complaint-close": API_STEP,
    "complaint-reopen": API_STEP,
    "complaint-assign": Rule(SUPERVISOR, scoped=True, methods=POST, api=True),
    "complaint-hold": API_STEP,
    "complaint-resume": API_STEP,
    "complaint-severity": API_STEP,
    "category-list": Rule(FRONTLINE, api=True),
    "sla-policy-list": Rule(ADMIN, api=True),
    "sla-policy-detail": Rule(ADMIN, methods=("GET", "PATCH"), api=True),
    "customer-detail": Rule(FRONTLINE, scoped=True, api=True),
    "customer-tier": Rule(SUPERVISOR, scoped=True, methods=POST, api=True),
    "approval-list": Rule(FRONTLINE, api=True),
    # Its requester (frontline S1) sees it, and has it decided in person with an approver's PIN (deciding it
    # themselves is refused by the rules: 403).
    "approval-detail": Rule(FRONTLINE, scoped=True, api=True),
    "approval-approve": Rule(FRONTLINE, scoped=True, methods=POST, api=True, decision=True),
    "approval-reject": Rule(FRONTLINE, scoped=True, methods=POST, api=True, decision=True),
    "metrics-recovery": Rule(SUPERVISOR, api=True),
    "metrics-recovery-export": Rule(SUPERVISOR, api=True),
    "store-customer-count": Rule(SUPERVISOR, scoped=True, methods=("PUT",), api=True),
    "notification-list": Rule(FRONTLINE, api=True),
    "notification-read-all": Rule(FRONTLINE, methods=POST, api=True),
    "notification-read": Rule(FRONTLINE, scoped=True, methods=POST, api=True),
    # Probes and the language switch
    "healthz": Rule(None),
    "readyz": Rule(None),
    "set_language": Rule(None, methods=POST),
    # The pages
    "home": Rule(FRONTLINE),
    "sign-in": Rule(None, methods=("GET", "POST")),
    "sign-out": Rule(None, methods=POST),
    "complaint-new": Rule(FRONTLINE, methods=("GET", "POST")),
    "customer-history": Rule(FRONTLINE),
    "complaint": Rule(FRONTLINE, scoped=True),
    "complaint-watch": Rule(FRONTLINE, scoped=True),
    "complaint-photo": Rule(FRONTLINE, scoped=True),
    "compensation-check": Rule(FRONTLINE, scoped=True),
    "complaint-apologize-page": STEP,
    "complaint-respond-page": STEP,
    "complaint-compensation-page": STEP,
    "complaint-follow-up-page": STEP,
    "complaint-survey-page": STEP,
    "complaint-close-page": STEP,
    "complaint-reopen-page": STEP,
    "complaint-hold-page": STEP,
    "complaint-resume-page": STEP,
    "complaint-approve-in-person": STEP,
    "complaint-reject-in-person": STEP,
    "complaint-assign-page": Rule(SUPERVISOR, scoped=True, methods=POST),
    "customer": Rule(FRONTLINE, scoped=True),
    "customer-tier-page": Rule(SUPERVISOR, scoped=True, methods=POST),
    "board": Rule(SUPERVISOR),
    "dashboard": Rule(SUPERVISOR),
    "approvals": Rule(SUPERVISOR),
    "approval-approve-page": Rule(SUPERVISOR, scoped=True, methods=POST),
    "approval-reject-page": Rule(SUPERVISOR, scoped=True, methods=POST),
    "inbox": Rule(FRONTLINE),
    "settings": Rule(FRONTLINE, methods=("GET", "POST")),
    "language": Rule(None, methods=POST),
    "inbox-read-all": Rule(FRONTLINE, methods=POST),
    # The customer's own pages: a token is the key
    "survey": Rule(None, methods=("GET", "POST")),
    "public-form": Rule(None, methods=("GET", "POST")),
    "public-thanks": Rule(None),
    "status": Rule(None),
}


def routes() -> list[tuple[str, str, URLPattern]]:
    """(name, address pattern, pattern) of every route but the Django admin's (it has its own, staff only)."""
    found = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                walk(pattern.url_patterns, prefix + str(pattern.pattern), pattern.namespace or namespace)
            else:
                name = pattern.name
                # The pages' step routes share names with the API's; told apart by their interface.
                if namespace == "web" and f"{name}-page" in RULES:
                    name = f"{name}-page"
                found.append((name, prefix + str(pattern.pattern), pattern))

    walk(get_resolver().url_patterns, "", "")
    return found


def test_every_route_has_its_rule():
    names = [name for name, _, _ in routes()]
    assert len(names) == len(set(names)), "two routes share a name: give them a rule each"
    assert set(names) == set(RULES)


@dataclass
class World:
    """The objects the addresses name, all of store S1, and who stands where."""

    values: dict[str, str]
    people: dict[str, object]  # label -> user (None: anonymous)
    in_scope: dict[str, bool]  # label -> is the user staff of S1 (or the recipient of the notification)


@pytest.fixture
def world(org, api, limits, sla) -> World:
    frontline1 = api(org.frontline1)
    logged = frontline1.log().json()
    complaint_id = logged["id"]
    frontline1.step(complaint_id, "apologize", {"note": "Sorry."})
    frontline1.respond(complaint_id, ("voucher", "80.00"))  # above frontline's 50: sent to supervisor1
    approval = ApprovalRequest.objects.get(complaint_id=complaint_id)
    notifications.notifications_create(
        complaint=approval.complaint,
        deadline=approval.complaint.deadlines.get(step=DeadlineStep.APPROVAL, closed_at__isnull=True),
        level=0,
        kind=NotificationKind.APPROVAL_REQUESTED,
        text="",
        recipients=[org.supervisor1],
        now=timezone.now(),
    )
    notification_id = Notification.objects.get(recipient=org.supervisor1).pk
    image = io.BytesIO()
    Image.new("RGB", (4, 4)).save(image, "JPEG")
    photo = ComplaintPhoto(complaint_id=complaint_id, width=4, height=4, size_bytes=len(image.getvalue()))
    photo.image.save("p.jpg", ContentFile(image.getvalue()), save=True)
    values = {
        "complaint_id": complaint_id,
        "approval_id": str(approval.pk),
        "customer_id": str(logged["customer"]["id"]),
        "notification_id": str(notification_id),
        "photo_id": str(photo.pk),
        "policy_id": str(SlaPolicy.objects.first().pk),
        "store_code": "S1",
        "day": "2026-12-01",
        "token": org.s1.public_token,
        "receipt": "x",
        "survey_token": "not-a-survey-token",
        "status_token": status_token(approval.complaint),
    }
    people = {
        "anonymous": None,
        "frontline S1": org.frontline1,
        "frontline S2": org.frontline3,
        "supervisor S1": org.supervisor1,
        "supervisor S2": org.supervisor2,
        "manager R1": org.manager1,
        "manager R2": org.manager_other_region,
        "admin": org.admin,
    }
    in_scope = {label: label.endswith("S1") or label in ("manager R1", "admin") for label in people}
    return World(values=values, people=people, in_scope=in_scope)


def address(pattern: str, world: World, name: str) -> str:
    path = "/" + pattern
    for converter, key in [
        ("<anyuuid:complaint_id>", "complaint_id"),
        ("<uuid:complaint_id>", "complaint_id"),
        ("<anyuuid:approval_id>", "approval_id"),
        ("<uuid:approval_id>", "approval_id"),
        ("<int:customer_id>", "customer_id"),
        ("<int:notification_id>", "notification_id"),
        ("<int:photo_id>", "photo_id"),
        ("<int:policy_id>", "policy_id"),
        ("<str:store_code>", "store_code"),
        ("<isodate:day>", "day"),
        ("<str:receipt>", "receipt"),
    ]:
        path = path.replace(converter, world.values[key])
    own_tokens = {"survey": world.values["survey_token"], "status": world.values["status_token"]}
    token = own_tokens.get(name, world.values["token"])
    path = path.replace("<str:token>", token)
    assert "<" not in path, path
    return path


REFUSED, REFUSED_FORM = (403, 404), (303, 403, 404)
PEOPLE = [
    "anonymous",
    "frontline S1",
    "frontline S2",
    "supervisor S1",
    "supervisor S2",
    "manager R1",
    "manager R2",
    "admin",
]


@pytest.mark.parametrize("label", PEOPLE)
def test_each_role_and_place_gets_in_only_where_it_may(world, label):
    user = world.people[label]
    cells, wrong = 0, []
    for name, pattern, _ in routes():
        rule = RULES[name]
        path = address(pattern, world, name)
        for method in rule.methods:
            client = APIClient()
            if user is not None:
                client.force_login(user)
            response = getattr(client, method.lower())(path, {}, format="json" if rule.api else None)
            cells += 1
            status = response.status_code
            allowed = rule.role is None or (
                user is not None and RANK[user.role] >= RANK[rule.role] and (not rule.scoped or world.in_scope[label])
            )
            if name == "notification-read" and user is not None:
                allowed = user.username == "supervisor1"  # the recipient alone
            if status >= 500:
                wrong.append((name, method, label, status, "server error"))
            elif rule.role is not None and user is None:
                if status not in (302, 401, 403):
                    wrong.append((name, method, label, status, "anonymous let in"))
            elif (allowed and status in (401, 404, 405)) or (allowed and status == 403 and not rule.decision):
                wrong.append((name, method, label, status, "refused"))
            elif not allowed and status not in (REFUSED_FORM if not rule.api and method == "POST" else REFUSED):
                wrong.append((name, method, label, status, "let in"))
    assert cells >= len(RULES)
    assert not wrong, "\n".join(map(str, wrong))
