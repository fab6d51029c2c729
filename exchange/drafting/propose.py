"""
Proposing events from a news report: one draft per clause-level event, each with its own date.

The report is cut into sentences (a quotation stays whole, a quotation continued into the next
paragraph is joined to it), each sentence is parsed, and the parse cuts it into clauses: the main
clause, coordinated clauses with their own subject ("the magistrate approved the extradition in
February, the Home Secretary signed the order in April, and the High Court refused permission in
November"), adverbial and relative clauses, and what a speech verb introduces ("confirmed that the
order was signed on April 15"). The rule layer (``vocabulary``) then says what each clause reports.

Dates come from the clause itself, or from the clause it shares a subject with; a clause that
gives none gives an undated draft, for the analyst to date, never the publication day in disguise.
"""

import datetime
import re
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta

from cases.countries import country_name
from cases.dates import DatePrecision
from cases.models import Authority, Case, Event, ExecutiveDecision, RulingDecision

from . import language
from .dates import DateMention, dates_find, mention_ahead
from .drafts import Draft, Proposal
from .reading import Reading, reading_start
from .speakers import GOVERNMENT, Speaker, speaker_read, speech_verbs, subject_of
from .vocabulary import SPEECH_LEMMAS
from .vocabulary import (
    CHANNELS,
    COURT,
    COURT_FULL_NAMES,
    COURT_LEVELS,
    CUSTODY,
    DEADLINE,
    EXECUTIVE_ACTOR,
    EXECUTIVE_AUTHORITIES,
    EXECUTIVE_DECISIONS,
    FILINGS,
    FUGITIVE_DETAIL,
    HEARING_MENTION,
    HEARINGS,
    JUDGE,
    NOT_HAPPENED,
    RULING_DECISIONS,
    SENTENCE_DETAIL,
    STATUS_CATEGORIES,
    WARRANT_DETAIL,
)
from .speakers import country_in

QUOTE = re.compile(r"[“\"](?P<quote>[^”\"]+)[”\"]")
# A verb whose complement is what it decided, not a separate event: "ruled that he can be extradited".
DECIDING_LEMMAS = {"rule", "decide", "order", "find", "hold", "conclude", "determine", "declare", "direct"}
# Nouns that name an event and, given their own date, make a clause of their own.
EVENT_NOUNS = {"arrest", "ruling", "judgment", "judgement", "verdict", "decision", "order", "conviction", "sentencing",
               "hearing", "extradition", "surrender", "deportation", "detention", "request", "appeal", "petition", "refusal"}
# Verbs that act on such a noun: "adjourned the hearing on Monday" is one event, the adjournment.
ACTING_LEMMAS = {"adjourn", "hold", "hear", "schedule", "postpone", "defer", "file", "lodge", "submit", "issue", "grant", "deny",
                 "refuse", "dismiss", "reject", "sign", "approve", "uphold", "quash", "overturn", "reverse", "allow", "make",
                 "pass", "deliver", "hand", "order", "seek", "cancel", "vacate", "list", "fix", "set", "move", "withdraw", "revoke"}
SPEECH_CARRIERS = {"email", "statement", "letter", "message", "briefing", "interview", "note", "release", "post", "tweet"}
CLAUSE_DEPS = {"ROOT", "conj", "advcl", "relcl", "ccomp", "parataxis", "acl", "pcomp"}
MODALS = {"will", "would", "could", "can", "may", "might", "should", "must", "shall", "'ll"}
FUTURE_OR_HYPOTHETICAL = re.compile(
    r"\b(?:will|would|could|may|might|plans?\s+to|intends?\s+to|expected\s+to|likely\s+to|set\s+to|due\s+to|is\s+to|are\s+to|hopes?\s+to|wants?\s+to|seeks?\s+to|threaten\w*\s+to|vow\w*\s+to|if|unless|whether)\b",
    re.IGNORECASE,
)


@dataclass
class Clause:
    head: object  # the spaCy token heading the clause
    tokens: list
    text: str
    start: int  # character offsets in the sentence
    end: int
    dates: list[DateMention] = field(default_factory=list)
    parent: "Clause | None" = None
    own_subject: bool = True
    children: list = field(default_factory=list)

    def past_dates(self) -> list[DateMention]:
        return [d for d in self.dates if not d.future]


def article_propose(*, case: Case, text: str, published_on: datetime.date) -> Proposal:
    """Draft events for a case from the text of a news report published on the given day."""
    reading = reading_start(case=case, text=text, published_on=published_on)
    docs = language.parse(reading.sentences) if reading.sentences else []
    drafts: list[Draft] = []
    for index, (sentence, doc) in enumerate(zip(reading.sentences, docs)):
        mentions = dates_find(sentence, published_on=published_on, last_year=reading.last_year, last_date=reading.last_date)
        reading.dates_seen += [(m.written, m.text) for m in mentions if not m.relative]
        clauses = _clauses(doc, sentence, mentions, published_on)
        quotes = [(m.start(), m.end()) for m in QUOTE.finditer(sentence)]
        drafts += _statements(reading, index, sentence, doc, quotes, mentions, clauses)
        for clause in clauses:
            drafts += _clause_events(reading, index, sentence, clause)
        if mentions:
            reading.last_date = max((m for m in mentions if m.precision == DatePrecision.DAY), key=lambda m: m.start, default=reading.last_date)
            reading.last_year = max(mentions, key=lambda m: m.start).value.year
        _courts_remember(reading, sentence)
    proposal = Proposal(people=reading.people, cases=reading.cases, dates=reading.dates_seen)
    proposal.drafts = _merge(drafts)
    return proposal


# Clauses ---------------------------------------------------------------------------------------


