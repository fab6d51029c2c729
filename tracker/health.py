"""The health check a monitor polls: can the app reach its database and its broker, and is the email
outbox moving? 200 when all is well, 503 otherwise, with a JSON body saying which part failed.

Open to anonymous requests (a monitor has no login) and so says nothing a stranger could use: no
addresses, names or errors, only which check failed and the outbox's counts."""

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from alerts.selectors import outbox_health

logger = logging.getLogger(__name__)

# Seconds the broker check may take: a monitor's request must not hang on a broker that is down.
BROKER_TIMEOUT = 3


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def _broker() -> dict:
    from tracker.celery import app

    with app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0.5, timeout=BROKER_TIMEOUT)
    return {"ok": True}


def _outbox() -> dict:
    health = outbox_health()
    age = health.oldest_pending_age
    return {
        "ok": not health.is_stuck,
        "failed": health.failed,
        "pending": health.pending,
        "missed_by_sweep": health.overdue,
        "oldest_pending_seconds": None if age is None else int(age.total_seconds()),
    }


CHECKS = {"database": _database, "broker": _broker, "outbox": _outbox}


@login_not_required
@never_cache
@require_safe
def healthz(request):
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as error:  # Each backend fails in its own way; all mean "not reachable".
            logger.warning("Health check %s failed: %s", name, error)
            results[name] = {"ok": False}
        if name == "database" and not results[name]["ok"]:
            # Without the database the outbox cannot be read.
            results["outbox"] = {"ok": False}
            break
    healthy = all(result["ok"] for result in results.values())
    return JsonResponse({"status": "ok" if healthy else "failing", "checks": results}, status=200 if healthy else 503)
