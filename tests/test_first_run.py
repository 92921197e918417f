"""A first run: `/` and `/api/v1/` lead somewhere, the README's examples work as pasted, and the docs
work with DEBUG off before anything was collected."""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from complaints.models import Complaint, ComplaintStatus
from config import settings as configured
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent


# --- `/` and the admin's "View site" ---------------------------------------------------------------


def test_home_leads_a_visitor_to_sign_in(client, db):
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/sign-in/?next=/"
    assert response.status_code == 200
    assert b'name="password"' in response.content


def test_the_admins_view_site_link_leads_to_the_pages(client, db):
    client.force_login(UserFactory(username="root", role="admin", store=None, is_staff=True, is_superuser=True))
    admin_page = client.get("/admin/").content.decode()
    view_site = re.search(r'<a href="([^"]+)">View site</a>', admin_page)
    assert view_site
    response = client.get(view_site.group(1))
    assert response.status_code == 200
    assert b"New complaint" in response.content


# --- The API's root ------------------------------------------------------------------------------


def test_api_root_lists_where_each_resource_lives_without_signing_in(client, db):
    response = client.get("/api/v1/")
    assert response.status_code == 200
    roots = response.json()
    assert roots == {
        "auth-token": "http://testserver/api/v1/auth/token/",
        "me": "http://testserver/api/v1/me/",
        "complaints": "http://testserver/api/v1/complaints/",
        "complaints-export": "http://testserver/api/v1/complaints/export.csv",
        "metrics": "http://testserver/api/v1/metrics/recovery/",
        "approvals": "http://testserver/api/v1/approvals/",
        "notifications": "http://testserver/api/v1/notifications/",
        "categories": "http://testserver/api/v1/categories/",
        "sla-policies": "http://testserver/api/v1/sla-policies/",
        "schema": "http://testserver/api/v1/schema/",
        "docs": "http://testserver/api/v1/docs/",
    }


def test_api_root_is_in_the_schema(client, db):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/"]["get"]
    documented = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][documented]["properties"]) >= {"auth-token", "complaints", "docs"}


# --- The README's examples, run as pasted ----------------------------------------------------------


def readme_section(title: str) -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index(f"\n## {title}\n")
    end = readme.find("\n## ", start + 1)
    return readme[start : end if end != -1 else None]


def shell_blocks(text: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)


def curl_commands(script: str) -> int:
    """How many times the script calls curl (comments aside)."""
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("#"))
    return len(re.findall(r"(?:^|\$\(|\|)\s*curl\s", code, flags=re.MULTILINE))


# Every curl fails the script on an HTTP error (printing the body), and reports its status on stderr.
CURL_REPORTING_STATUS = """\
set -euo pipefail
shopt -s inherit_errexit
curl() { command curl --fail-with-body --max-time 30 --write-out '%{stderr}HTTP %{http_code}\\n' "$@"; }
"""


def test_readme_api_examples_run_as_pasted_against_the_demo_data(live_server, transactional_db, settings):
    settings.DEBUG = True  # as `make run` loads it
    call_command("seed_demo", stdout=io.StringIO())
    seeded = set(Complaint.objects.values_list("pk", flat=True))
    scheme, host, port = re.fullmatch(r"(https?)://([^:/]+):(\d+)", live_server.url).groups()
    assert (scheme, host) == ("http", "localhost")  # the README's address, at the live server's port

    script = "\n".join(shell_blocks(readme_section("Using the API")))
    environment = os.environ | {"WEB_PORT": port, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    result = subprocess.run(
        ["bash", "-c", CURL_REPORTING_STATUS + script], env=environment, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    statuses = re.findall(r"^HTTP (\d{3})$", result.stderr, flags=re.MULTILINE)
    assert len(statuses) == curl_commands(script) > 0, result.stderr
    assert all(code.startswith("2") for code in statuses), result.stderr
    # The chain went all the way: the complaint the examples logged was closed.
    [logged] = Complaint.objects.exclude(pk__in=seeded)
    assert logged.status == ComplaintStatus.CLOSED


# --- The docs with DEBUG off and nothing collected --------------------------------------------------


@pytest.fixture
def production_static_files(settings, tmp_path):
    """Static files as production has them (WhiteNoise, the storage of config.settings), DEBUG off, and
    nothing collected: a fresh clone."""
    settings.DEBUG = False
    settings.MIDDLEWARE = configured.MIDDLEWARE
    settings.STORAGES = configured.STORAGES
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STATIC_ROOT.mkdir()


def test_docs_work_with_debug_off_before_collectstatic(client, db, production_static_files):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', response.content.decode())
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets), assets
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert b"".join(served.streaming_content), asset
        served.close()


def test_docs_use_the_hashed_files_once_collected(client, db, production_static_files):
    call_command("collectstatic", "--noinput", verbosity=0)
    page = client.get("/api/v1/docs/").content.decode()
    bundle = re.search(r'src="(/static/[^"]+/swagger-ui-bundle\.[0-9a-f]{12}\.js)"', page)
    assert bundle, page
    served = client.get(bundle.group(1))
    assert served.status_code == 200
    assert "immutable" in served["Cache-Control"]  # a hashed name may be cached for good
    served.close()
