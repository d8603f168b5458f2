"""The LOA: filled literally from the request, the signed copy checked by its content and
kept out of any public URL."""

from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader

from orion.porting import services
from orion.porting.exceptions import LoaRefused
from orion.porting.loa import port_loa_pdf
from orion.porting.models import PortRequest
from orion.porting.storage import MAX_LOA_BYTES
from tests.porting.factories import make_port, pdf_bytes


def _text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


@pytest.mark.django_db
def test_the_loa_prints_the_values_literally(tenant_a):
    port = make_port(tenant_a, losing_carrier="AT&T <b>Mobility</b>",
                     account_number="A<1>&2", address_line1="<img src='/etc/passwd'/> 5 Elm",
                     authorized_name="Lee & <Co>", authorized_title="CEO <i>x</i>",
                     numbers="2125550100-2125550101", pin="7777")
    text = _text(port_loa_pdf(port=port))
    for value in ("AT&T <b>Mobility</b>", "A<1>&2", "<img src='/etc/passwd'/> 5 Elm",
                  "Lee & <Co>", "CEO <i>x</i>", "212-555-0100", "212-555-0101",
                  "212-555-0100", f"{port.desired_date:%Y-%m-%d}", "Signature"):
        assert value in text, value
    assert "7777" not in text  # the PIN is never printed


@pytest.mark.django_db
def test_the_loa_download_needs_a_visible_request(client, tenant_a, tenant_b):
    port = make_port(tenant_a)
    client.force_login(tenant_a.user)
    response = client.get(f"/ports/{port.pk}/loa.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "Verizon" in _text(response.content)
    client.force_login(tenant_b.user)
    assert client.get(f"/ports/{port.pk}/loa.pdf").status_code == 404


def _stored(media_dir) -> list:
    folder = media_dir / "loa"
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.mark.django_db
@pytest.mark.parametrize("content", [
    b"GIF89a not a pdf", b"%PDF-1.7 but nothing after the header",
    b"<html><body>%PDF-</body></html>"])
def test_an_upload_that_is_not_a_pdf_is_refused_and_nothing_is_stored(tenant_a, media_dir,
                                                                      content):
    port = make_port(tenant_a)
    with pytest.raises(LoaRefused):
        services.port_loa_attach(user=tenant_a.user, port_id=port.pk, content=content)
    assert _stored(media_dir) == []
    assert PortRequest.objects.get(pk=port.pk).loa_file == ""


@pytest.mark.django_db
def test_a_file_over_10_mb_is_refused_by_the_service(tenant_a, media_dir):
    port = make_port(tenant_a)
    big = pdf_bytes() + b"%" * (MAX_LOA_BYTES + 1)
    with pytest.raises(LoaRefused, match="at most 10 MB"):
        services.port_loa_attach(user=tenant_a.user, port_id=port.pk, content=big)
    assert _stored(media_dir) == []


@pytest.mark.django_db
def test_a_50_mb_upload_is_refused_before_it_is_read_and_nothing_is_stored(client, tenant_a,
                                                                           media_dir):
    port = make_port(tenant_a)
    client.force_login(tenant_a.user)
    fifty = BytesIO(b"%PDF-1.4\n" + b"0" * (50 * 1024 * 1024))
    fifty.name = "big.pdf"
    response = client.post(f"/ports/{port.pk}/loa/", {"file": fifty})
    assert response.status_code == 413
    assert _stored(media_dir) == []
    assert PortRequest.objects.get(pk=port.pk).loa_file == ""


@pytest.mark.django_db
def test_page_upload_refusal_is_shown_next_to_the_control(client, tenant_a, media_dir):
    port = make_port(tenant_a)
    client.force_login(tenant_a.user)
    fake = BytesIO(b"MZ\x90\x00 an executable")
    fake.name = "signed.pdf"
    response = client.post(f"/ports/{port.pk}/loa/", {"file": fake})
    assert response.status_code == 422
    assert 'id="loa-error"' in response.content.decode()
    assert "must be a PDF" in response.content.decode()
    assert _stored(media_dir) == []


@pytest.mark.django_db
def test_the_signed_copy_is_stored_randomly_and_served_only_to_partner_and_staff(
        client, tenant_a, tenant_b, staff, media_dir, settings,
        django_capture_on_commit_callbacks):
    port = make_port(tenant_a)
    signed = pdf_bytes("signed by Pat")
    upload = BytesIO(signed)
    upload.name = "../../etc/evil name.pdf"
    client.force_login(tenant_a.user)
    assert client.post(f"/ports/{port.pk}/loa/", {"file": upload}).status_code == 302
    port.refresh_from_db()
    [stored] = _stored(media_dir)
    assert stored.name == port.loa_file and "evil" not in stored.name
    assert stored.read_bytes() == signed
    assert not str(stored).startswith(str(settings.STATIC_ROOT))
    for who in (tenant_a.user, staff):
        client.force_login(who)
        response = client.get(f"/ports/{port.pk}/loa/signed/")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == signed
    client.force_login(tenant_b.user)
    assert client.get(f"/ports/{port.pk}/loa/signed/").status_code == 404
    # No public URL serves the folder.
    client.force_login(tenant_a.user)
    for public in (f"/media/loa/{stored.name}", f"/static/loa/{stored.name}",
                   f"/static/{stored.name}"):
        assert client.get(public).status_code == 404, public
    # Replacing it removes the old file once the new one is kept.
    with django_capture_on_commit_callbacks(execute=True):
        services.port_loa_attach(user=tenant_a.user, port_id=port.pk,
                                 content=pdf_bytes("v2"))
    port.refresh_from_db()
    assert [p.name for p in _stored(media_dir)] == [port.loa_file] != [stored.name]


@pytest.mark.django_db
def test_a_10_mb_upload_reaches_the_check_past_the_body_limit(client, tenant_a, media_dir):
    """The body-size middleware lets a 10 MB file (and its form) through on the LOA path
    only; the content check then decides."""
    port = make_port(tenant_a)
    client.force_login(tenant_a.user)
    ten = BytesIO(b"x" * MAX_LOA_BYTES)
    ten.name = "signed.pdf"
    response = client.post(f"/ports/{port.pk}/loa/", {"file": ten})
    assert response.status_code == 422 and "must be a PDF" in response.content.decode()
    ten.seek(0)
    assert client.post(f"/ports/{port.pk}/comments/", {"file": ten}).status_code == 413