def _clauses(doc, sentence: str, mentions: list[DateMention], published_on: datetime.date) -> list[Clause]:
    heads = []
    for token in doc:
        if token.dep_ == "ROOT":
            heads.append(token)
        elif token.dep_ in CLAUSE_DEPS and token.pos_ in ("VERB", "AUX"):
            if token.dep_ == "ccomp" and token.head.lemma_.lower() in DECIDING_LEMMAS and (
                not _after_comma(token)
            ):
                continue  # "ruled that he can be extradited": what was decided belongs to the decision
            if token.dep_ in ("xcomp", "acl", "pcomp", "advcl", "relcl") and not _has_subject(token) and not _own_date(token, mentions):
                continue  # "seeking permission to appeal", "against being extradited": part of the clause above
            if token.dep_ == "conj" and not _has_subject(token) and not _has_date(token, mentions):
                continue  # "was arrested and remanded": one clause, sharing its subject and date
            heads.append(token)
        elif token.pos_ == "NOUN" and token.lemma_.lower() in EVENT_NOUNS and token.dep_ != "ROOT" and _own_date(token, mentions) and not (
            token.dep_ in ("dobj", "nsubj", "nsubjpass") and token.head.lemma_.lower() in ACTING_LEMMAS
        ):
            # An event told as a noun, with its own date: "his arrest in March 2019", "a ruling in January that…".
            heads.append(token)
    head_ids = {h.i for h in heads}
    clauses: dict[int, Clause] = {}
    for head in heads:
        tokens, stack = [], [head]
        while stack:
            token = stack.pop()
            tokens.append(token)
            stack.extend(child for child in token.children if child.i not in head_ids)
        tokens.sort(key=lambda t: t.i)
        start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
        text = "".join(t.text_with_ws if i + 1 < len(tokens) and tokens[i + 1].i == t.i + 1 else t.text + " " for i, t in enumerate(tokens)).strip()
        if head.dep_ in ("acl", "relcl") and head.head.pos_ in ("NOUN", "PROPN"):
            text = f"{head.head.text} {text}"  # "an order signed by the Home Secretary": the order is what was signed
        clauses[head.i] = Clause(head=head, tokens=tokens, text=text, start=start, end=end, own_subject=_has_subject(head))
    token_clause = {t.i: clause for clause in clauses.values() for t in clause.tokens}
    for clause in clauses.values():
        ancestor = clause.head.head
        while ancestor is not None and ancestor.i not in clauses and ancestor is not ancestor.head:
            ancestor = ancestor.head
        if ancestor is not None and ancestor.i in clauses and ancestor.i != clause.head.i:
            clause.parent = clauses[ancestor.i]
            clause.parent.children.append(clause)
    for mention in mentions:
        span = doc.char_span(mention.start, mention.end, alignment_mode="expand")
        if span is None:
            continue
        owner = token_clause.get(span[0].i)
        if owner is not None:
            owner.dates.append(mention_ahead(mention, published_on=published_on) if _looks_ahead(owner) else mention)
    return sorted(clauses.values(), key=lambda c: c.start)


def _looks_ahead(clause: "Clause") -> bool:
    """A clause in the future tense: "will face a hearing", "is due to appear", "is set to rule"."""
    head = clause.head
    if any(c.dep_ == "aux" and c.lower_ in ("will", "shall", "'ll") for c in head.children):
        return True
    return bool(re.search(r"\b(?:is|are)\s+(?:due|set|scheduled|expected|likely)\s+to\b|\bwould\s+face\b", clause.text))


def _after_comma(token) -> bool:
    """A clause set off by a comma or semicolon: "ordered it in February, the minister signed…"."""
    edge = token.left_edge
    return edge.text in (",", ";") or (edge.i > 0 and token.doc[edge.i - 1].text in (",", ";"))


def _has_subject(token) -> bool:
    return any(c.dep_ in ("nsubj", "nsubjpass", "expl") for c in token.children)


def _own_date(token, mentions) -> bool:
    """A date among the token's own words, not those of a clause below it."""
    own = [t for t in token.subtree if not any(a.dep_ in ("conj", "relcl", "ccomp", "advcl") and a.i != token.i for a in _path(t, token))]
    spans = [(t.idx, t.idx + len(t.text)) for t in own]
    return any(any(s <= m.start < e for s, e in spans) for m in mentions)


def _path(token, top):
    path = []
    while token.i != top.i and token.head is not token:
        path.append(token)
        token = token.head
    return path


def _has_date(token, mentions) -> bool:
    return any(token.left_edge.idx <= m.start < token.right_edge.idx + len(token.right_edge.text) for m in mentions
               if not any(c.dep_ in ("conj",) and c.left_edge.idx <= m.start for c in token.children))


def _clause_date(clause: Clause, *, future: bool = False) -> DateMention | None:
    """The clause's own date; else, for a clause sharing its parent's subject, the parent's."""
    pool = [d for d in clause.dates if d.future] if future else clause.past_dates()
    if pool:
        return pool[0]
    if not future and clause.parent is not None and not clause.own_subject and clause.head.dep_ == "conj":
        return _clause_date(clause.parent)
    if not future:
        # "was extradited and formally arrested on Thursday": the date of the clause sharing its subject.
        sharing = [c for c in clause.children if c.head.dep_ == "conj" and not c.own_subject and c.past_dates()]
        if sharing:
            return sharing[0].past_dates()[0]
    if not future and clause.head.dep_ == "relcl" and clause.parent is not None:
        # "in January 2012, when a warrant was issued": the date the relative clause hangs on.
        at = clause.head.head.idx
        return next((d for d in clause.parent.dates if d.start <= at < d.end), None)
    return None


def _first_match(table, text: str):
    """(match, code) of the first pattern of a vocabulary table found in the text, or None."""
    return next(((found, code) for pattern, code in table for found in [pattern.search(text)] if found), None)


