"""
What the case record announces to the rest of the project.

The domain knows nothing of alerts, feeds or search indexes above it: it says once, after the
transaction that recorded an event has committed, that the event exists, and whoever subscribed
(``alerts`` writes its outbox) acts on it. Nothing is announced for a change that was rolled back.
"""

import logging

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

# Sent with ``event_id`` (the new event's primary key) and ``actor_id`` (who recorded it, or None).
event_recorded = Signal()

# Sent with ``case_id`` (the new case's primary key) and ``actor_id`` (who opened it, or None), once the
# transaction that opened it has committed: with the people, events and so on written in that same
# transaction (the case form's person sought, an import's timeline).
case_created = Signal()


def _send_logging_failures(signal: Signal, *, sender, what: str, **kwargs) -> None:
    """Send ``signal``; a subscriber that fails is logged, never raised into the sender."""
    for receiver, result in signal.send_robust(sender=sender, **kwargs):
        if isinstance(result, Exception):
            logger.error("%s subscriber %r failed for %s", what, receiver, kwargs, exc_info=result)


def event_recorded_announce(*, event, actor) -> None:
    """Announce a new event once its transaction commits; a failing subscriber cannot undo the record."""
    event_id, actor_id = event.pk, getattr(actor, "pk", None)
    transaction.on_commit(
        lambda: _send_logging_failures(
            event_recorded, sender=type(event), what="event_recorded", event_id=event_id, actor_id=actor_id
        )
    )


def case_created_announce(*, case, actor) -> None:
    """Announce a new case once its transaction commits; a failing subscriber cannot undo the record."""
    case_id, actor_id = case.pk, getattr(actor, "pk", None)
    transaction.on_commit(
        lambda: _send_logging_failures(
            case_created, sender=type(case), what="case_created", case_id=case_id, actor_id=actor_id
        )
    )


# Sent with ``case_id`` inside the transaction that changed what a case's record says (an event
# added, corrected, deleted or restored; the case's states or treaty edited; the case deleted or
# restored), so that what subscribers derive from the record (``clocks``: the time limits it
# implies) commits with the change or not at all. A subscriber does its work in a savepoint of
# its own and logs its failure: the record must be kept whatever a subscriber does.
case_record_changed = Signal()


def case_record_changed_announce(*, case_id: int) -> None:
    """Tell the subscribers, in this transaction, that the case's record changed."""
    _send_logging_failures(case_record_changed, sender=None, what="case_record_changed", case_id=case_id)
