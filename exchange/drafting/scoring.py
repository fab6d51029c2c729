"""
Scoring the drafter on the development set (tests/data/drafting): real reports with the events an
analyst expects, marked must, should or may.

A draft matches an expected event when it is of the same kind, comes from the sentence the
expected evidence lies in, and carries an accepted code (decision, custody change, filing type,
hearing status, category); failing that, when it has the same kind, an accepted code and the same
date, told in another sentence (a report often tells the news twice: in its lead and its body). Each expected event takes one draft; a second draft for it counts
against precision. Precision counts the drafts ticked by default (those thought to be about the
case); a draft matching a "may" event is not wrong. Dates are right when they are the expected
partial date exactly, or both absent; an invented date is one given where the report gives none.
"""

import datetime
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

CODE_KEYS = {"ruling": "decision", "executive_decision": "decision", "custody": "custody_change", "filing": "filing_type",
             "hearing": "hearing_status", "status": "category"}
SPEAKER_FILLER = {"the", "of", "a", "an", "and", "uk's", "us", "u.s.", "spokesperson", "spokesman", "spokeswoman", "ministry",
                  "minister", "government", "official", "officials", "office", "department", "for", "affairs", "said"}


@dataclass
class Tally:
    must: int = 0
    must_found: int = 0
    should: int = 0
    should_found: int = 0
    proposed: int = 0
    proposed_right: int = 0
    matched: int = 0
    dated_right: int = 0
    statements: int = 0
    speakers_right: int = 0
    invented_dates: int = 0
    misses: list = field(default_factory=list)
    wrong: list = field(default_factory=list)

    def add(self, other: "Tally") -> None:
        for name in ("must", "must_found", "should", "should_found", "proposed", "proposed_right", "matched", "dated_right",
                     "statements", "speakers_right", "invented_dates"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.misses += other.misses
        self.wrong += other.wrong

    @staticmethod
    def _ratio(a, b):
        return a / b if b else 1.0

    @property
    def must_recall(self):
        return self._ratio(self.must_found, self.must)

    @property
    def recall(self):
        return self._ratio(self.must_found + self.should_found, self.must + self.should)

    @property
    def precision(self):
        return self._ratio(self.proposed_right, self.proposed)

    @property
    def date_accuracy(self):
        return self._ratio(self.dated_right, self.matched)

    @property
    def speaker_accuracy(self):
        return self._ratio(self.speakers_right, self.statements)

    def figures(self) -> dict:
        return {"must recall": self.must_recall, "must+should recall": self.recall, "precision": self.precision,
                "date accuracy": self.date_accuracy, "speaker accuracy": self.speaker_accuracy,
                "invented dates": self.invented_dates, "must": self.must, "must+should": self.must + self.should,
                "proposed": self.proposed}


def reports_load(folder: Path) -> list[dict]:
    reports = []
    for path in sorted(folder.glob("*.json")):
        report = json.loads(path.read_text())
        report["name"] = path.stem
        reports.append(report)
    return reports


def _codes(expected: dict) -> set[str]:
    value = expected.get(CODE_KEYS.get(expected["kind"], ""), None)
    if value is None:
        return set()
    return set(value) if isinstance(value, list) else {value}


def _draft_code(draft, kind: str) -> str:
    return getattr(draft, CODE_KEYS[kind], "") if kind in CODE_KEYS else ""


def _matches(draft, expected: dict, *, anywhere: bool = False) -> bool:
    if draft.kind != expected["kind"]:
        return False
    if not anywhere and not any(_norm(expected["evidence"]) in _norm(told) for told in [draft.evidence, *draft.also_told_in]):
        return False
    codes = _codes(expected)
    return not codes or _draft_code(draft, expected["kind"]) in codes


def _norm(text: str) -> str:
    return " ".join(text.replace("’", "'").replace("“", '"').replace("”", '"').split())


def _speaker_right(draft, expected: dict) -> bool:
    words = [w for w in re.findall(r"[\w.'’]+", expected.get("speaker", "").lower())]
    significant = [w for w in words if w not in SPEAKER_FILLER] or words
    said_by = f"{draft.speaker_name} {draft.body} {draft.speaker_title}".lower().replace("’", "'")
    return any(re.search(rf"(?<!\w){re.escape(w.replace('’', chr(39)))}(?!\w)", said_by) for w in significant)


def report_score(report: dict) -> Tally:
    """Draft the report for a case made from its description, and compare with what is expected."""
    from cases.models import Case, CaseParty, Person
    from exchange.drafting import article_propose

    tally = Tally()
    with transaction.atomic():
        described = report["case"]
        names = described.get("people_sought") or []
        case = Case.objects.create(
            reference=f"score-{re.sub(r'[^a-z0-9]+', '-', report['name'].lower()).strip('-')}"[:60],
            title=described.get("title") or report["title"], requesting_state=described["requesting_state"],
            requested_state=described["requested_state"],
        )
        if names:
            person = Person.objects.create(name=names[0])
            for variant in names[1:]:
                person.names.create(name=variant)
            CaseParty.objects.create(case=case, person=person, role=CaseParty.Role.PERSON_SOUGHT)
        drafts = article_propose(case=case, text=report["text"], published_on=datetime.date.fromisoformat(report["published_on"])).drafts
        transaction.set_rollback(True)
    taken: set[int] = set()
    order = {"must": 0, "should": 1, "may": 2}
    for expected in sorted(report["expected"], key=lambda e: order[e["priority"]]):
        priority = expected["priority"]
        found = next((i for i, d in enumerate(drafts) if i not in taken and _matches(d, expected)), None)
        if found is None and expected.get("date") and expected["kind"] != "statement":
            found = next((i for i, d in enumerate(drafts) if i not in taken and _matches(d, expected, anywhere=True)
                          and d.date == expected["date"]), None)
        if priority == "must":
            tally.must += 1
        elif priority == "should":
            tally.should += 1
        if found is None:
            if priority != "may":
                tally.misses.append((report["name"], priority, expected["kind"], expected["evidence"], expected.get("summary", "")))
            continue
        taken.add(found)
        draft = drafts[found]
        if priority == "must":
            tally.must_found += 1
        elif priority == "should":
            tally.should_found += 1
        tally.matched += 1
        wanted = expected.get("date")
        if (wanted or "") == draft.date:
            tally.dated_right += 1
        if not wanted and draft.date:
            tally.invented_dates += 1
        if draft.kind == "statement":
            tally.statements += 1
            tally.speakers_right += _speaker_right(draft, expected)
    for index, draft in enumerate(drafts):
        if not draft.about_case:
            continue
        tally.proposed += 1
        if index in taken:
            tally.proposed_right += 1
        else:
            tally.wrong.append((report["name"], draft.kind, _draft_code(draft, draft.kind), draft.date, draft.summary[:90]))
    return tally


def set_score(folder: Path) -> Tally:
    total = Tally()
    for report in reports_load(folder):
        total.add(report_score(report))
    return total
