"""
Uploaded import files waiting between the preview and the confirmation, and the progress of
imports run in the background.

Each upload is a file under VAR_DIR/imports named ``<user id>-<random>.<format>``; only its
uploader can use it. A background preview or import writes its progress and then its result
beside it (``<name>.status.json``), which the upload page polls.
"""

import json
import re
import time
import uuid
from pathlib import Path

from django.conf import settings

from .imports import Action, ImportResult, Problem, import_bytes

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
