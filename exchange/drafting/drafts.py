"""What the drafter proposes: plain data, so that a form can carry it between proposal and confirmation."""

from dataclasses import asdict, dataclass, field

from cases.dates import DatePrecision, partial_date_bounds, partial_date_display, partial_date_parse
from cases.models import Case, Confidence, Person

DEADLINE = "deadline"  # not an event: a dated item on the case (alerts.Deadline)


@dataclass
class Draft:
    """One proposed event; the analyst confirms, corrects or discards it."""

    kind: str
    summary: str
    evidence: str  # the sentence the draft comes from
    about_case: bool
    why: str  # why it is (or is not) thought to be about the case
    date: str = ""  # as the analyst types it: YYYY, YYYY-MM or YYYY-MM-DD; blank when the report gives none
    date_precision: str = DatePrecision.DAY
    date_approximate: bool = False
    date_as_written: str = ""
    clause: str = ""  # the words of the sentence that tell this event, highlighted for the analyst
    confidence: str = Confidence.REPORTED
    authority_name: str = ""
    authority_country: str = ""
    authority_level: str = ""
    authority_kind: str = ""
    decision: str = ""
    decision_detail: str = ""
    official_name: str = ""  # an executive decision's minister or official
    official_id: int | None = None
    government: str = ""
    body: str = ""
    speaker_name: str = ""
    speaker_id: int | None = None
    speaker_title: str = ""
    speaker_role: str = ""
    channel: str = ""  # blank: not known
    quote: str = ""  # verbatim words only
    reported_speech: bool = False
    gist: str = ""  # reported speech: what was said, in the source's words, never shown as a quotation
    custody_change: str = ""
    category: str = ""  # a status update's
    filing_type: str = ""
    filed_by: str = ""
    hearing_status: str = ""
    deadline_title: str = ""
    recorded_event_id: int | None = None  # the event already on the timeline that this draft repeats
    recorded_as: str = ""  # how that event reads on the timeline
    also_told_in: list[str] = field(default_factory=list)  # other sentences telling the same event (merged)

    def as_initial(self) -> dict:
        # Ticked: about the case, not yet on the timeline, and dated (an undated draft waits for the analyst's date).
        # The date as analysts write it ("Apr 2025", "c. 2019"), in the review's one date field.
        date = ""
        if self.date:
            value = partial_date_parse(self.date, precision=self.date_precision)
            date = partial_date_display(value, precision=self.date_precision, approximate=self.date_approximate)
        return asdict(self) | {"date": date, "also_told_in": " | ".join(self.also_told_in)[:5000],
                               "record": self.about_case and not self.recorded_event_id and bool(self.date),
                               "add_source": bool(self.recorded_event_id)}

    @property
    def key(self) -> tuple:
        """What makes two drafts of one kind the same event, dates apart."""
        if self.kind == "statement":
            return (self.reported_speech, (self.speaker_name or self.body).lower())
        return {
            "ruling": (self.decision,),
            "executive_decision": (self.decision,),
            "custody": (self.custody_change,),
            "filing": (self.filing_type,),
            "hearing": (self.hearing_status,),
            "status": (self.category,),
            DEADLINE: (),
        }.get(self.kind, ())

    def bounds(self):
        if not self.date:
            return None
        try:
            value = partial_date_parse(self.date, precision=self.date_precision)
        except Exception:
            return None
        return partial_date_bounds(value, precision=self.date_precision, approximate=self.date_approximate)

    def dates_agree(self, other: "Draft") -> bool:
        mine, theirs = self.bounds(), other.bounds()
        return mine is None or theirs is None or mine.overlaps(theirs)

    def same_event(self, other: "Draft") -> bool:
        if self.kind != other.kind:
            return False
        if self.kind == "statement":
            if self.government == other.government and self.date and self.date == other.date and (
                (self.reported_speech and not self.speaker_name and other.quote and other.about_case and self.about_case)
                or (other.reported_speech and not other.speaker_name and self.quote and other.about_case and self.about_case)
            ):
                return True  # "India said on Friday that…" and the spokesperson's words that day: one statement
            if self.quote and other.quote:
                a, b = " ".join(self.quote.lower().split()), " ".join(other.quote.lower().split())
                return a in b or b in a
            return self.key == other.key and self.date == other.date and self.gist == other.gist
        if self.key != other.key:
            return False
        if self.authority_name and other.authority_name and self.kind in ("ruling", "hearing") and (
            self.authority_country != other.authority_country
        ):
            return False
        if self.kind in ("hearing", DEADLINE, "status"):
            return self.date == other.date or not self.date or not other.date
        return self.dates_agree(other)

    def better_dated_than(self, other: "Draft") -> bool:
        if self.kind == "statement" and bool(self.quote) != bool(other.quote):
            return bool(self.quote)  # the words as said, rather than the report's summary of them
        rank = {DatePrecision.DAY: 3, DatePrecision.MONTH: 2, DatePrecision.YEAR: 1}
        mine = (bool(self.date), not self.date_approximate, rank.get(self.date_precision, 0)) if self.date else (False,)
        theirs = (bool(other.date), not other.date_approximate, rank.get(other.date_precision, 0)) if other.date else (False,)
        return mine > theirs


@dataclass
class Proposal:
    drafts: list[Draft] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)  # recorded people the article names
    cases: list[Case] = field(default_factory=list)  # recorded cases the article concerns
    dates: list[tuple[str, str]] = field(default_factory=list)  # (as written, resolved) for the analyst to check

    @property
    def already_recorded(self) -> int:
        return sum(1 for draft in self.drafts if draft.recorded_event_id)