def _modal(head, *, allowed: tuple[str, ...] = ()) -> bool:
    """"will", "could", "should"… on the clause's verb: something to come or possible, not done."""
    return any(c.dep_ in ("aux", "auxpass") and c.lower_ in MODALS and c.lower_ not in allowed for c in head.children)


def _negated(head) -> bool:
    return any(c.dep_ == "neg" for c in head.children)


def _happened(clause: Clause, match_start: int, match_end: int | None = None) -> bool:
    """Whether the clause reports something done, not something hoped, planned, denied or possible."""
    if _negated(clause.head) or _modal(clause.head):
        return False
    before = clause.text[max(0, match_start - 40):match_end if match_end is not None else match_start + 30]
    return not NOT_HAPPENED.search(before)


# Events in a clause ----------------------------------------------------------------------------


def _clause_events(reading: Reading, index: int, sentence: str, clause: Clause) -> list[Draft]:
    text = clause.text
    drafts: list[Draft] = []
    decided = _executive(reading, index, sentence, clause) or _ruling(reading, index, sentence, clause)
    if decided:
        drafts.append(decided)
    drafts += _hearings(reading, index, sentence, clause)
    filing = _filing(reading, index, sentence, clause)
    if filing:
        drafts.append(filing)
    drafts += _custody(reading, index, sentence, clause, decided)
    deadline = _deadline(reading, index, sentence, clause, drafts)
    if deadline:
        drafts.append(deadline)
    if not drafts and not QUOTE.search(text):
        status = _status(reading, index, sentence, clause)
        if status:
            drafts.append(status)
    return drafts


def _draft(reading: Reading, index: int, sentence: str, clause: Clause, *, kind: str, date: DateMention | None,
           summary: str, relevance_text: str | None = None, **fields) -> Draft:
    about, why = reading.relevance(relevance_text or reading.context(index), benefit_of_article=True)
    people = _people_in(clause)
    if about and people and not any(name in person or person in name for person in people for name in reading.case_names):
        about, why = False, f"About {people[0]}, not the person sought in this case."
    return Draft(kind=kind, summary=summary, evidence=sentence, clause=clause.text, about_case=about, why=why,
                 **_date_fields(date), **fields)


def _date_fields(date: DateMention | None) -> dict:
    if date is None:
        return {"date": "", "date_precision": DatePrecision.DAY, "date_approximate": False, "date_as_written": ""}
    return {"date": date.text, "date_precision": date.precision, "date_approximate": date.approximate,
            "date_as_written": date.written}


def _executive(reading: Reading, index: int, sentence: str, clause: Clause) -> Draft | None:
    text = clause.text
    decision = _first_match(EXECUTIVE_DECISIONS, text)
    if decision is None:
        return None
    match, code = decision
    actor = EXECUTIVE_ACTOR.search(text) or (
        EXECUTIVE_ACTOR.search(sentence) if not clause.own_subject or _passive(clause) or _pronoun_subject(clause) else None
    )
    signed = re.search(r"\bsign\w*\b[^.]{0,30}\border\b|\border\b[^.]{0,30}\bsigned\b", text, re.IGNORECASE)
    state = _state_subject(clause)
    if actor is None and not signed and not state:
        return None
    if COURT.search(text) and not signed and not actor:
        return None
    if actor is not None and re.search(r"court|judge|magistrate", actor.group(0), re.IGNORECASE):
        return None
    if re.search(r"\bextradition\s+(?:treaty|agreement|pact|arrangement|law|act)\b", text, re.IGNORECASE) and code != ExecutiveDecision.REQUEST_MADE:
        return None  # "signed an extradition treaty in 2010": not a decision on this person
    announced = _announced(clause)
    if _negated(clause.head) or _modal(clause.head, allowed=("would",) if announced else ()) or (not announced and FUTURE_OR_HYPOTHETICAL.search(text[max(0, match.start() - 80):match.start()])):
        return None
    requested = reading.case.requested_state.code
    requesting = reading.case.requesting_state.code
    who = " ".join(actor.group("who").split()) if actor else ""
    if state and not actor:
        # "The US has since given assurances": the state itself acts, through its government.
        requested, requesting = state, state
    authority, country = _executive_authority(who, code=code, clause=text, sentence=sentence, requested=requested, requesting=requesting)
    official = _official(clause, reading.case_names)
    date = _clause_date(clause)
    label = ExecutiveDecision(code).label.lower()
    title = who[:1].upper() + who[1:] if who and not re.match(r"(?:the\s+)?government$", who, re.IGNORECASE) else ""
    said_by = " ".join(part for part in (title, official) if part) or authority
    return _draft(reading, index, sentence, clause, kind=Event.Kind.EXECUTIVE_DECISION, date=date,
                  summary=f"{said_by}: {label}.", authority_name=authority, authority_country=country,
                  authority_kind=Authority.Kind.EXECUTIVE, decision=code, official_name=official)


def _announced(clause: Clause) -> bool:
    """A decision told as announced: "she said she would block his extradition" (the would of reported speech)."""
    head = clause.head
    return head.dep_ == "ccomp" and head.head.lemma_.lower() in SPEECH_LEMMAS and head.head.tag_ == "VBD"


def _state_subject(clause: Clause) -> str:
    """The country that is the clause's subject ("India has sent a request", "the US gave assurances"), if any."""
    for child in clause.head.children:
        if child.dep_ == "nsubj" and child.ent_type_ == "GPE":
            words = "".join(t.text_with_ws for t in child.subtree).strip()
            if len(words.split()) <= 4:
                return country_in(words)
    return ""


def _pronoun_subject(clause: Clause) -> bool:
    return any(c.dep_ in ("nsubj", "nsubjpass") and c.pos_ == "PRON" for c in clause.head.children)


def _names_sought(reading: Reading, text: str) -> bool:
    return any(re.search(rf"\b{re.escape(name)}\b", text) for name in reading.case_names)


