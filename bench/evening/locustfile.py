"""A chain's busy evening, as locust users: frontline staff log complaints and walk them through the steps,
supervisors decide the approvals their staff's compensation needs, managers read the metrics.

Run by ``bench/evening_load.py`` (which starts the product, its worker and beat); by hand:

    bench/.venv-locust/bin/locust -f bench/evening/locustfile.py --headless -u 24 -r 4 -t 10m --host URL

``EVENING_STORES`` (default 10) says how many demo stores (``seed_demo --stores N``) the staff come from.
Every request must answer the status the flow expects; anything else is a failure in the report.
"""

import itertools
import os
import random
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from locust import FastHttpUser, between, task

PASSWORD = "demo-pass-123"
STORES = int(os.environ.get("EVENING_STORES", "10"))
CATEGORIES = ["food_quality", "wait_time", "staff_attitude", "billing", "cleanliness", "facilities", "other"]
SEVERITIES = ["low", "medium", "medium", "high"]
_phones = itertools.count(random.randrange(10_000_000))
_store_numbers = itertools.count()


def frontline_usernames(store: int) -> list[str]:
    if store == 1:
        return ["frontline1", "frontline2"]
    if store == 2:
        return ["frontline3"]
    return [f"s{store}.frontline1", f"s{store}.frontline2"]


def supervisor_username(store: int) -> str:
    return f"supervisor{store}" if store <= 2 else f"s{store}.supervisor"


class Staff(FastHttpUser):
    abstract = True
    username = ""

    def sign_in(self, username: str) -> None:
        self.username = username
        with self.client.post(
            "/api/v1/auth/token/", json={"username": username, "password": PASSWORD}, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"sign-in of {username}: {response.status_code} {response.text[:200]}")
                self.token = ""
                return
            self.token = response.json()["token"]

    def call(self, method: str, path: str, name: str, expect: tuple[int, ...] = (200,), **kwargs):
        headers = {"Authorization": f"Token {self.token}", "Accept-Language": "zh-hans"}
        if method == "POST":
            headers["Idempotency-Key"] = str(uuid.uuid4())
        with self.client.request(method, path, name=name, headers=headers, catch_response=True, **kwargs) as response:
            if response.status_code not in expect:
                response.failure(f"{response.status_code} {(response.text or '')[:300]}")
                return None
            response.success()  # an expected 4xx (a request decided meanwhile: 409) is not a failure
            return (
                response.json()
                if response.text and response.headers.get("content-type", "").startswith("application/json")
                else {}
            )

    def read_metrics(self, *, days: int, name: str, group_by: str = "") -> None:
        """The recovery metrics of the last ``days`` days in the user's scope, as the dashboard asks for them."""
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the demo stores' clock
        query = f"date_from={today - timedelta(days=days)}&date_to={today}" + (
            f"&group_by={group_by}" if group_by else ""
        )
        self.call("GET", f"/api/v1/metrics/recovery/?{query}", name)


