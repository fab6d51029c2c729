"""
Uploads: receiving a file no larger than the limit, the import files waiting between the
preview and the confirmation, and the progress of imports run in the background.

Django bounds a request's form fields (DATA_UPLOAD_MAX_MEMORY_SIZE) but not its files: without
``LimitedUploadHandler`` a 200 MB file is received in full, to a temporary file, before a form
can refuse it. The handler stops reading as soon as the file is known to be too large.

Each upload is a file under VAR_DIR/imports named ``<user id>-<random>.<format>``; only its
uploader can use it. A background preview or import writes its progress and then its result
beside it (``<name>.status.json``), which the upload page polls.
"""

import io
import json
import re
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http.multipartparser import MultiPartParser

from . import imports
from .imports import Action, ImportResult, Problem, import_bytes

# What a multipart body holds besides the file: the framing and the form's other fields (on the
# import page a CSRF token and a format). A body larger than the limit by more than this holds a
# file over the limit, so it is refused on its Content-Length alone.
FRAMING_BYTES = 64 * 1024


def upload_limit(request) -> int | None:
    """The most bytes one uploaded file may have in this request; None: no limit.

    The import page's own limit there (EXCHANGE_IMPORT_MAX_BYTES: the page states it, and would
    refuse a larger file anyway, so reading more is waste); UPLOAD_MAX_BYTES, the general limit
    on what a request may carry, anywhere else."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name == "exchange:import_upload":
        return imports.max_bytes()
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class RefusedUpload(UploadedFile):
    """A file refused while it was being received: its name and the size it was known to reach,
    no content. A view that checks ``size`` against the limit, as the import page does, shows
    its usual message; one that reads it gets nothing."""

    def __init__(self, *, name, content_type, size, charset=None, content_type_extra=None):
        super().__init__(io.BytesIO(), name, content_type, size, charset, content_type_extra)


class LimitedUploadHandler(FileUploadHandler):
    """The first upload handler: stops an upload as soon as its file is known to be over
    ``upload_limit``, without reading the rest of the body, and hands on a ``RefusedUpload``
    in its place so that the page can say why.

    Too large by the request's Content-Length: refused when the file starts, after the form's
    fields before it (so the CSRF token is still read: refusing the whole body unread would
    show a CSRF failure instead of the reason). Within it, framing allowed for: refused by
    counting, at the first chunk that passes the limit (Django reads no more than the
    Content-Length says, so counting is what makes the limit exact). Either way the handlers
    after it (memory, temporary file) have kept at most the limit."""

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = upload_limit(request)
        self.declared_too_large = False
        self.refused = None
        self._parsing = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if self.limit is None or self.request is None or self._parsing:
            return None  # Django parses the body, this handler counting
        self.declared_too_large = content_length > self.limit + FRAMING_BYTES
        # Parse it here, with every handler (this one included, then counting), only so that a
        # refused file can be added to what the parse gives: Django's parser drops it.
        self._parsing = True
        try:
            post, files = MultiPartParser(META, input_data, self.request.upload_handlers, encoding).parse()
        finally:
            self._parsing = False
        if self.refused is not None:
            files.appendlist(self.field_name, self.refused)
        return post, files

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        if self.declared_too_large:
            self._refuse(size=int(self.request.META.get("CONTENT_LENGTH") or 0))

    def receive_data_chunk(self, raw_data, start):
        if self.limit is not None and start + len(raw_data) > self.limit:
            self._refuse(size=start + len(raw_data))
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handlers hold the file

    def _refuse(self, *, size: int):
        self.refused = RefusedUpload(name=self.file_name, content_type=self.content_type, size=size,
                                     charset=self.charset, content_type_extra=self.content_type_extra)
        # The rest of the body is never read; the parser closes (and so deletes) what the next
        # handlers kept of the file so far.
        raise StopUpload(connection_reset=True)


# Rows of the preview's table kept in the status file: enough to read, not a copy of the file.
ACTIONS_SHOWN = 500


def _directory() -> Path:
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def upload_store(*, user_id: int, data: bytes, format: str) -> str:
    name = f"{user_id}-{uuid.uuid4().hex}.{format}"
    (_directory() / name).write_bytes(data)
    return name


def upload_path(*, user_id: int, name: str, must_exist: bool = True) -> Path | None:
    """The stored upload, if the name is well formed, belongs to this user and (unless told
    otherwise) still exists; None otherwise."""
    if not re.fullmatch(rf"{user_id}-[0-9a-f]{{32}}\.(json|csv)", name or ""):
        return None
    path = _directory() / name
    return path if path.is_file() or not must_exist else None


def upload_discard(path: Path) -> None:
    path.unlink(missing_ok=True)


def status_write(path: Path, **state) -> None:
    target = path.with_name(path.name + ".status.json")
    temporary = target.with_suffix(".tmp")
    temporary.write_text(json.dumps(state), encoding="utf-8")
    temporary.replace(target)  # readers never see half a file


def status_read(path: Path) -> dict | None:
    target = path.with_name(path.name + ".status.json")
    try:
        return json.loads(target.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def status_result(state: dict) -> ImportResult:
    """The ImportResult a finished background run left, for the same template as a direct run."""
    return ImportResult(
        problems=[Problem(*p) for p in state.get("problems", [])],
        actions=[Action(*a) for a in state.get("actions", [])],
        applied=state.get("applied", False),
    )


def upload_run(*, path: Path, by, dry_run: bool) -> ImportResult:
    """Preview or import a stored upload, recording progress (at most twice a second) and the result."""
    step = "preview" if dry_run else "import"
    last = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal last
        if time.monotonic() - last >= 0.5 or done == total:
            last = time.monotonic()
            status_write(path, state="running", step=step, done=done, total=total)

    status_write(path, state="running", step=step, done=0, total=0)
    try:
        result = import_bytes(path.read_bytes(), format=path.suffix[1:], by=by, dry_run=dry_run, progress=progress)
    except Exception:
        # The transaction rolled back; the page must not wait for ever on a bar that never moves.
        status_write(path, state="done", step=step, applied=False, summary="", actions=[], actions_total=0,
                     problems=[["file", "", "The import stopped on an unexpected error; nothing was saved. Try again, or tell an administrator."]])
        raise
    status_write(
        path,
        state="done",
        step=step,
        applied=result.applied,
        summary=result.summary(),
        problems=[[p.row, p.field, p.problem] for p in result.problems],
        actions=[[a.verb, a.what, a.label] for a in result.actions[:ACTIONS_SHOWN]],
        actions_total=len(result.actions),
    )
    return result