def _people_in(clause: Clause) -> list[str]:
    """The people a clause names ("the US has refused to extradite Headley"), and for a relative
    clause the person it hangs on ("Babar Ahmad, who was extradited…")."""
    ids = {t.i for t in clause.tokens}
    if clause.head.dep_ == "relcl":
        ids.add(clause.head.head.i)
    return [re.sub(r"(?:[’']s)$", "", e.text) for e in clause.head.doc.ents if e.label_ == "PERSON" and any(t.i in ids for t in e)]


def _passive(clause: Clause) -> bool:
    return any(c.dep_ in ("nsubjpass", "auxpass") for c in clause.head.children)


def _executive_authority(who: str, *, code: str, clause: str, sentence: str, requested: str, requesting: str) -> tuple[str, str]:
    # A request is sent by the requesting state; an order, authorisation or refusal is the requested state's.
    acting = requesting if code in (ExecutiveDecision.REQUEST_MADE, ExecutiveDecision.PROVISIONAL_ARREST_REQUESTED,
                                    ExecutiveDecision.REQUEST_WITHDRAWN, ExecutiveDecision.ASSURANCES_GIVEN) else requested
    country = country_in(who) or acting
    if code == ExecutiveDecision.REQUEST_MADE and country != requesting:
        # "The Belgian ministry confirmed receipt of the request": the request is the requesting state's.
        return f"Government of {_country_name(requesting)}", requesting
    lowered = who.lower()
    known = EXECUTIVE_AUTHORITIES.get((re.sub(r"^the\s+", "", lowered), country))
    if known:
        return known, country
    if not who or lowered in ("government", "the government", "cabinet", "the cabinet"):
        default = {"GB": "Home Office", "US": "Department of State", "IN": "Ministry of External Affairs"}
        if code in (ExecutiveDecision.EXTRADITION_ORDERED, ExecutiveDecision.SURRENDER_AUTHORISED, ExecutiveDecision.EXTRADITION_REFUSED,
                    ExecutiveDecision.ORDER_WITHDRAWN) and country in default and country != "IN":
            return default[country], country
        return f"Government of {_country_name(country)}" if country else "Government", country
    if "minister" in lowered and "justice" in lowered or lowered in ("justice minister", "law minister"):
        return "Ministry of Justice", country
    if lowered.startswith("president"):
        return "President", country
    return re.sub(r"^the\s+", "", who)[:1].upper() + re.sub(r"^the\s+", "", who)[1:], country


def _country_name(code: str) -> str:
    return country_name(code) or code


def _official(clause: Clause, sought: set[str] = frozenset()) -> str:
    """The person who decided: a name beside the title, or the subject when it is a name (never the person sought)."""
    doc = clause.head.doc
    for entity in doc.ents:
        if any(name in entity.text for name in sought):
            continue
        root = entity.root
        if entity.label_ == "PERSON" and any(t in clause.tokens for t in entity) and (
            (root.dep_ in ("nsubj", "nsubjpass") and root.head.i == clause.head.i) or root.dep_ == "appos"
            or (root.dep_ == "pobj" and root.head.lower_ == "by" and root.head.head.i == clause.head.i)
            or (root.dep_ == "compound" and EXECUTIVE_ACTOR.search(root.head.text))
        ):
            return re.sub(r"(?:[’']s)$", "", entity.text)
    return ""


def _ruling(reading: Reading, index: int, sentence: str, clause: Clause) -> Draft | None:
    text = clause.text
    found = _first_match(RULING_DECISIONS, text)
    if found is None:
        return None
    match, code = found
    court = _court(reading, clause, sentence)
    if court is None:
        if code not in _JUDICIAL_ONLY:
            return None
        if code in _TRIAL_DECISIONS and not (_names_sought(reading, clause.text) or _pronoun_subject(clause)):
            return None  # a conviction with no court and no name: too often someone else's
        # An appeal decision is probably the last court's; a trial court is not named, so none is guessed.
        court = (reading.last_court if code in _APPEAL_DECISIONS else None) or ("", "", Authority.Level.OTHER)
    if _modal(clause.head):
        return None  # "the court will rule", "could be extradited"
    if _negated(clause.head) and code not in _NEGATIVE_DECISIONS:
        return None
    if clause.head.lemma_.lower() in ("face", "fight", "resist", "challenge", "appeal", "seek", "avoid", "oppose") and code in (
        "order_made", "certified"
    ):
        return None
    detail = _decision_detail(text, code)
    label = RulingDecision(code).label.lower()
    return _draft(reading, index, sentence, clause, kind=Event.Kind.RULING, date=_clause_date(clause),
                  summary=f"{court[0] or 'Court (not named)'}: {label}" + (f" ({detail})." if detail else "."),
                  authority_name=court[0], authority_country=court[1], authority_level=court[2],
                  authority_kind=Authority.Kind.COURT, decision=code, decision_detail=detail)


_NEGATIVE_DECISIONS = {"refused", "cert_denied", "permission_refused"}
_TRIAL_DECISIONS = {"convicted", "acquitted", "sentenced", "charged", "declared_fugitive", "dpa_approved"}
_APPEAL_DECISIONS = {"cert_denied", "permission_refused", "permission_granted", "appeal_dismissed", "appeal_allowed",
                     "stay_granted", "stay_denied"}
# Decisions only a court takes: drafted even when the report does not name the court.
_JUDICIAL_ONLY = {"stay_granted", "stay_denied", "dpa_approved", "warrant_issued", "convicted", "acquitted", "sentenced", "bail_granted", "bail_refused", "declared_fugitive",
                  "cert_denied", "permission_refused", "permission_granted", "appeal_dismissed", "appeal_allowed"}


