"""An upload over the limit is stopped while it streams in (exchange/uploads.py:
LimitedUploadHandler), and the import page says why; a file within the limit still imports."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.test import Client, RequestFactory
from django.urls import resolve, reverse

from cases import roles
from cases.models import Case
from exchange.uploads import FRAMING_BYTES, upload_limit
from tests.factories import user_in_role

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
CHUNK = FileUploadHandler.chunk_size
BOUNDARY = "----limit-test-boundary"
FIRST_DEMO = Path(__file__).resolve().parent / "data" / "rana-2025-01-31-v2.json"


class StreamedUpload:
    """A multipart body as a browser sends the import form (CSRF token, the file, the format),
    its file ``file_size`` bytes long, made as it is read rather than held, counting what is read."""

    def __init__(self, file_size: int, filename="cases.json", csrf_token="x" * 64):
        self.head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{csrf_token}\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/json\r\n\r\n"
        ).encode()
        self.tail = (f'\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="format"\r\n\r\n\r\n'
                     f"--{BOUNDARY}--\r\n").encode()
        self.file_size = file_size
        self.length = len(self.head) + file_size + len(self.tail)
        self.bytes_read = 0

    def _byte_range(self, start: int, stop: int) -> bytes:
        parts, offset = [], 0
        for part in (self.head, None, self.tail):
            size = self.file_size if part is None else len(part)
            low, high = max(start, offset), min(stop, offset + size)
            if low < high:
                parts.append(b"x" * (high - low) if part is None else part[low - offset:high - offset])
            offset += size
        return b"".join(parts)

    def read(self, size=-1):
        stop = self.length if size is None or size < 0 else min(self.length, self.bytes_read + size)
        data = self._byte_range(self.bytes_read, stop)
        self.bytes_read = stop
        return data

    def readline(self, size=-1):  # Django's stream wrapper has it; the multipart parser does not use it
        return self.read(size)

    def environ(self) -> dict:
        return {"wsgi.input": self, "CONTENT_LENGTH": str(self.length),
                "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}"}


@pytest.fixture
def analyst(client, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    client.force_login(user_in_role(roles.ANALYST, "ana"))
    return client


@pytest.fixture
def kept(monkeypatch):
    """How many bytes of uploaded files Django's own handlers kept (in memory or a temporary file)."""
    counts = {"bytes": 0}
    for handler in (MemoryFileUploadHandler, TemporaryFileUploadHandler):
        original = handler.receive_data_chunk

        def counting(self, raw_data, start, original=original):
            result = original(self, raw_data, start)
            if result is None:  # this handler kept the chunk
                counts["bytes"] += len(raw_data)
            return result

        monkeypatch.setattr(handler, "receive_data_chunk", counting)
    return counts


def _post(client, upload: StreamedUpload):
    return client.generic("POST", reverse("exchange:import_upload"), **upload.environ())


def test_a_body_declared_too_large_is_refused_before_its_file_is_read(analyst, settings, kept, tmp_path):
    settings.EXCHANGE_IMPORT_MAX_BYTES = 1 * MB
    upload = StreamedUpload(200 * MB)
    response = _post(analyst, upload)
    assert response.status_code == 400
    # The first chunk or two, holding the form's fields before the file: not the limit, let alone 200 MB.
    assert upload.bytes_read <= 2 * CHUNK
    assert kept["bytes"] == 0 and not any(tmp_path.glob("*.upload*"))


def test_a_file_over_the_limit_within_the_declared_length_is_stopped_by_counting(analyst, settings, kept):
    settings.EXCHANGE_IMPORT_MAX_BYTES = 1 * MB
    upload = StreamedUpload(1 * MB + FRAMING_BYTES // 2)  # Content-Length alone does not tell
    assert upload.length <= 1 * MB + FRAMING_BYTES
    response = _post(analyst, upload)
    assert response.status_code == 400
    assert upload.bytes_read <= 1 * MB + CHUNK
    assert kept["bytes"] <= 1 * MB


@pytest.mark.parametrize("file_size", [2 * MB, 1 * MB + 1000], ids=["by Content-Length", "by counting"])
def test_the_import_page_says_the_file_is_over_the_limit(analyst, settings, file_size):
    settings.EXCHANGE_IMPORT_MAX_BYTES = 1 * MB
    response = _post(analyst, StreamedUpload(file_size))
    assert response.status_code == 400
    text = response.content.decode()
    assert "the limit is 1 MB. Split it into several files" in text
    assert "This field is required" not in text


def test_the_csrf_token_sent_before_the_file_is_still_read(settings, tmp_path):
    """Why a body too large by its Content-Length is refused when its file starts, not unread."""
    settings.EXCHANGE_IMPORT_MAX_BYTES = 1 * MB
    client = Client(enforce_csrf_checks=True)
    client.force_login(user_in_role(roles.ANALYST, "ana"))
    client.get(reverse("exchange:import_upload"))
    upload = StreamedUpload(200 * MB, csrf_token=client.cookies[settings.CSRF_COOKIE_NAME].value)
    response = _post(client, upload)
    assert response.status_code == 400 and b"the limit is 1 MB" in response.content
    assert upload.bytes_read <= 2 * CHUNK


def test_a_browser_upload_over_the_limit_gets_the_same_message(analyst, settings):
    settings.EXCHANGE_IMPORT_MAX_BYTES = 1 * MB
    response = analyst.post(reverse("exchange:import_upload"),
                            {"file": SimpleUploadedFile("big.json", b" " * (2 * MB))})
    assert response.status_code == 400
    assert b"The file is 2.0 MB; the limit is 1 MB." in response.content


def test_a_file_of_exactly_the_limit_still_imports(analyst, settings):
    data = FIRST_DEMO.read_bytes()
    settings.EXCHANGE_IMPORT_MAX_BYTES = len(data)
    response = analyst.post(reverse("exchange:import_upload"), {"file": SimpleUploadedFile("rana.json", data)})
    assert response.status_code == 200 and b"create case" in response.content
    response = analyst.post(reverse("exchange:import_confirm"), {"upload": response.context["upload"]})
    assert response.status_code == 200
    assert Case.objects.filter(reference="rana-us-india").exists()


def test_the_import_page_has_its_own_limit_and_other_pages_the_general_one(settings):
    settings.EXCHANGE_IMPORT_MAX_BYTES = 3 * MB
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * MB
    import_page, other_page = RequestFactory().post(reverse("exchange:import_upload")), RequestFactory().post("/")
    import_page.resolver_match = resolve(import_page.path_info)
    other_page.resolver_match = resolve(other_page.path_info)
    assert (upload_limit(import_page), upload_limit(other_page)) == (3 * MB, 2 * MB)
