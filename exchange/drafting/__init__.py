"""
Drafting events from a news article: proposals for an analyst to confirm, correct or discard.

Everything is offline and read-only until ``drafts_record``: a parse of each sentence (spaCy,
``language``), the field's vocabulary where a list is right (``vocabulary``), dates resolved with
stated conventions (``dates``), speakers with their roles (``speakers``), one draft per clause-level
event (``propose``), and each draft checked against the case's timeline (``timeline``).
"""

from .dates import DateMention, date_resolve, dates_find
from .drafts import DEADLINE, Draft, Proposal
from .propose import article_propose as _article_propose
from .reading import people_mentioned, sentences_split
from .record import drafts_record
from .timeline import drafts_mark_recorded


def article_propose(*, case, text: str, published_on) -> Proposal:
    """Draft events for a case from the text of a news report published on the given day, each
    marked when the timeline already holds it."""
    proposal = _article_propose(case=case, text=text, published_on=published_on)
    drafts_mark_recorded(case=case, drafts=proposal.drafts)
    return proposal


__all__ = [
    "DEADLINE", "DateMention", "Draft", "Proposal", "article_propose", "date_resolve", "dates_find", "drafts_record",
    "people_mentioned", "sentences_split",
]
