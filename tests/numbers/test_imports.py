"""Staff number import from the page and the API: one service with the command, a job that
imports in chunks with progress on its row, and the same report."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from orion.numbers.models import DID, NumberImport
from orion.numbers.services import (
    ImportRefused,
    number_import_run,
    number_import_start,
    numbers_import,
)
from orion.numbers.services import imports as import_service
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db

CSV = (b"number,rate center,state,city,zip\n"
       b"2125550100,NWYRCYZN01,NY,New York,10001\n"
       b"2125550101,,,,\n"
       b"2125550102,<script>alert(1)</script>,NY,,\n"
       b"=cmd|' /C calc'!A0,,,,\n"
       b"2125550100,NWYRCYZN01,NY,,\n")


def _jobs() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT task_name, args::text FROM procrastinate_jobs ORDER BY id")
        return cursor.fetchall()


def test_upload_queues_a_job_and_the_job_gives_the_commands_report(staff):
    job = number_import_start(user=staff, filename="stock.csv", content=CSV)
    assert job.status == "queued" and job.total == 6 and job.done == 0
    assert _jobs()[-1] == ("orion.import_numbers", f'{{"import_id": {job.pk}}}')
    assert not DID.objects.exists()  # nothing imported before the job runs

    summary = number_import_run(import_id=job.pk)
    job.refresh_from_db()
    # The same words and counts as ``orion numbers import`` gives for the same lines.
    DID.objects.all().delete()
    direct = numbers_import(lines=CSV.decode().splitlines())
    assert summary == job.summary() == direct.summary() == (
        "2 added, 0 already in the inventory, 3 rejected")
    assert (job.status, job.done, job.total, job.content) == ("done", 6, 6, "")
    assert [row[0] for row in job.rejected] == [4, 5, 6]
    assert job.rejected[0][1] == "2125550102,<script>alert(1)</script>,NY,,"
    assert "duplicate of line 2" in job.rejected[2][2]
    assert number_import_run(import_id=job.pk) == "already run"  # a second run does nothing


def test_progress_is_written_in_chunks_while_the_job_runs(staff, monkeypatch):
    monkeypatch.setattr(import_service, "PROGRESS_EVERY", 10)
    lines = "\n".join(f"303555{n:04d}" for n in range(100, 145)).encode()
    job = number_import_start(user=staff, filename="big.csv", content=lines)
    seen: list[int] = []
    real = import_service.numbers_import

    def spy(**kwargs):
        progress = kwargs["progress"]

        def wrapped(n: int) -> None:
            progress(n)
            seen.append(NumberImport.objects.get(pk=job.pk).done)

        return real(**{**kwargs, "progress": wrapped})

    monkeypatch.setattr(import_service, "numbers_import", spy)
    number_import_run(import_id=job.pk)
    assert sorted(set(seen)) == [0, 10, 20, 30, 40]
    job.refresh_from_db()
    assert (job.done, job.added) == (45, 45)


def test_two_uploads_are_two_jobs(staff):
    first = number_import_start(user=staff, filename="a.csv", content=b"2125550100\n")
    second = number_import_start(user=staff, filename="b.csv", content=b"2125550101\n")
    assert first.pk != second.pk and len(_jobs()) == 2
    number_import_run(import_id=second.pk)
    number_import_run(import_id=first.pk)
    assert DID.objects.count() == 2


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "empty"),
    (b"2125550100\n\xff\xfe\n", "not UTF-8"),
    (b"2125550100\x00\n", "not a CSV"),
])
def test_bad_files_are_refused_before_anything_is_stored(staff, content, reason):
    with pytest.raises(ImportRefused, match=reason) as exc:
        number_import_start(user=staff, filename="x.csv", content=content)
    assert exc.value.field == "file"
    assert not NumberImport.objects.exists() and not _jobs()


def test_partners_cannot_import(tenant_a):
    from orion.core.exceptions import NotFound

    with pytest.raises(NotFound):
        number_import_start(user=tenant_a.user, filename="x.csv", content=CSV)


def test_staff_page_uploads_polls_and_shows_the_report_as_data(staff):
    client = Client()
    client.force_login(staff)
    page = client.get("/numbers/import/")
    assert page.status_code == 200 and 'id="import-form"' in page.content.decode()
    response = client.post("/numbers/import/",
                           {"file": SimpleUploadedFile("stock.csv", CSV, "text/csv")})
    assert response.status_code == 302
    job = NumberImport.objects.get()
    waiting = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in waiting and "0 of 6 lines" in waiting
    number_import_run(import_id=job.pk)
    done = client.get(f"/numbers/import/progress/?id={job.pk}").content.decode()
    assert "every 1s" not in done  # the polling stops with the report
    assert "2 added, 0 already in the inventory, 3 rejected" in done
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in done and "<script>alert" not in done
    assert "=cmd|&#x27; /C calc&#x27;!A0" in done


def test_staff_page_refuses_a_missing_or_bad_file_next_to_the_control(staff):
    client = Client()
    client.force_login(staff)
    missing = client.post("/numbers/import/", {})
    assert missing.status_code == 422 and "Choose a CSV file" in missing.content.decode()
    bad = client.post("/numbers/import/",
                      {"file": SimpleUploadedFile("x.csv", b"\xff\xfe", "text/csv")})
    body = bad.content.decode()
    assert bad.status_code == 422 and 'id="import-problem"' in body and "UTF-8" in body


def test_partners_get_404_on_the_import_page(client_a):
    assert client_a.get("/numbers/import/").status_code == 404
    assert client_a.post("/numbers/import/", {
        "file": SimpleUploadedFile("x.csv", CSV, "text/csv")}).status_code == 404
    assert not NumberImport.objects.exists()


def test_api_import_for_staff_tokens_only(staff, tenant_a):
    staff_api = ApiClient(staff)
    response = staff_api.client.post(
        "/api/v1/numbers/imports", {"file": SimpleUploadedFile("s.csv", CSV, "text/csv")},
        headers=staff_api._headers())
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["status"], body["total"], body["done"]) == ("queued", 6, 0)
    number_import_run(import_id=body["id"])
    report = staff_api.get(f"/numbers/imports/{body['id']}").json()
    assert report["summary"] == "2 added, 0 already in the inventory, 3 rejected"
    assert report["percent"] == 100 and [r[0] for r in report["rejected"]] == [4, 5, 6]

    partner_api = ApiClient(tenant_a.user)
    refused = partner_api.client.post(
        "/api/v1/numbers/imports", {"file": SimpleUploadedFile("s.csv", CSV, "text/csv")},
        headers=partner_api._headers())
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    assert partner_api.get(f"/numbers/imports/{body['id']}").status_code == 404
    assert NumberImport.objects.count() == 1


def test_api_search_blocks_and_toll_free_rule(tenant_a):
    numbers_import(lines=["2125550100,NWYRCYZN01,NY,New York,10001", "2125550101",
                          "8885550100"])
    api = ApiClient(tenant_a.user)
    blocks = api.get("/numbers/blocks").json()["items"]
    assert [(b["npa"], b["nxx"], b["available"], b["city"]) for b in blocks] == [
        ("212", "555", 2, "New York")]
    found = api.get("/numbers/search", zip="10001", consecutive=2).json()
    assert found["runs"] == [["+12125550100", "+12125550101"]]
    assert found["items"][0]["city"] == "New York"
    missing = api.get("/numbers/search", npa="303").json()
    assert missing["items"] == [] and "212-555 has 2" in missing["message"]
    refused = api.get("/numbers/search", npa="888")
    assert refused.status_code == 422 and "Toll FRee Number" in refused.json()["message"]


def test_only_the_upload_paths_take_large_bodies(staff):
    client = Client()
    client.force_login(staff)
    big = b"2125550100\n" * 200_000  # 2.2 MB: above the 1 MB of every other form
    response = client.post("/numbers/import/",
                           {"file": SimpleUploadedFile("big.csv", big, "text/csv")})
    assert response.status_code == 302 and NumberImport.objects.get().total == 200_000
    elsewhere = client.post("/numbers/backorders/fill/",
                            {"file": SimpleUploadedFile("big.csv", big, "text/csv")})
    assert elsewhere.status_code == 413


def test_add_range_command_takes_city_and_zip(capsys):
    from django.core.management import call_command

    from orion.numbers.models import NumberBlock

    call_command("numbers", "add-range", "3035550100-3035550109", "--rate-center", "denver",
                 "--state", "CO", "--city", "Denver", "--zip", "80202")
    assert "10 added" in capsys.readouterr().out
    block = NumberBlock.objects.get(npa="303", nxx="555")
    assert (block.rate_center, block.locality, block.zip_codes) == ("DENVER", "Denver",
                                                                    ["80202"])


def test_api_search_for_another_partners_draft_is_404(tenant_a, tenant_b):
    from tests import factories as f

    numbers_import(lines=["8885550100"])
    draft_a = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise,
                                    packages=("Enterprise Standard", "Toll FRee Number"))
    own = ApiClient(tenant_a.user).get("/numbers/search", toll_free="true", order_id=draft_a.pk)
    assert [i["number"] for i in own.json()["items"]] == ["+18885550100"]
    other = ApiClient(tenant_b.user).get("/numbers/search", toll_free="true",
                                         order_id=draft_a.pk)
    assert other.status_code == 404 and other.json()["code"] == "not_found"