def _court(reading: Reading, clause: Clause, sentence: str) -> tuple[str, str, str] | None:
    """The court of a clause: named in it, or in its sentence, or the court the report last named
    when the clause speaks of "the judge" or "the court"."""
    named = [m for m in COURT.finditer(clause.text) if not _destination(clause.text, m.start())] or [
        m for m in COURT.finditer(sentence) if not _destination(sentence, m.start())
    ]
    if not named:
        if JUDGE.search(clause.text) or JUDGE.search(sentence) or COURT.search(sentence):
            return reading.last_court or _court_named("court", reading, sentence)
        return None
    return _court_named(named[0].group("court"), reading, sentence)


def _courts_remember(reading: Reading, sentence: str) -> None:
    """The last court the report named, for the "the court" and "the judge" of later sentences."""
    for match in COURT.finditer(sentence):
        if match.group("court").strip().lower() not in ("court", "the court", "a court"):
            reading.last_court = _court_named(match.group("court"), reading, sentence)


def _destination(text: str, at: int) -> bool:
    """A court named as where an appeal would go ("permission to appeal to the Supreme Court"), not who decided."""
    return bool(re.search(r"\bappeal\w*\s+(?:\w+\s+){0,2}(?:to|in|before)\s+(?:the\s+)?(?:[A-Z][\w’']*\s+)?$", text[max(0, at - 45):at]))


def _court_named(phrase: str, reading: Reading, sentence: str) -> tuple[str, str, str] | None:
    phrase = re.sub(r"^(?:(?:the|a|an|of|and|for|in|at|by)\s+)+", "", phrase.strip(), flags=re.IGNORECASE)
    phrase = re.sub(r"[’']s$", "", phrase)
    requested = reading.case.requested_state.code
    country = country_in(phrase) or country_in(sentence) or (reading.last_court[1] if reading.last_court else "") or requested
    if phrase.lower() == "court":
        if reading.last_court:
            return reading.last_court
    core = re.sub(r"^(?:(?:US|U\.S\.|UK|U\.K\.|Indian|British|American|London|English|federal|Federal)\s+)+", "", phrase)
    level = next((lvl for key, lvl in COURT_LEVELS if key.lower() in core.lower()), Authority.Level.OTHER)
    known = Authority.objects.filter(country=country, name__icontains=core).order_by("name").first() if core.lower() != "court" else None
    if known:
        return known.name, known.country.code, known.level
    name = COURT_FULL_NAMES.get((core.lower().replace("’", "'").replace("magistrate's", "magistrates'"), country), core)
    name = name[:1].upper() + name[1:]
    return name, country, level


def _decision_detail(text: str, decision: str) -> str:
    sentence_passed = SENTENCE_DETAIL.search(text)
    if sentence_passed and decision in ("sentenced", "convicted"):
        words = " ".join(sentence_passed.group("detail").split())
        return words if decision == "sentenced" else f"sentenced to {words}"
    pattern = {"warrant_issued": WARRANT_DETAIL, "declared_fugitive": FUGITIVE_DETAIL}.get(decision)
    found = pattern.search(text) if pattern else None
    return " ".join(found.group("detail").split()).lower() if found else ""


def _hearings(reading: Reading, index: int, sentence: str, clause: Clause) -> list[Draft]:
    text = clause.text
    status = _first_match(HEARINGS, text)
    if status is None:
        mention = HEARING_MENTION.search(text)
        if mention is None:
            return []
        if _looks_ahead(clause):
            # "would face a five-day hearing from July 1", "will now face an oral hearing": a listing to come.
            ahead = _clause_date(clause, future=True)
            return [_draft(reading, index, sentence, clause, kind=Event.Kind.HEARING, date=ahead,
                           summary=f"Hearing to come{': ' + ahead.written if ahead else ''}.",
                           hearing_status=Event.HearingStatus.SCHEDULED, **_court_fields(reading, clause, sentence))]
        date = _clause_date(clause)
        if date is None or FUTURE_OR_HYPOTHETICAL.search(text):
            return []
        status = (mention, Event.HearingStatus.SCHEDULED if date.future else Event.HearingStatus.HELD)
    if not re.search(r"\b(?:court|judge|hearing|case|matter|trial|bench|magistrate|tribunal|listed|appear\w*|adjourn\w*|verdict|judgment)\b", text, re.IGNORECASE):
        return []
    match, code = status
    authority = _court_fields(reading, clause, sentence)
    ahead = _clause_date(clause, future=True) or next((d for d in clause.dates if d.value > reading.published_on), None)
    drafts = []
    if code == Event.HearingStatus.ADJOURNED:
        drafts.append(_draft(reading, index, sentence, clause, kind=Event.Kind.HEARING, date=_clause_date(clause),
                             summary="Hearing adjourned" + (f" to {ahead.written}." if ahead else "."), hearing_status=code, **authority))
        if ahead:
            drafts.append(_draft(reading, index, sentence, clause, kind=Event.Kind.HEARING, date=ahead,
                                 summary=f"Next hearing: {ahead.written}.", hearing_status=Event.HearingStatus.SCHEDULED, **authority))
        return drafts
    if code == Event.HearingStatus.SCHEDULED:
        if ahead is None:
            return []
        return [_draft(reading, index, sentence, clause, kind=Event.Kind.HEARING, date=ahead,
                       summary=f"Hearing scheduled: {ahead.written}.", hearing_status=code, **authority)]
    date = _clause_date(clause)
    if not _happened(clause, match.start()) or FUTURE_OR_HYPOTHETICAL.search(text):
        return []
    if code == Event.HearingStatus.HELD and date is None and not re.search(r"hearing", text, re.IGNORECASE):
        return []
    label = dict(Event.HearingStatus.choices)[code]
    return [_draft(reading, index, sentence, clause, kind=Event.Kind.HEARING, date=date, summary=f"Hearing: {label.lower()}.",
                   hearing_status=code, **authority)]


