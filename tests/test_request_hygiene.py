"""Odd charsets, uploads and oversized bodies get a clear 400 page; pages are never cached."""
import logging

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import client_for

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def strict_client():
    return Client(enforce_csrf_checks=True, raise_request_exception=False)


@pytest.mark.parametrize("charset", ["latin-1", "iso-8859-1", "utf-16", "utf-32", "utf8", "no-such-charset"])
def test_a_form_not_in_utf8_gets_a_clear_400_and_no_traceback(strict_client, charset, caplog):
    body = "username=caf\u00e9&password=x".encode("utf-16" if charset == "utf-16" else "latin-1")
    with caplog.at_level(logging.INFO):
        response = strict_client.generic("POST", reverse("login"), body, content_type=f"{FORM}; charset={charset}")
    assert response.status_code == 400
    assert "could not be accepted" in response.content.decode() and "UTF-8" in response.content.decode()
    assert not [record for record in caplog.records if record.exc_info]


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", None])
def test_a_form_in_utf8_goes_through(strict_client, charset):
    content_type = f"{FORM}; charset={charset}" if charset else FORM
    response = strict_client.generic("POST", reverse("login"), b"username=a&password=b", content_type=content_type)
    assert response.status_code == 403  # the CSRF check, reached because the body was read


def multipart_with_file(size: int) -> tuple[bytes, str]:
    boundary = "threshold-test-boundary"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nclinician\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"big.bin\"\r\n"
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + b"x" * size + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize("size", [10_000, 900_000])
def test_a_file_part_is_refused_and_never_written(strict_client, settings, tmp_path, size, caplog):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # were any handler to store the file, it would go to tmp_path
    body, content_type = multipart_with_file(size)
    with caplog.at_level(logging.INFO):
        response = strict_client.generic("POST", reverse("login"), body, content_type=content_type)
    assert response.status_code == 400 and "accepts no files" in response.content.decode()
    assert list(tmp_path.iterdir()) == []
    assert not [record for record in caplog.records if record.exc_info]


def test_an_oversized_body_is_refused_before_it_is_read(strict_client, settings):
    body, content_type = multipart_with_file(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = strict_client.generic("POST", reverse("login"), body, content_type=content_type)
    assert response.status_code == 400 and "larger than this application accepts" in response.content.decode()


def test_an_oversized_form_is_refused(strict_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = strict_client.generic("POST", reverse("login"), b"username=" + b"a" * 200, content_type=FORM)
    assert response.status_code == 400


def test_a_garbled_multipart_body_is_a_400(strict_client):
    response = strict_client.generic("POST", reverse("login"), b"--x\r\nnonsense",
                                     content_type="multipart/form-data; boundary=\x00bad")
    assert response.status_code == 400


def test_refused_pages_carry_the_security_headers(strict_client):
    response = strict_client.generic("POST", reverse("login"), b"a=b", content_type=f"{FORM}; charset=latin-1")
    assert response["X-Frame-Options"] == "DENY" and "default-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.parametrize("name", ["home", "screening_list", "screening_new", "audit_log", "login"])
def test_pages_are_never_stored(client, clinician, lead, name):
    client_for(client, lead if name == "audit_log" else clinician)
    response = client.get(reverse(name))
    assert "no-store" in response["Cache-Control"]


def test_static_files_stay_cacheable(client):
    response = client.get("/static/css/threshold.css")
    assert response.status_code == 200 and "no-store" not in response.get("Cache-Control", "")
