"""The staff page: the command's options, a job with a progress bar, the report."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from orion.accounts.models import Customer
from orion.adoption.models import ImportRun
from orion.adoption.services import import_run_execute
from tests.adoption.seed import HQ, SP

pytestmark = pytest.mark.django_db


def _jobs() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT task_name, args::text FROM procrastinate_jobs ORDER BY id")
        return cursor.fetchall()


def test_staff_run_the_import_from_the_page(staff, tenant_a, legacy, bw_config):
    client = Client()
    client.force_login(staff)
    page = client.get("/broadworks/import/")
    assert page.status_code == 200 and 'id="import-form"' in page.content.decode()
    answer = client.post("/broadworks/import/", {"partner": tenant_a.partner.pk,
                                                 "service_providers": f"{SP}, NOPE1"})
    run = ImportRun.objects.get()
    assert answer.status_code == 302 and answer["Location"].endswith(f"?id={run.pk}")
    assert (run.service_providers, run.dry_run, run.status) == ([SP, "NOPE1"], False, "queued")
    assert _jobs()[-1] == ("orion.import_broadworks", f'{{"run_id": {run.pk}}}')
    waiting = client.get(f"/broadworks/import/progress/?id={run.pk}").content.decode()
    assert 'hx-trigger="every 1s"' in waiting and "Waiting for a worker" in waiting
    assert import_run_execute(run_id=run.pk, config=bw_config) == "done"
    assert import_run_execute(run_id=run.pk, config=bw_config) == "already run"
    run.refresh_from_db()
    assert (run.status, run.done, run.total) == ("done", 2, 2)
    done = client.get(f"/broadworks/import/progress/?id={run.pk}").content.decode()
    assert "hx-trigger" not in done  # polling stops with the report
    assert "Created: 1 enterprises, 2 customers, 1 domains, 5 numbers, 2 baselines." in done
    assert "Legacy Gold" in done and "enterprise NOPE1" in done and "not in BroadWorks" in done
    assert Customer.objects.filter(bw_group_id=HQ, partner=tenant_a.partner).exists()


def test_a_refused_option_is_shown_next_to_its_field(staff, tenant_a):
    client = Client()
    client.force_login(staff)
    answer = client.post("/broadworks/import/", {"partner": tenant_a.partner.pk,
                                                 "service_providers": "A" * 31})
    html = answer.content.decode()
    assert answer.status_code == 422 and not ImportRun.objects.exists()
    assert 'name="service_providers"' in html.split('id="import-problem"')[0].rsplit("<p>", 1)[1]
    assert "is not a BroadWorks enterprise id" in html
    missing = client.post("/broadworks/import/", {"service_providers": ""})
    assert missing.status_code == 422 and "Choose the partner" in missing.content.decode()


def test_partners_get_a_404(tenant_a, staff):
    client = Client()
    client.force_login(tenant_a.user)
    assert client.get("/broadworks/import/").status_code == 404
    assert client.post("/broadworks/import/", {"partner": tenant_a.partner.pk}).status_code == 404
    run = ImportRun.objects.create(partner=tenant_a.partner, created_by=staff)
    assert client.get(f"/broadworks/import/progress/?id={run.pk}").status_code == 404
    assert not ImportRun.objects.exclude(pk=run.pk).exists()
