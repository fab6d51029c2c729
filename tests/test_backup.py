"""A backup restored into an empty database holds every case and event (run as real processes,
since the test database itself cannot be backed up from inside its own transaction)."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COUNT = "from cases.models import Case, Event; print(Case.all_objects.count(), Event.all_objects.count())"


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=True
    ).stdout


def _env(var_dir: Path, database_url: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update({"DEBUG": "true", "VAR_DIR": str(var_dir), "CELERY_BROKER_URL": "memory://"})
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


@pytest.fixture
def databases(tmp_path):
    """Two throwaway databases of the kind under test: a source full of data and an empty target."""
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith("postgres"):
        prefix = base.rsplit("/", 1)[0]
        names = [f"tracker_backup_{uuid.uuid4().hex[:8]}" for _ in range(2)]
        for name in names:
            subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
        yield [(tmp_path / n, f"{prefix}/{n}") for n in names]
        for name in names:
            subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=False)
    else:
        yield [(tmp_path / "source", None), (tmp_path / "target", None)]


def test_a_backup_restored_into_an_empty_database_has_every_case_and_event(databases, tmp_path):
    (source_dir, source_url), (target_dir, target_url) = databases
    source, target = _env(source_dir, source_url), _env(target_dir, target_url)
    _manage("migrate", "--noinput", env=source)
    _manage("load_demo", env=source)
    before = _manage("shell", "--no-imports", "-c", COUNT, env=source).split()
    assert int(before[0]) >= 1 and int(before[1]) >= 3

    _manage("backup_db", "--output", str(tmp_path / "backup.dump"), env=source)
    _manage("restore_db", str(tmp_path / "backup.dump"), "--yes", env=target)

    assert _manage("shell", "--no-imports", "-c", COUNT, env=target).split() == before
