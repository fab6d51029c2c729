"""The Makefile's `run` target: the port it serves on and the SITE_URL it hands the app."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def dry_run(*args: str, **env: str) -> str:
    """The commands `make run` would run (`make -n`), with PORT and SITE_URL only as given here."""
    base = {key: value for key, value in os.environ.items() if key not in {"PORT", "SITE_URL", "MAKEFLAGS"}}
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", *args], cwd=ROOT, env=base | env,
        capture_output=True, text=True, check=True, timeout=30,
    )
    return result.stdout


def test_run_serves_on_port_8000_by_default():
    commands = dry_run()
    assert "manage.py runserver 127.0.0.1:8000" in commands
    assert "SITE_URL=http://127.0.0.1:8000." in commands


def test_run_port_on_the_command_line_moves_the_server_and_site_url():
    commands = dry_run("PORT=8101")
    assert "manage.py runserver 127.0.0.1:8101" in commands
    assert "Open http://127.0.0.1:8101/" in commands
    assert "SITE_URL=http://127.0.0.1:8101." in commands
    assert "127.0.0.1:8000" not in commands


def test_run_port_from_the_environment_moves_the_server_and_site_url():
    commands = dry_run(PORT="8101")
    assert "manage.py runserver 127.0.0.1:8101" in commands
    assert "SITE_URL=http://127.0.0.1:8101." in commands


def test_run_keeps_a_site_url_the_environment_sets():
    commands = dry_run("PORT=8101", SITE_URL="https://tracker.example.org")
    assert "manage.py runserver 127.0.0.1:8101" in commands
    assert "SITE_URL=https://tracker.example.org." in commands