def _court_fields(reading: Reading, clause: Clause, sentence: str) -> dict:
    court = _court(reading, clause, sentence) or reading.last_court
    return {"authority_name": court[0], "authority_country": court[1], "authority_level": court[2],
            "authority_kind": Authority.Kind.COURT} if court else {}


def _filing(reading: Reading, index: int, sentence: str, clause: Clause) -> Draft | None:
    text = clause.text
    found = _first_match(FILINGS, text)
    if found is None:
        return None
    match, code = found
    if FUTURE_OR_HYPOTHETICAL.search(text[max(0, match.start() - 30):match.start() + 5]) or not _happened(clause, match.start()):
        return None
    if clause.head.lemma_.lower() in ("dismiss", "reject", "refuse", "deny", "allow", "grant", "uphold", "hear", "consider", "lose", "win"):
        return None  # the decision on a filing, not the filing
    label = dict(Event.FilingType.choices)[code]
    filer = _filer(clause)
    return _draft(reading, index, sentence, clause, kind=Event.Kind.FILING, date=_clause_date(clause),
                  summary=f"{label} filed" + (f" by {filer}." if filer else "."), filing_type=code, filed_by=filer)


def _filer(clause: Clause) -> str:
    subject = [c for c in clause.head.children if c.dep_ == "nsubj"]
    if not subject:
        return ""
    words = "".join(t.text_with_ws for t in subject[0].subtree).strip()
    return "" if words.lower() in ("he", "she", "they", "it") or len(words) > 80 else words


def _custody(reading: Reading, index: int, sentence: str, clause: Clause, decided: Draft | None) -> list[Draft]:
    text = clause.text
    drafts = []
    for pattern, change in CUSTODY:
        match = pattern.search(text)
        if not match or not _happened(clause, match.start(), match.end()):
            continue
        if decided is not None and decided.kind == Event.Kind.RULING and change in (Event.CustodyChange.SURRENDERED, Event.CustodyChange.RELEASED):
            continue  # "ruled that he can be surrendered", "freed": the ruling says it
        if change == Event.CustodyChange.SURRENDERED and re.search(r"\bappeal\b[^.]{0,30}\bagainst\s+being", text, re.IGNORECASE):
            continue
        if change == Event.CustodyChange.ARRESTED and re.search(r"\bprovisional", text, re.IGNORECASE):
            continue
        date = _clause_date(clause)
        if date is None and change not in (Event.CustodyChange.SURRENDERED, Event.CustodyChange.ARRESTED, Event.CustodyChange.PROVISIONALLY_ARRESTED):
            continue
        label = dict(Event.CustodyChange.choices)[change]
        drafts.append(_draft(reading, index, sentence, clause, kind=Event.Kind.CUSTODY, date=date, summary=f"{label}.",
                             custody_change=change))
    if not drafts:
        drafts += _custody_by_verb(reading, index, sentence, clause, decided)
    return drafts


# Custody verbs read from the parse, whatever the wording around them: "police arrested Kang'ethe in
# Boston", "Kenya extradited him on Monday", "he was flown to New Delhi".
CUSTODY_LEMMAS = {
    "arrest": Event.CustodyChange.ARRESTED, "detain": Event.CustodyChange.ARRESTED, "apprehend": Event.CustodyChange.ARRESTED,
    "capture": Event.CustodyChange.ARRESTED, "nab": Event.CustodyChange.ARRESTED, "recapture": Event.CustodyChange.ARRESTED,
    "extradite": Event.CustodyChange.SURRENDERED, "surrender": Event.CustodyChange.SURRENDERED, "fly": Event.CustodyChange.SURRENDERED,
    "deport": Event.CustodyChange.DEPORTED, "expel": Event.CustodyChange.DEPORTED,
    "release": Event.CustodyChange.RELEASED, "free": Event.CustodyChange.RELEASED,
}


def _custody_by_verb(reading: Reading, index: int, sentence: str, clause: Clause, decided: Draft | None) -> list[Draft]:
    head = clause.head
    change = CUSTODY_LEMMAS.get(head.lemma_.lower())
    if change is None or head.tag_ not in ("VBD", "VBN") or decided is not None:
        return []
    if _negated(head) or _modal(head):
        return []
    if head.dep_ in ("xcomp", "pcomp", "acl") or FUTURE_OR_HYPOTHETICAL.search(clause.text[: max(0, head.idx - clause.start)]):
        return []
    # The one taken into custody: the passive subject, or the object, must be the person sought or a pronoun.
    patients = [c for c in head.children if c.dep_ in ("nsubjpass", "dobj")]
    if head.dep_ == "relcl":
        patients.append(head.head)
    named = any(
        p.pos_ == "PRON" or any(re.search(rf"\b{re.escape(name)}\b", "".join(t.text_with_ws for t in p.subtree)) for name in reading.case_names)
        for p in patients
    )
    if not named:
        return []
    if change == Event.CustodyChange.SURRENDERED and head.lemma_.lower() == "fly" and not re.search(r"\bto\b", clause.text):
        return []
    date = _clause_date(clause)
    label = dict(Event.CustodyChange.choices)[change]
    return [_draft(reading, index, sentence, clause, kind=Event.Kind.CUSTODY, date=date, summary=f"{label}.", custody_change=change)]


def _deadline(reading: Reading, index: int, sentence: str, clause: Clause, others: list[Draft]) -> Draft | None:
    text = clause.text
    match = DEADLINE.search(text)
    if match is None:
        return None
    ahead = _clause_date(clause, future=True) or next((d for d in clause.dates if d.value > reading.published_on), None)
    period = PERIOD.search(text)
    if ahead is None and period is None:
        return None
    if ahead is None:
        ahead = _period_end(reading, period, clause)
    if ahead is not None and any(d.kind == Event.Kind.HEARING and d.date == ahead.text for d in others):
        return None
    title = re.sub(r"\s+", " ", text).strip(" .,")
    title = title[:1].upper() + title[1:]
    return _draft(reading, index, sentence, clause, kind="deadline", date=ahead, summary=title[:200], deadline_title=title[:200])