class Frontline(Staff):
    """Logs a complaint, apologizes, responds (sometimes with compensation above their limits), and later follows
    up and closes the ones whose approval came through."""

    weight = 6
    wait_time = between(2, 6)

    def on_start(self) -> None:
        store = next(_store_numbers) % STORES + 1
        self.store = store
        names = frontline_usernames(store)
        self.sign_in(random.choice(names))
        self.waiting: list[str] = []  # complaints awaiting approval, to finish later

    @task(6)
    def walk_a_complaint(self) -> None:
        complaint = str(uuid.uuid4())
        phone = f"139{next(_phones) % 100_000_000:08d}"
        created = self.call(
            "POST",
            "/api/v1/complaints/",
            "POST complaints",
            (201,),
            json={
                "id": complaint,
                "channel": random.choice(["in_person", "in_person", "phone"]),
                "category": random.choice(CATEGORIES),
                "severity": random.choice(SEVERITIES),
                "stage": "in_sale",
                "description": "汤是凉的，等了四十分钟才上菜。",
                "customer": {"name": "王女士", "phone": phone},
                "contact_consent": True,
            },
        )
        if created is None:
            return
        self.call("GET", f"/api/v1/complaints/{complaint}/", "GET complaint")
        apologized = self.call(
            "POST", f"/api/v1/complaints/{complaint}/apologize/", "POST apologize", json={"note": "当面致歉"}
        )
        if apologized is None:
            return
        amount = random.choice([None, None, "20.00", "30.00", "80.00"])
        body = {"resolution": "换了一碗热汤"}
        if amount:
            body["compensation"] = [{"kind": "voucher", "amount": amount, "note": "下次用餐抵用"}]
        responded = self.call("POST", f"/api/v1/complaints/{complaint}/respond/", "POST respond", json=body)
        if responded is None:
            return
        if responded.get("status") == "awaiting_approval":
            self.waiting.append(complaint)
            return
        self.finish(complaint)

    def finish(self, complaint: str) -> None:
        if (
            self.call(
                "POST",
                f"/api/v1/complaints/{complaint}/follow-up/",
                "POST follow-up",
                json={"outcome": "顾客满意", "satisfaction": random.randint(3, 5)},
            )
            is None
        ):
            return
        self.call(
            "POST",
            f"/api/v1/complaints/{complaint}/close/",
            "POST close",
            json={"closure_code": "resolved", "servqual_dimension": "reliability", "blueprint_area": "back_stage"},
        )

    @task(2)
    def finish_an_approved_one(self) -> None:
        if not self.waiting:
            return
        complaint = self.waiting[0]
        found = self.call("GET", f"/api/v1/complaints/{complaint}/", "GET complaint")
        if found is None:
            self.waiting.pop(0)
            return
        if found.get("status") == "awaiting_approval":
            return
        self.waiting.pop(0)
        if found.get("status") == "apologized":  # rejected: respond again, without compensation
            body = {"resolution": "当面解释"}
            if self.call("POST", f"/api/v1/complaints/{complaint}/respond/", "POST respond", json=body) is None:
                return
        if found.get("status") in ("responded", "apologized"):
            self.finish(complaint)

    @task(2)
    def my_open_complaints(self) -> None:
        open_statuses = "status=new&status=apologized&status=responded"
        self.call("GET", f"/api/v1/complaints/?{open_statuses}&ordering=due", "GET complaints open")

    @task(1)
    def inbox(self) -> None:
        self.call("GET", "/api/v1/notifications/?read=false", "GET notifications")

    @task(1)
    def limits(self) -> None:
        self.call("GET", f"/api/v1/me/limits/?store=S{self.store}", "GET me/limits")


def decide_waiting(user: Staff, query: str) -> None:
    """Decide the first few requests waiting on the user's role: most approved, a few rejected with a reason.

    409 is an answer the flow expects: the request was decided meanwhile (sent up a level, or decided by
    another approver); 202 too: over the approver's own limits, sent up a level.
    """
    queue = user.call("GET", f"/api/v1/approvals/?status=pending&{query}", "GET approvals pending")
    for approval in (queue or {}).get("results", [])[:3]:
        if random.random() < 0.1:
            body, decision, expect = {"reason": "超出本店标准，请改为当面解释"}, "reject", (200, 409)
        else:
            body, decision, expect = {"note": "同意"}, "approve", (200, 202, 409)
        user.call(
            "POST", f"/api/v1/approvals/{approval['id']}/{decision}/", f"POST approval {decision}", expect, json=body
        )


class Supervisor(Staff):
    """Decides the store's approvals as they come (a few rejected, with a reason) and watches what is due."""

    weight = 2
    wait_time = between(3, 8)

    def on_start(self) -> None:
        self.store = next(_store_numbers) % STORES + 1
        self.sign_in(supervisor_username(self.store))

    @task(4)
    def decide(self) -> None:
        decide_waiting(self, f"approver_role=supervisor&store=S{self.store}")

    @task(2)
    def overdue(self) -> None:
        self.call("GET", "/api/v1/complaints/?overdue=true&ordering=due", "GET complaints overdue")

    @task(1)
    def store_metrics(self) -> None:
        self.read_metrics(days=30, name="GET metrics store")


class Manager(Staff):
    """Decides what went over the supervisors' limits, and reads the region's figures now and then."""

    weight = 1
    wait_time = between(5, 10)

    def on_start(self) -> None:
        self.sign_in("manager1")

    @task(3)
    def decide(self) -> None:
        decide_waiting(self, "approver_role=manager")

    @task
    def region_metrics(self) -> None:
        self.read_metrics(days=90, name="GET metrics region", group_by="store")


class Admin(Staff):
    """The last approver: decides what went over the managers' limits."""

    fixed_count = 1
    wait_time = between(10, 20)

    def on_start(self) -> None:
        self.sign_in("admin")

    @task
    def decide(self) -> None:
        decide_waiting(self, "approver_role=admin")