# "has 14 days to appeal", "within three months", "a 28-day window": a time limit the report sets.
PERIOD = re.compile(
    r"\b(?:(?:has|have|had|gets?|given|will\s+have|is\s+allowed)\s+(?:\w+\s+)?)?(?P<count>\d+|one|two|three|four|five|six|seven|ten|fourteen|twenty-eight|thirty)"
    r"[\s-]+(?P<business>business\s+|working\s+)?(?P<unit>days?|weeks?|months?)\b(?:\s+(?:to|in\s+which\s+to|within\s+which\s+to)\b|[\s-]+(?:deadline|window|period|limit))"
    r"|\bwithin\s+(?P<count2>\d+|one|two|three|four|five|six|seven|ten|fourteen|twenty-eight|thirty)\s+(?P<business2>business\s+|working\s+)?(?P<unit2>days?|weeks?|months?)\b",
    re.IGNORECASE,
)
COUNTS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "ten": 10, "fourteen": 14,
          "twenty-eight": 28, "thirty": 30}


def _period_end(reading: Reading, period: re.Match, clause: Clause) -> DateMention | None:
    """The last day of a period the report sets, counted from the day the decision was told (the last
    exact date the report gave, or the publication day): approximate, because the start is read, not given."""
    count = period.group("count") or period.group("count2")
    unit = (period.group("unit") or period.group("unit2") or "").lower()
    if period.group("business") or period.group("business2"):
        return None  # business days need the holidays of a forum the report may not name
    number = int(count) if count.isdigit() else COUNTS.get(count.lower())
    if not number:
        return None
    told = [d for d in clause.past_dates() if d.precision == DatePrecision.DAY]
    base = told[-1].value if told else reading.last_date.value if reading.last_date is not None else reading.published_on
    if unit.startswith("month"):
        end = base + relativedelta(months=number)
    else:
        end = base + datetime.timedelta(days=number * (7 if unit.startswith("week") else 1))
    return DateMention(start=period.start(), end=period.end(), written=f"{period.group(0).strip()} (from {base:%d %b %Y})",
                       value=end, precision=DatePrecision.DAY, approximate=True, future=end >= reading.published_on, relative=True)


def _status(reading: Reading, index: int, sentence: str, clause: Clause) -> Draft | None:
    text = clause.text
    category = next((code for pattern, code in STATUS_CATEGORIES if pattern.search(text)), None)
    if category is None:
        return None
    date = _clause_date(clause)
    if date is None:
        return None
    summary = re.sub(r"\s+", " ", text).strip()
    summary = summary[:1].upper() + summary[1:]
    return _draft(reading, index, sentence, clause, kind=Event.Kind.STATUS, date=date, summary=_shorten(summary, 300), category=category)


# Statements ------------------------------------------------------------------------------------


def _statements(reading: Reading, index: int, sentence: str, doc, quotes, mentions, clauses) -> list[Draft]:
    drafts = []
    verbs = speech_verbs(doc, outside=quotes)
    quoted = [(s, e) for s, e in quotes if len(sentence[s + 1:e - 1].split()) >= 4]
    for start, end in quoted:
        words = sentence[start + 1:end - 1].strip()
        verb = min(verbs, key=lambda v: min(abs(v.idx - end), abs(v.idx - start)), default=None)
        if verb is None:
            # A quotation with no attribution in its sentence continues the last speaker's.
            # (Only within a paragraph: a quotation carried into the next one was joined to it already.)
            if (reading.last_statement is not None and reading.last_statement_index == index - 1 and not sentence[:start].strip()
                    and reading.paragraph_of[index] == reading.paragraph_of[index - 1]):
                reading.last_statement.quote = f"{reading.last_statement.quote} {_clean_quote(words)}".strip()
                reading.last_statement.evidence += " " + sentence
                reading.last_statement_index = index
            continue
        speaker = _speaker_of(reading, index, subject_of(verb, outside=quotes), doc)
        if speaker is None:
            continue
        if speaker.role != GOVERNMENT:
            reading.last_statement = None
            continue
        date = _speech_date(reading, verb, mentions, speaker)
        draft = _statement_draft(reading, index, sentence, speaker, date, quote=_clean_quote(words),
                                 summary=f"{speaker.label}: “{_shorten(_clean_quote(words), 140)}”",
                                 clause=sentence[start:end])
        drafts.append(draft)
        reading.last_statement, reading.last_statement_index = draft, index
    if quoted and not drafts:
        return drafts
    if not quoted:
        reading.last_statement = None
        drafts += _according_to(reading, index, sentence, doc, mentions)
        for verb in verbs:
            said = [c for c in verb.children if c.dep_ in ("ccomp",)] or [
                # "confirmed receiving the note": what was said, as a gerund
                c for c in verb.children if c.dep_ in ("xcomp", "dobj") and c.tag_ == "VBG"
            ] or [
                # "told HT in an email that…": the parser hangs the words on the email
                t for t in verb.subtree if t.dep_ in ("acl", "relcl") and t.head.lemma_.lower() in SPEECH_CARRIERS
                and any(c.dep_ == "mark" and c.lower_ == "that" for c in t.children)
            ]
            if not said:
                continue
            speaker = _speaker_of(reading, index, subject_of(verb, outside=quotes), doc)
            if speaker is None:
                continue
            if speaker.role != GOVERNMENT:
                continue
            complement = said[0]
            tokens = [t for t in complement.subtree if t.dep_ != "mark" or t.i != complement.left_edge.i]
            gist = "".join(t.text_with_ws for t in tokens).strip().rstrip(".") + "."
            if len(gist.split()) < 4:
                continue
            gist = gist[:1].upper() + gist[1:]
            lead = gist if tokens[0].pos_ in ("PROPN",) or gist.split()[0] in ("I",) else gist[:1].lower() + gist[1:]
            date = _speech_date(reading, verb, mentions, speaker, exclude=complement)
            drafts.append(_statement_draft(reading, index, sentence, speaker, date, reported_speech=True, gist=gist,
                                           summary=f"{speaker.label} said {_shorten(lead, 140)}",
                                           clause=sentence[verb.left_edge.idx if verb.left_edge.idx < complement.left_edge.idx else complement.left_edge.idx:]))
    return drafts


def _speaker_of(reading: Reading, index: int, tokens, doc) -> Speaker | None:
    """The speaker these words name, read with what the report said before; remembered for "he said"."""
    speaker = speaker_read(tokens, doc=doc, last=reading.last_speaker, context=reading.context(index),
                           known_names=reading.full_names, sought_names=reading.case_names,
                           known_speakers=reading.speakers, home=reading.home)
    if speaker is not None:
        reading.speaker_seen(speaker)
    return speaker


def _according_to(reading: Reading, index: int, sentence: str, doc, mentions) -> list[Draft]:
    """"…, according to the Ministry of Justice": reported speech, attributed after the words."""
    drafts = []
    for token in doc:
        if token.lower_ != "according" or token.i + 1 >= len(doc) or doc[token.i + 1].lower_ != "to":
            continue
        objects = [c for c in doc[token.i + 1].children if c.dep_ == "pobj"]
        if not objects:
            continue
        phrase_tokens = list(objects[0].subtree)
        speaker = _speaker_of(reading, index, phrase_tokens, doc)
        if speaker is None or speaker.role != GOVERNMENT or re.search(r"\b(?:reports?|documents?|sources?\s+close)\b", speaker.label, re.IGNORECASE):
            continue
        start, end = token.idx, phrase_tokens[-1].idx + len(phrase_tokens[-1].text)
        gist = (sentence[:start] + sentence[end:]).strip(" ,.;") + "."
        gist = re.sub(r"\s+,", ",", gist)
        if len(gist.split()) < 4:
            continue
        gist = gist[:1].upper() + gist[1:]
        drafts.append(_statement_draft(reading, index, sentence, speaker, None, reported_speech=True, gist=gist,
                                       summary=f"According to {speaker.label}, {_shorten(gist[:1].lower() + gist[1:], 140)}",
                                       clause=sentence[start:end]))
    return drafts


def _speech_date(reading: Reading, verb, mentions: list[DateMention], speaker: Speaker, exclude=None) -> DateMention | None:
    """The day the words were said: a date on the speech verb itself ("said on Friday"); else the day
    the report's lead gives for the same government's words."""
    inner = set()
    if exclude is not None:
        inner = {t.i for t in exclude.subtree}
    own_tokens = [t for t in verb.subtree if t.i not in inner]
    for child in verb.children:
        if child.dep_ in ("ccomp", "parataxis", "conj") and child.i not in inner:
            own_tokens = [t for t in own_tokens if t.i not in {x.i for x in child.subtree}]
    spans = [(t.idx, t.idx + len(t.text)) for t in own_tokens]
    for mention in mentions:
        if mention.future:
            continue
        if any(start <= mention.start < end for start, end in spans):
            return mention
    lead = reading.speech_date
    if lead is not None and lead[1] and speaker.government and lead[1] == speaker.government:
        return lead[0]
    return None


def _statement_draft(reading: Reading, index: int, sentence: str, speaker: Speaker, date: DateMention | None, *,
                     summary: str, clause: str, **said) -> Draft:
    about, why = reading.relevance(sentence, benefit_of_article=False, speaker=speaker.name)
    person = reading.people_by_name.get(speaker.name.lower()) if speaker.name else None
    channel = next((code for pattern, code in CHANNELS if pattern.search(sentence)), "") or next(
        (code for pattern, code in CHANNELS if pattern.search(reading.text)), ""
    )
    return Draft(kind=Event.Kind.STATEMENT, summary=summary, evidence=sentence, clause=clause, about_case=about, why=why,
                 **_date_fields(date), government=speaker.government, body=speaker.body or _body_for(speaker),
                 speaker_name=person.name if person else speaker.name, speaker_id=person.pk if person else None,
                 speaker_title=speaker.title, speaker_role=speaker.role, channel=channel, **said)


def _body_for(speaker: Speaker) -> str:
    """A government speaker with no body named speaks for the government of their country."""
    if speaker.government:
        return f"Government of {_country_name(speaker.government)}"
    return ""


def _clean_quote(words: str) -> str:
    return re.sub(r"[,;]\s*$", ".", words.strip())


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rsplit(" ", 1)[0] + "…"


# One draft per event ---------------------------------------------------------------------------


def _merge(drafts: list[Draft]) -> list[Draft]:
    """Drafts that tell the same event (a headline and the body, a lead and a quotation) become one,
    keeping the best-dated."""
    kept: list[Draft] = []
    for draft in drafts:
        same = next((i for i, other in enumerate(kept) if draft.same_event(other)), None)
        if same is None:
            kept.append(draft)
            continue
        other = kept[same]
        if draft.better_dated_than(other):
            draft.about_case = draft.about_case or other.about_case
            draft.also_told_in = [other.evidence, *other.also_told_in, *draft.also_told_in]
            kept[same] = draft
        else:
            other.about_case = other.about_case or draft.about_case
            other.also_told_in = [*other.also_told_in, draft.evidence, *draft.also_told_in]
    return kept

