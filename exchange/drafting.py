"""
Drafting events from a news article: proposals for an analyst to confirm, edit or discard.

Everything here is offline and read-only: rules over the article's sentences, dateparser to
resolve dates as news writes them ("on Friday (January 31)", "January 21, 2025", "last month")
against the publication date, and the database to recognise people (through their name
variants), courts and cases already recorded. Nothing is saved until ``drafts_record`` is called
with the drafts the analyst confirmed.

The rules are deliberately narrow: a court ruling needs a court and a decision in one sentence
(the decisions of the whole criminal process: warrants, remand, bail, conviction, sentence…); a
minister's order or authorisation is an executive decision of the ministry; a government
statement needs a quotation attributed to a speaker, or, as reported speech, a government body
or known speaker who "said that…" (the words are then the source's, and never put in quotation
marks); a status update needs a dated charge, flight, Interpol notice, asylum claim or death. What
they miss, the analyst adds by hand; what they propose wrongly, the analyst discards.
"""

import calendar
import datetime
import re
from dataclasses import asdict, dataclass, field

from dateparser.date import DateDataParser
from django.db import transaction
from django.db.models import Q

from cases import services
from cases.dates import DatePrecision
from cases.models import (
    Authority,
    Case,
    CaseParty,
    Confidence,
    Event,
    ExecutiveDecision,
    Person,
    PersonName,
    RulingDecision,
    Statement,
    StatusCategory,
)

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
MONTHS_SHORT = "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec"
WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_MONTH = rf"(?:{MONTHS}|(?:{MONTHS_SHORT})\.?)"

# Date expressions as news writes them, most specific first; each gives the precision it states.
DATE_PATTERNS = [
    (re.compile(rf"\b(?:on\s+)?(?P<weekday>{WEEKDAYS})\s*\(\s*(?P<inner>{_MONTH}\s+\d{{1,2}}|\d{{1,2}}\s+{_MONTH})\s*\)"), DatePrecision.DAY),
    (re.compile(rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b"), DatePrecision.DAY),
    (re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}\b"), DatePrecision.DAY),
    (re.compile(rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?!,?\s*\d{{4}})"), DatePrecision.DAY),
    (re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b(?!,?\s*\d{{4}})"), DatePrecision.DAY),
    (re.compile(rf"\b(?:on|last|this|since)\s+(?P<weekday>{WEEKDAYS})\b"), DatePrecision.DAY),
    (re.compile(r"\b(?:yesterday|today)\b", re.IGNORECASE), DatePrecision.DAY),
    (re.compile(rf"\b(?:early|mid|late|in|since|during|until|by)?-?\s*{_MONTH}\s+\d{{4}}\b"), DatePrecision.MONTH),
    (re.compile(r"\b(?:last|this|earlier this|previous)\s+month\b", re.IGNORECASE), DatePrecision.MONTH),
    (re.compile(r"\b(?:last|this|earlier this)\s+year\b", re.IGNORECASE), DatePrecision.YEAR),
    (re.compile(r"\b(?:in|since|during|until|by|early|mid|late)[\s-]+(?P<year>(?:19|20)\d{2})\b"), DatePrecision.YEAR),
]

# Court decisions as reported, with the decision code they suggest; the first that matches wins,
# so the criminal process's decisions (more specific words) come before the appeal vocabulary.
DECISIONS = [
    (re.compile(r"\b(?:dismiss\w*|dropp\w*|quash\w*|withdr[ae]w\w*)\s+(?:the\s+|all\s+)?(?:\w+\s+)?charges"
                r"|\bcharges\b[^.]{0,40}\b(?:were|was|been)\s+(?:dismissed|dropped|quashed)", re.IGNORECASE), RulingDecision.CHARGES_DISMISSED),
    (re.compile(r"\bacquit\w*|\bfound\s+(?:\w+\s+){0,3}?not\s+guilty", re.IGNORECASE), RulingDecision.ACQUITTED),
    (re.compile(r"\bconvict(?:ed|s|ing)\b|\bfound\s+(?:\w+\s+){0,3}?guilty|\bguilty\s+verdict", re.IGNORECASE), RulingDecision.CONVICTED),
    (re.compile(r"\bsentenc(?:ed|es|ing)\b[^.]{0,40}?\bto\b|\bjailed\s+(?:\w+\s+)?for\b", re.IGNORECASE), RulingDecision.SENTENCED),
    (re.compile(r"\bdeclared\b[^.]{0,40}?\b(?:fugitive|proclaimed\s+offender)", re.IGNORECASE), RulingDecision.DECLARED_FUGITIVE),
    (re.compile(r"\bissu\w*\b[^.]{0,40}?\bwarrant\b|\bwarrant\b[^.]{0,40}?\bissued\b", re.IGNORECASE), RulingDecision.WARRANT_ISSUED),
    (re.compile(r"\bfram\w*\s+(?:the\s+)?charges|\bcharges\s+(?:were\s+|have\s+been\s+)?framed", re.IGNORECASE), RulingDecision.CHARGED),
    (re.compile(r"\bdeferred[- ]prosecution\s+agreement", re.IGNORECASE), RulingDecision.DPA_APPROVED),
    (re.compile(r"\brevok\w*\b[^.]{0,60}?\b(?:authori[sz]ation|extradition)", re.IGNORECASE), RulingDecision.AUTHORISATION_REVOKED),
    (re.compile(r"\bsent\s+(?:the\s+(?:case|matter|file)\s+)?to\s+the\s+(?:Home\s+Secretary|Secretary\s+of\s+State|minister)", re.IGNORECASE),
     RulingDecision.SENT_TO_MINISTER),
    (re.compile(r"\bremitted\b|\bsent\s+(?:the\s+case\s+)?back\s+to\s+the\s+(?:lower|district|trial)", re.IGNORECASE), RulingDecision.REMITTED),
    (re.compile(r"\bremand\w*\b[^.]{0,40}?\b(?:custody|prison|jail)\b|\bsent\b[^.]{0,40}?\bcustody\b", re.IGNORECASE), RulingDecision.REMANDED),
    (re.compile(r"\b(?:declin|refus)\w*\s+to\s+(?:hear|take up|review)|\bdenied\s+(?:a\s+|his\s+|her\s+|the\s+)?(?:writ\s+of\s+)?certiorari|\bcert(?:iorari)?\s+denied", re.IGNORECASE), Event.Decision.CERT_DENIED),
    (re.compile(r"\b(?:den(?:ied|ies)|refus\w+|reject\w*|dismiss\w*)\b[^.]{0,60}\bstay\b|\bstay\b[^.]{0,40}\b(?:denied|rejected|refused)", re.IGNORECASE), Event.Decision.STAY_DENIED),
    (re.compile(r"\b(?:grant\w*)\b[^.]{0,40}\bstay\b|\bstay(?:ed)?\b[^.]{0,20}\bgranted|\bstayed\s+(?:his|her|the)\s+extradition", re.IGNORECASE), Event.Decision.STAY_GRANTED),
    # Refused before granted: "refused to grant him bail".
    (re.compile(r"\b(?:den\w+|refus\w+|reject\w+)\s+(?:\w+\s+){0,3}?bail|\bbail\s+(?:plea|application)\b[^.]{0,30}\b(?:rejected|dismissed|denied)", re.IGNORECASE), Event.Decision.BAIL_REFUSED),
    (re.compile(r"\b(?:grant\w*)\s+(?:him\s+|her\s+)?bail|\breleased\s+on\s+bail", re.IGNORECASE), Event.Decision.BAIL_GRANTED),
    (re.compile(r"\b(?:dismiss|reject|throw\w* out|threw out|turn\w* down)\w*\b[^.]{0,60}\b(?:appeal|petition|plea|challenge|application|request|bid)"
                r"|\blost\s+(?:his|her)\s+(?:\w+\s+)?appeal"
                r"|\b(?:appeal|petition|plea|request|bid|application)\b[^.]{0,40}\b(?:was|were|been)\s+(?:rejected|dismissed|refused|turned down)",
                re.IGNORECASE), Event.Decision.PETITION_DENIED),
    (re.compile(r"\b(?:upheld|uphold\w*|affirm\w*)\b", re.IGNORECASE), Event.Decision.AFFIRMED),
    (re.compile(r"\b(?:quash\w*|overturn\w*|revers\w*|set aside)\b", re.IGNORECASE), Event.Decision.REVERSED),
    (re.compile(r"\bdischarg\w*\b", re.IGNORECASE), Event.Decision.DISCHARGED),
    (re.compile(r"\b(?:refus\w+|block\w+|bar\w+|den\w+)\s+(?:his\s+|her\s+|the\s+)?extradition", re.IGNORECASE), Event.Decision.REFUSED),
    (re.compile(r"\b(?:order\w*|approv\w*|clear\w*)\s+[^.]{0,60}?extradition|\bcertif\w+\b[^.]{0,40}\bextradit", re.IGNORECASE), Event.Decision.ORDER_MADE),
    (re.compile(r"\b(?:allow\w*|accept\w*)\s+(?:his\s+|her\s+|the\s+)?(?:appeal|petition|plea)", re.IGNORECASE), Event.Decision.PETITION_GRANTED),
]

# What is shown beside a decision: the sentence ("14 years in prison"), the kind of warrant or fugitive.
SENTENCE_DETAIL = re.compile(
    r"\bsentenc\w*\s+(?:\w+\s+){0,2}?to\s+(?P<detail>(?:life|death|\w+(?:[\s-]+\w+)?\s+(?:years?|months?|days?))[^.,;]{0,40}?)(?=[.,;]|\s+(?:on|for|after|by)\b|$)",
    re.IGNORECASE,
)
WARRANT_DETAIL = re.compile(r"\b(?P<detail>non-bailable|open-ended|red[- ]corner|provisional\s+arrest|European\s+arrest)\s+(?:arrest\s+)?warrant", re.IGNORECASE)
FUGITIVE_DETAIL = re.compile(r"\b(?P<detail>fugitive\s+economic\s+offender|proclaimed\s+offender)", re.IGNORECASE)

COURT = re.compile(
    r"(?P<court>(?:(?:the|a)\s+)?(?:(?:US|U\.S\.|UK|U\.K\.|Indian|British|American|federal|Federal|[A-Z][a-z’'.]+)\s+){0,3}"
    r"(?:Supreme Court|High Court|Court of Appeals?|Circuit Court(?: of Appeals)?|(?:Ninth|Second|Seventh|Fifth|\w+th) Circuit|"
    r"Magistrates?[’']?s?[’']? Court|[Dd]istrict [Cc]ourt|[Ss]pecial (?:NIA )?[Cc]ourt|Crown Court|European Court of Human Rights|[Cc]ourt))"
)
COURT_LEVELS = [
    ("Supreme Court", Authority.Level.SUPREME),
    ("High Court", Authority.Level.APPEAL),
    ("Court of Appeal", Authority.Level.APPEAL),
    ("Circuit", Authority.Level.APPEAL),
    ("Magistrates", Authority.Level.FIRST_INSTANCE),
    ("district court", Authority.Level.REVIEW),
    ("Human Rights", Authority.Level.HUMAN_RIGHTS),
    ("Special", Authority.Level.REQUESTING_STATE),
    ("special", Authority.Level.REQUESTING_STATE),
]
COUNTRY_WORDS = [
    (re.compile(r"(?<!\w)(?:US|U\.S\.|American|United States|Washington|federal|Ninth Circuit|Chicago|California|Los Angeles)(?!\w)"), "US"),
    (re.compile(r"(?<!\w)(?:UK|U\.K\.|British|United Kingdom|Westminster|London|England|Home Office|Home Secretary)(?!\w)"), "GB"),
    (re.compile(r"(?<!\w)(?:India|Indian|New Delhi|Delhi|Mumbai|Bombay|NIA|CBI|Ministry of External Affairs|MEA)(?!\w)"), "IN"),
]
COURT_FULL_NAMES = {("supreme court", "US"): "Supreme Court of the United States", ("supreme court", "GB"): "Supreme Court of the United Kingdom",
                    ("supreme court", "IN"): "Supreme Court of India", ("high court", "GB"): "High Court of England and Wales",
                    ("magistrates' court", "GB"): "Westminster Magistrates' Court"}

# Government bodies whose spokespeople speak for a state, with that state.
BODIES = [
    (re.compile(r"Ministry of External Affairs|\bMEA\b"), "Ministry of External Affairs", "IN"),
    (re.compile(r"Ministry of Home Affairs|\bMHA\b"), "Ministry of Home Affairs", "IN"),
    (re.compile(r"National Investigation Agency|\bNIA\b"), "National Investigation Agency", "IN"),
    (re.compile(r"Central Bureau of Investigation|\bCBI\b"), "Central Bureau of Investigation", "IN"),
    (re.compile(r"Enforcement Directorate|\bED\b"), "Enforcement Directorate", "IN"),
    (re.compile(r"(?:US |U\.S\. )?(?:Department of Justice|Justice Department|\bDOJ\b)"), "Department of Justice", "US"),
    (re.compile(r"(?:US |U\.S\. )?(?:State Department|Department of State)"), "Department of State", "US"),
    (re.compile(r"Home Office"), "Home Office", "GB"),
    (re.compile(r"Crown Prosecution Service|\bCPS\b"), "Crown Prosecution Service", "GB"),
    (re.compile(r"Foreign Office|Foreign, Commonwealth"), "Foreign, Commonwealth and Development Office", "GB"),
]
TITLES = r"(?:official\s+)?spokesperson|spokesman|spokeswoman|minister|secretary|Home Secretary|Secretary of State|Attorney General|official|prosecutor|director|ambassador|high commissioner"
SPEECH_VERBS = r"said|says|told|added|stated|reiterated|noted|announced|explained|confirmed|asserted|remarked"
NAME = r"[A-Z][a-zA-Z’'\-]+(?:\s+[A-Z][a-zA-Z’'\-]+){1,3}"

QUOTE = re.compile(r"[“\"](?P<quote>[^”\"]{20,})[”\"]")
ATTRIBUTION_AFTER = re.compile(rf"^[\s,]*(?:{SPEECH_VERBS})\s+(?P<who>[^.“\"]+?)\s*(?:\.|,|$)")
ATTRIBUTION_AFTER_INVERTED = re.compile(rf"^[\s,]*(?P<who>[^.“\"]+?)\s+(?:{SPEECH_VERBS})\s*(?:\.|,|$)")
ATTRIBUTION_BEFORE = re.compile(rf"(?P<who>(?:[A-Z][^.“\"]*?|[Hh]e|[Ss]he))\s+(?:{SPEECH_VERBS})\b[^.“\"]*?$")
PRONOUN = re.compile(r"^(?:he|she|they|the spokesperson|the minister)$", re.IGNORECASE)

# A minister's (or a justice ministry's) decision: the title, the official's name when it follows,
# and what they decided, said after the title.
EXECUTIVE = re.compile(
    r"(?P<who>Home Secretary|Secretary of State|(?:Justice|Law)\s+Minister|Minister\s+(?:of|for)\s+Justice"
    r"|Ministry\s+of\s+Justice|Federal\s+Office\s+of\s+Justice)\b(?P<rest>[^.]{0,160})",
    re.IGNORECASE,
)
OFFICIAL_NAME = re.compile(r"^\s+(?P<name>[A-Z][a-z’'\-]+(?:\s+[A-Z][a-z’'\-]+){1,2})\b")
EXECUTIVE_DECISIONS = [
    (re.compile(r"\b(?:withdr[ae]w\w*|revok\w*|rescind\w*|cancel\w*)\b[^.]{0,40}?\border\b", re.IGNORECASE), ExecutiveDecision.ORDER_WITHDRAWN),
    (re.compile(r"\b(?:refus\w*|reject\w*|declin\w*|den(?:y|ied|ies))\b[^.]{0,40}?\b(?:extradit\w*|surrender\w*|request)", re.IGNORECASE),
     ExecutiveDecision.EXTRADITION_REFUSED),
    (re.compile(r"\bauthori[sz]\w*\b[^.]{0,40}?\b(?:surrender|extradition)", re.IGNORECASE), ExecutiveDecision.SURRENDER_AUTHORISED),
    (re.compile(r"\bcertif\w*\b[^.]{0,40}?\brequest", re.IGNORECASE), ExecutiveDecision.REQUEST_CERTIFIED),
    (re.compile(r"\b(?:gave|given|provided|offered|sent)\b[^.]{0,40}?\bassurances?\b", re.IGNORECASE), ExecutiveDecision.ASSURANCES_GIVEN),
    (re.compile(r"\b(?:signed|ordered|approved)\b[^.]{0,40}?\b(?:order|extradition)", re.IGNORECASE), ExecutiveDecision.EXTRADITION_ORDERED),
]
# The ministry a title acts for, in the requested state (where the minister decides on surrender).
EXECUTIVE_AUTHORITIES = {("home secretary", "GB"): "Home Office", ("secretary of state", "GB"): "Home Office",
                         ("secretary of state", "US"): "Department of State", ("home secretary", "US"): "Department of State"}
CUSTODY = [
    (re.compile(r"\b(?:was|been|were)\s+(?:formally\s+)?arrested\b|\barrested\s+(?:him|her)\b", re.IGNORECASE), Event.CustodyChange.ARRESTED),
    (re.compile(r"\b(?:was|been|being)\s+[“\"]?(?:successfully\s+|formally\s+)?(?:extradited|surrendered|handed over)\b", re.IGNORECASE), Event.CustodyChange.SURRENDERED),
    (re.compile(r"\b(?:sent|remanded)\b[^.]{0,40}\bcustody\b", re.IGNORECASE), Event.CustodyChange.REMANDED),
    (re.compile(r"\b(?:released|granted)\s+(?:on\s+)?bail\b", re.IGNORECASE), Event.CustodyChange.BAILED),
]

# What a dated status update is about, where the words make it obvious.
STATUS_CATEGORIES = [
    (re.compile(r"\b(?:red|blue|yellow|diffusion)(?:[- ]corner)?\s+notice\b|\bInterpol\b[^.]{0,40}?\bnotice\b", re.IGNORECASE),
     StatusCategory.INTERPOL_NOTICE),
    (re.compile(r"\bcharge[- ]?sheet\b|\bindict(?:ed|ment)\b|\b(?:was|were|been|formally)\s+charged\b", re.IGNORECASE), StatusCategory.CHARGE),
    (re.compile(r"\b(?:fled|absconded|went\s+into\s+hiding|left\s+the\s+country)\b", re.IGNORECASE), StatusCategory.FLIGHT),
    (re.compile(r"\b(?:sought|claimed|applied\s+for|was\s+granted|was\s+refused)\s+(?:political\s+)?asylum\b|\basylum\s+(?:claim|application|request)",
                re.IGNORECASE), StatusCategory.ASYLUM),
    (re.compile(r"\b(?:took|acquired|obtained|granted|revoked|renounced|cancelled|stripped\s+of)\b[^.]{0,30}?\bcitizenship\b"
                r"|\bcitizenship\b[^.]{0,30}?\b(?:revoked|granted|cancelled|renounced)\b", re.IGNORECASE), StatusCategory.CITIZENSHIP),
    (re.compile(r"\b(?:died|passed\s+away)\b", re.IGNORECASE), StatusCategory.DEATH),
    (re.compile(r"\b(?:opened|launched|registered|began|started)\s+(?:an?\s+)?(?:\w+\s+)?(?:investigation|inquiry|probe|FIR)\b"
                r"|\bFIR\b[^.]{0,30}?\b(?:registered|lodged|filed)\b", re.IGNORECASE), StatusCategory.INVESTIGATION),
    (re.compile(r"\bhospitali[sz]ed\b|\b(?:health|medical)\s+(?:condition|grounds|reasons)\b", re.IGNORECASE), StatusCategory.HEALTH),
]

# "The Ministry of External Affairs said on Friday that India would…": reported speech, with no quotation.
REPORTED_SPEECH = re.compile(rf"^(?P<who>[^“”\"]+?)\s+(?:{SPEECH_VERBS})\b(?P<between>[^“”\"]{{0,80}}?)\s+that\s+(?P<gist>[^“”\"]{{15,}})$")

EXTRADITION_WORDS = re.compile(r"\bextradit\w*|\bsurrender\w*|\bthe accused\b|\bhis (?:appeal|petition|plea)\b|\bhabeas\b|\bcertiorari\b", re.IGNORECASE)


@dataclass
class Draft:
    """One proposed event; the analyst confirms, edits or discards it. Plain data, so that a form
    can carry it between the proposal and the confirmation."""

    kind: str
    date: str  # as the analyst types it: YYYY, YYYY-MM or YYYY-MM-DD
    date_precision: str
    date_approximate: bool
    date_as_written: str
    summary: str
    evidence: str  # the sentence the draft comes from
    about_case: bool
    why: str  # why it is (or is not) thought to be about the case
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
    channel: str = ""  # blank: not known
    quote: str = ""  # verbatim words only
    reported_speech: bool = False
    gist: str = ""  # reported speech: what was said, in the source's words, never shown as a quotation
    custody_change: str = ""
    category: str = ""  # a status update's

    def as_initial(self) -> dict:
        return asdict(self) | {"record": self.about_case}


@dataclass
class Proposal:
    drafts: list[Draft] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)  # recorded people the article names
    cases: list[Case] = field(default_factory=list)  # recorded cases the article concerns
    dates: list[tuple[str, str]] = field(default_factory=list)  # (as written, resolved) for the analyst to check


# Dates -------------------------------------------------------------------------------------------


def _parser(published_on: datetime.date) -> DateDataParser:
    base = datetime.datetime.combine(published_on, datetime.time(12))
    return DateDataParser(languages=["en"], settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past",
                                                       "PREFER_DAY_OF_MONTH": "first"})


def date_resolve(text: str, *, published_on: datetime.date) -> tuple[datetime.date, str, bool] | None:
    """(first day of the period, precision, approximate) for a date as written in a news report of
    that day, or None. A date without a year is the latest such date on or before publication."""
    text = " ".join(text.split())
    weekday = re.search(rf"\b({WEEKDAYS})\b", text)
    inner = re.search(r"\(([^)]*)\)", text)
    if weekday and inner:
        text = inner.group(1)  # "Friday (January 31)": the date in brackets is the exact one
    elif weekday:
        # "on Friday" in a report of a Friday is that day; otherwise the Friday before.
        target = list(calendar.day_name).index(weekday.group(1))
        return published_on - datetime.timedelta(days=(published_on.weekday() - target) % 7), DatePrecision.DAY, False
    lowered = text.lower()
    approximate = bool(re.match(r"(early|mid|late)\b", lowered))
    cleaned = re.sub(r"^(?:on|in|since|during|until|by|early|mid|late|earlier)\b-?\s*", "", text, flags=re.IGNORECASE)
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", cleaned).replace(" of ", " ")
    if re.fullmatch(r"-?\s*(?:19|20)\d{2}", cleaned.strip()):
        cleaned = cleaned.strip(" -")
        return datetime.date(int(cleaned), 1, 1), DatePrecision.YEAR, approximate
    data = _parser(published_on).get_date_data(cleaned)
    if data.date_obj is None:
        return None
    value = data.date_obj.date()
    period = data.period or "day"
    if period == "year" or lowered.endswith("year"):
        return datetime.date(value.year, 1, 1), DatePrecision.YEAR, approximate
    if period == "month" or lowered.endswith("month"):
        return datetime.date(value.year, value.month, 1), DatePrecision.MONTH, approximate
    if period == "week":
        return value, DatePrecision.DAY, True
    if value > published_on and not re.search(r"\d{4}", cleaned):
        value = value.replace(year=value.year - 1)
    return value, DatePrecision.DAY, approximate


def dates_find(sentence: str, *, published_on: datetime.date) -> list[tuple[str, datetime.date, str, bool]]:
    """Every date expression in a sentence, resolved: (as written, date, precision, approximate)."""
    found, taken = [], []
    for pattern, _precision in DATE_PATTERNS:
        for match in pattern.finditer(sentence):
            span = match.span()
            if any(span[0] < end and start < span[1] for start, end in taken):
                continue
            resolved = date_resolve(match.group(0), published_on=published_on)
            if resolved is None:
                continue
            taken.append(span)
            found.append((span[0], match.group(0).strip(), *resolved))
    return [item[1:] for item in sorted(found)]


def _text_of(value: datetime.date, precision: str) -> str:
    if precision == DatePrecision.YEAR:
        return f"{value.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


# Sentences, people and cases ---------------------------------------------------------------------


def sentences_split(text: str) -> list[str]:
    """Sentences, keeping a quotation's inner sentence breaks inside the quotation."""
    text = text.replace("\r", "")
    result = []
    for paragraph in filter(None, (p.strip() for p in text.split("\n"))):
        parts, buffer, depth = [], "", 0
        for index, char in enumerate(paragraph):
            buffer += char
            if char in "“":
                depth += 1
            elif char in "”":
                depth = max(0, depth - 1)
            elif char == '"':
                depth = 0 if depth else 1
            following = paragraph[index + 1:index + 3]
            ends = char in ".?!" and depth == 0 and (following[:1] == " " and following[1:2].isupper() or not following)
            # Not after an initial or a title (“U.S.”, “Mr.”).
            if ends and not re.search(r"(?:\b[A-Z]|\bMr|\bMrs|\bMs|\bDr|\bSt|\bNo|\bvs?)\.$", buffer):
                parts.append(buffer.strip())
                buffer = ""
        if buffer.strip():
            parts.append(buffer.strip())
        result.extend(parts)
    return result


def people_mentioned(text: str) -> list[Person]:
    """Recorded people the text names, by their name or any variant (full names, spellings)."""
    candidates = set()
    for match in re.finditer(r"\b[A-Z][\w’'\-.]*(?:\s+[A-Z][\w’'\-.]*){1,3}", text):
        words = [re.sub(r"(?:[’']s|[’'.,])$", "", word) for word in match.group(0).split()]
        for start in range(len(words)):
            for end in range(start + 2, len(words) + 1):
                candidates.add(" ".join(words[start:end]).lower())
    if not candidates:
        return []
    query = Q()
    for name in candidates:
        query |= Q(name__iexact=name)
    person_ids = set(Person.objects.filter(query).values_list("pk", flat=True))
    person_ids |= set(PersonName.objects.filter(query).values_list("person_id", flat=True))
    return list(Person.objects.filter(pk__in=person_ids).prefetch_related("names").order_by("name"))


def _surnames(person: Person) -> set[str]:
    names = [person.name] + [n.name for n in person.names.all()]
    return {name.split()[-1] for name in names if len(name.split()[-1]) >= 3} | set(names)


def cases_mentioned(text: str, people: list[Person]) -> list[Case]:
    """Cases whose reference or title the text gives, or on which a named person is the one sought."""
    by_party = Case.objects.filter(
        parties__person__in=people, parties__role=CaseParty.Role.PERSON_SOUGHT
    ) if people else Case.objects.none()
    refs = set(re.findall(r"\b[a-z0-9]+(?:-[a-z0-9]+)+\b", text))
    by_ref = Case.objects.filter(reference__in=refs) if refs else Case.objects.none()
    return list((by_party | by_ref).distinct().order_by("title"))


def _case_names(case: Case) -> set[str]:
    """Words that, in a sentence, show it is about this case: the sought person's names and surnames."""
    names = set()
    for party in case.parties.select_related("person").prefetch_related("person__names"):
        if party.role == CaseParty.Role.PERSON_SOUGHT:
            names |= _surnames(party.person)
    return names


def _others_sought(case: Case, people: list[Person]) -> set[str]:
    """Surnames of recorded people named in the article who are not sought in this case."""
    sought = {p.person_id for p in case.parties.all() if p.role == CaseParty.Role.PERSON_SOUGHT}
    return {name for person in people if person.pk not in sought for name in _surnames(person)}


def _relevance(text: str, *, case: Case, case_names: set[str], other_names: set[str],
               article_names: list[str] = ()) -> tuple[bool, str]:
    """Whether a sentence is about the case, and why. ``article_names`` (the sought person's names
    found anywhere in the article) let a ruling or custody change that names nobody count as the
    case's; statements do not get that benefit, because one briefing covers several matters."""
    named = sorted(name for name in case_names if re.search(rf"\b{re.escape(name)}\b", text))
    if named:
        return True, f"Names {named[0]}."
    others = sorted(name for name in other_names if re.search(rf"\b{re.escape(name)}\b", text))
    if others:
        return False, f"About {others[0]}, not the person sought in this case."
    if EXTRADITION_WORDS.search(text):
        return True, "Speaks of the extradition or the accused without naming another person."
    if article_names:
        return True, f"The article is about {article_names[0]} and this sentence names no one else."
    return False, "Does not mention the person sought or the extradition: probably about another matter."


# Drafts ------------------------------------------------------------------------------------------


def _country_in(text: str) -> str:
    for pattern, code in COUNTRY_WORDS:
        if pattern.search(text):
            return code
    return ""


def _court(sentence: str, *, requested_state: str) -> tuple[str, str, str] | None:
    match = COURT.search(sentence)
    if not match:
        return None
    phrase = re.sub(r"^(?:the|a)\s+", "", match.group("court").strip(), flags=re.IGNORECASE)
    country = _country_in(phrase) or _country_in(sentence) or requested_state
    core = re.sub(r"^(?:(?:US|U\.S\.|UK|U\.K\.|Indian|British|American|London|English)\s+)+", "", phrase)
    level = next((lvl for key, lvl in COURT_LEVELS if key.lower() in core.lower()), Authority.Level.OTHER)
    known = Authority.objects.filter(country=country, name__icontains=core).order_by("name").first() if core.lower() != "court" else None
    if known:
        return known.name, known.country.code, known.level
    name = COURT_FULL_NAMES.get((core.lower().replace("’", "'"), country), core)
    return name, country, level


def _surnames_of_name(name: str) -> set[str]:
    return {name, name.split()[-1]} if name else set()


def _speaker(who: str, *, context: str, last_speaker: dict | None, known: dict | None = None) -> dict | None:
    """Body, title, name and government from an attribution such as “Ministry of External Affairs
    spokesperson Randhir Jaiswal”, or the previous speaker for “he said” and “Jaiswal said”."""
    who = re.sub(r"^(?:Meanwhile|However|Later|Earlier|Separately|Also|And|But)\b,?\s*", "", who.strip(" ,"))
    if PRONOUN.match(who) or re.fullmatch(r"(?:he|she)\s+\w+", who, re.IGNORECASE):
        if last_speaker:
            return dict(last_speaker)
        for pattern, body, government in BODIES:
            if pattern.search(context):
                title = "Spokesperson" if "spokes" in who.lower() else ""
                return {"body": body, "government": government, "speaker_title": title, "speaker_name": ""}
        return None
    surname = re.fullmatch(r"(?:Mr\.?\s+|Ms\.?\s+|Mrs\.?\s+)?([A-Z][\w’'\-]+)", who)
    if surname:
        if last_speaker and last_speaker["speaker_name"].split()[-1:] == [surname.group(1)]:
            return dict(last_speaker)
        for name, person in (known or {}).items():
            if name.split()[-1] == surname.group(1).lower():
                return {"body": "", "government": _country_in(context), "speaker_title": "", "speaker_name": person.name}
        return None
    if not re.search(r"[A-Z]", who):
        return None
    speaker = {"body": "", "government": "", "speaker_title": "", "speaker_name": ""}
    for pattern, body, government in BODIES:
        if pattern.search(who):
            speaker.update(body=body, government=government)
            break
    title = re.search(rf"\b({TITLES})\b", who, re.IGNORECASE)
    if title:
        speaker["speaker_title"] = title.group(1)[0].upper() + title.group(1)[1:]
    # The body's own name is not a person's ("The Ministry of External Affairs said": no speaker).
    without_bodies = who
    for pattern, _body, _gov in BODIES:
        without_bodies = pattern.sub("", without_bodies)
    name = re.search(rf"({NAME})\s*$", without_bodies.strip())
    if name:
        candidate = name.group(1)
        if len(candidate.split()) >= 2 and not re.search(rf"\b(?:{TITLES})\b", candidate, re.IGNORECASE):
            speaker["speaker_name"] = candidate
    if not speaker["government"]:
        speaker["government"] = _country_in(who) or _country_in(context)
    if not speaker["body"] and not speaker["speaker_name"]:
        return None
    return speaker


def _channel(text: str) -> str:
    lowered = text.lower()
    if "briefing" in lowered:
        return Statement.Channel.BRIEFING
    if "press release" in lowered or "statement issued" in lowered:
        return Statement.Channel.PRESS_RELEASE
    if any(word in lowered for word in ("parliament", "lok sabha", "rajya sabha", "house of commons", "congress")):
        return Statement.Channel.PARLIAMENT
    if "told reporters" in lowered or "interview" in lowered:
        return Statement.Channel.INTERVIEW
    return ""  # not known


@dataclass
class _Reading:
    """What every rule needs to know about the article and the case while reading it."""

    case: Case
    text: str
    published_on: datetime.date
    sentences: list[str]
    case_names: set[str]  # the sought person's names and surnames
    article_names: list[str]  # those of them the article uses
    other_names: set[str]  # recorded people named in the article who are not sought in this case
    people_by_name: dict[str, Person]
    speech_date: tuple | None  # the date the government spoke, as dates_find gives it
    last_speaker: dict | None = None

    def relevance(self, text: str, *, benefit_of_article: bool, speaker: str = "") -> tuple[bool, str]:
        return _relevance(text, case=self.case, case_names=self.case_names,
                          other_names=self.other_names - _surnames_of_name(speaker),
                          article_names=self.article_names if benefit_of_article else ())


def article_propose(*, case: Case, text: str, published_on: datetime.date) -> Proposal:
    """Draft events for a case from the text of a news report published on the given day."""
    proposal = Proposal()
    sentences = sentences_split(text)
    proposal.people = people_mentioned(text)
    proposal.cases = cases_mentioned(text, proposal.people)
    case_names = _case_names(case)
    reading = _Reading(
        case=case,
        text=text,
        published_on=published_on,
        sentences=sentences,
        case_names=case_names,
        article_names=sorted(name for name in case_names if re.search(rf"\b{re.escape(name)}\b", text)),
        other_names=_others_sought(case, proposal.people),
        people_by_name={name.lower(): person for person in proposal.people
                        for name in [person.name] + [n.name for n in person.names.all()]},
        speech_date=_speech_date(sentences, published_on=published_on),
    )
    for sentence in sentences:
        for written, value, precision, _approximate in dates_find(sentence, published_on=published_on):
            proposal.dates.append((written, _text_of(value, precision)))
    drafts: list[Draft] = []
    for index, sentence in enumerate(sentences):
        drafts += _statement_drafts(reading, index, sentence)
        drafts += _reported_speech_drafts(reading, sentence)
        decisions = _ruling_drafts(reading, index, sentence)
        drafts += decisions
        drafts += _custody_drafts(reading, sentence)
        if not decisions:
            drafts += _status_drafts(reading, sentence)
    proposal.drafts = _deduplicate(drafts)
    return proposal


def _speech_date(sentences: list[str], *, published_on: datetime.date) -> tuple | None:
    """The day the government spoke: the first date after a "said" in the report ("India said on
    Friday (January 31)"); None means the publication day."""
    for sentence in sentences:
        said = re.search(rf"\b(?:{SPEECH_VERBS})\b", sentence)
        if said:
            dates = [d for d in dates_find(sentence, published_on=published_on) if sentence.find(d[0]) > said.start() - 3]
            if dates:
                return dates[0]
    return None


def _statement_drafts(reading: _Reading, index: int, sentence: str) -> list[Draft]:
    """Government statements: quotations attributed to a speaker, or to "he" after one."""
    drafts = []
    for match in QUOTE.finditer(sentence):
        quote = match.group("quote").strip()
        after, before = sentence[match.end():], sentence[:match.start()]
        attribution = ATTRIBUTION_AFTER.match(after) or ATTRIBUTION_AFTER_INVERTED.match(after)
        who = attribution.group("who") if attribution else None
        if who is None:
            before_match = ATTRIBUTION_BEFORE.search(before)
            if before_match:
                # "While there was no response from X, government sources said": the clause that speaks.
                who = re.split(rf"\b(?:{SPEECH_VERBS})\b", before_match.group("who"))[0].rsplit(",", 1)[-1]
        context = " ".join(reading.sentences[max(0, index - 2):index + 1])
        speaker = _speaker(who, context=context, last_speaker=reading.last_speaker, known=reading.people_by_name) if who else None
        if speaker is None:
            continue
        reading.last_speaker = speaker
        quote = re.sub(r"[,;]\s*$", ".", quote)
        spoken = reading.speech_date or ("", reading.published_on, DatePrecision.DAY, False)
        drafts.append(_statement_draft(
            reading, sentence, speaker, spoken,
            summary=f"{speaker['speaker_name'] or speaker['body']}: “{_shorten(quote, 140)}”", quote=quote,
        ))
    return drafts


def _statement_draft(reading: _Reading, sentence: str, speaker: dict, spoken: tuple, *, summary: str, **said) -> Draft:
    """A statement by this speaker, dated as spoken; ``said`` is the quote, or reported speech and its gist."""
    written, value, precision, approximate = spoken
    about, why = reading.relevance(sentence, benefit_of_article=False, speaker=speaker["speaker_name"])
    person = reading.people_by_name.get(speaker["speaker_name"].lower()) if speaker["speaker_name"] else None
    return Draft(
        kind=Event.Kind.STATEMENT,
        date=_text_of(value, precision),
        date_precision=precision,
        date_approximate=approximate,
        date_as_written=written or "publication date",
        summary=summary,
        evidence=sentence,
        about_case=about,
        why=why,
        government=speaker["government"],
        body=speaker["body"],
        speaker_name=person.name if person else speaker["speaker_name"],
        speaker_id=person.pk if person else None,
        speaker_title=speaker["speaker_title"],
        channel=_channel(reading.text),
        **said,
    )


def _ruling_drafts(reading: _Reading, index: int, sentence: str) -> list[Draft]:
    """A court and a decision in one sentence (quotations included), or a minister's decision."""
    executive = _executive_draft(reading, index, sentence)
    if executive is not None:
        return [executive]
    court = _court(sentence, requested_state=reading.case.requested_state.code)
    decision = next((code for pattern, code in DECISIONS if pattern.search(sentence)), None)
    if not court or not decision:
        return []
    dated = _decision_date(reading, sentence, acted_at=COURT.search(sentence).start())
    detail = _decision_detail(sentence, decision)
    label = RulingDecision(decision).label.lower()
    return [Draft(
        kind=Event.Kind.RULING,
        **dated,
        summary=f"{court[0]}: {label}" + (f" ({detail})." if detail else "."),
        evidence=sentence,
        **_about(reading, index),
        authority_name=court[0],
        authority_country=court[1],
        authority_level=court[2],
        authority_kind=Authority.Kind.COURT,
        decision=decision,
        decision_detail=detail,
    )]


def _executive_draft(reading: _Reading, index: int, sentence: str) -> Draft | None:
    """A minister's order, authorisation, refusal or withdrawal: an executive decision of the ministry."""
    for executive in EXECUTIVE.finditer(sentence):
        rest = executive.group("rest")
        decision = next((code for pattern, code in EXECUTIVE_DECISIONS if pattern.search(rest)), None)
        if decision is None:
            continue
        requested = reading.case.requested_state.code
        title = " ".join(executive.group("who").split())
        title = title[0].upper() + title[1:]
        # The minister is the requested state's, who decides on surrender: the Home Secretary in the UK,
        # the Secretary of State in the US; the authority is their ministry.
        authority = EXECUTIVE_AUTHORITIES.get((title.lower(), requested))
        if authority is None:
            # A ministry or office is named as written; a justice minister acts for the justice ministry.
            spoken_of = title.lower()
            authority = "Ministry of Justice" if "minister " in f"{spoken_of} " and "justice" in spoken_of else title
        official = OFFICIAL_NAME.match(rest)
        official_name = official.group("name") if official else ""
        person = reading.people_by_name.get(official_name.lower()) if official_name else None
        dated = _decision_date(reading, sentence, acted_at=executive.start())
        who = f"{title} {official_name}" if official_name else title
        return Draft(
            kind=Event.Kind.EXECUTIVE_DECISION,
            **dated,
            summary=f"{who}: {ExecutiveDecision(decision).label.lower()}.",
            evidence=sentence,
            **_about(reading, index),
            authority_name=authority,
            authority_country=requested,
            authority_kind=Authority.Kind.EXECUTIVE,
            decision=decision,
            official_name=person.name if person else official_name,
            official_id=person.pk if person else None,
        )
    return None


def _decision_date(reading: _Reading, sentence: str, *, acted_at: int) -> dict:
    """The date fields of a decision: the date nearest who acted, or the publication day, approximately."""
    dates = _ruling_dates(sentence, court_at=acted_at, published_on=reading.published_on)
    if dates:
        written, value, precision, approximate = dates[0]
    else:
        written, value, precision, approximate = "not stated: before publication", reading.published_on, DatePrecision.DAY, True
    return {"date": _text_of(value, precision), "date_precision": precision, "date_approximate": approximate,
            "date_as_written": written}


def _about(reading: _Reading, index: int) -> dict:
    context = " ".join(reading.sentences[max(0, index - 1):index + 1])
    about, why = reading.relevance(context, benefit_of_article=True)
    return {"about_case": about, "why": why}


def _decision_detail(sentence: str, decision: str) -> str:
    """What goes beside the decision's label: the sentence passed, the kind of warrant or fugitive."""
    sentence_passed = SENTENCE_DETAIL.search(sentence)
    if sentence_passed:
        words = " ".join(sentence_passed.group("detail").split())
        return words if decision == RulingDecision.SENTENCED else f"sentenced to {words}"
    pattern = {RulingDecision.WARRANT_ISSUED: WARRANT_DETAIL, RulingDecision.DECLARED_FUGITIVE: FUGITIVE_DETAIL}.get(decision)
    found = pattern.search(sentence) if pattern else None
    return " ".join(found.group("detail").split()).lower() if found else ""


def _reported_speech_drafts(reading: _Reading, sentence: str) -> list[Draft]:
    """A government body or a known speaker who "said that…", with no quotation: reported speech.

    The words are the source's, so they become the statement's gist, never a quote. A pronoun ("he
    said that") is not followed: the last speaker quoted is too often not the one meant."""
    if any(mark in sentence for mark in "“”\""):
        return []
    match = REPORTED_SPEECH.match(sentence.strip())
    if not match:
        return []
    who = match.group("who")
    if PRONOUN.match(who.strip()) or re.fullmatch(r"(?:he|she|they)\b.*", who.strip(), re.IGNORECASE):
        return []
    speaker = _speaker(who, context=sentence, last_speaker=None, known=reading.people_by_name)
    if speaker is None or not (speaker["body"] or speaker["speaker_name"]):
        return []
    said = match.group("gist").strip()
    if not said.endswith((".", "!", "?")):
        said += "."
    gist = said[0].upper() + said[1:]
    said_at = sentence.find(match.group("between")) if match.group("between") else match.end("who")
    dates = [d for d in dates_find(sentence, published_on=reading.published_on) if sentence.find(d[0]) >= said_at]
    spoken = [d for d in dates if sentence.find(d[0]) < match.start("gist")]
    return [_statement_draft(
        reading, sentence, speaker,
        spoken[0] if spoken else reading.speech_date or ("", reading.published_on, DatePrecision.DAY, False),
        summary=f"{speaker['speaker_name'] or speaker['body']} said {_shorten(said, 140)}",
        reported_speech=True, gist=gist,
    )]


def _status_drafts(reading: _Reading, sentence: str) -> list[Draft]:
    """A dated charge, flight, Interpol notice, asylum claim, citizenship change, death or investigation."""
    category = next((code for pattern, code in STATUS_CATEGORIES if pattern.search(sentence)), None)
    if category is None or any(pattern.search(sentence) for pattern, _change in CUSTODY):
        return []
    dates = dates_find(sentence, published_on=reading.published_on)
    if not dates:
        return []
    written, value, precision, approximate = dates[0]
    about, why = reading.relevance(sentence, benefit_of_article=True)
    return [Draft(
        kind=Event.Kind.STATUS,
        date=_text_of(value, precision),
        date_precision=precision,
        date_approximate=approximate,
        date_as_written=written,
        summary=_shorten(sentence, 300),
        evidence=sentence,
        about_case=about,
        why=why,
        category=category,
    )]


def _custody_drafts(reading: _Reading, sentence: str) -> list[Draft]:
    """Arrests, surrender, remand and bail, dated in the same sentence."""
    dates = dates_find(sentence, published_on=reading.published_on)
    if not dates:
        return []
    drafts = []
    for pattern, change in CUSTODY:
        if pattern.search(sentence):
            written, value, precision, approximate = dates[0]
            about, why = reading.relevance(sentence, benefit_of_article=True)
            drafts.append(Draft(
                kind=Event.Kind.CUSTODY,
                date=_text_of(value, precision),
                date_precision=precision,
                date_approximate=approximate,
                date_as_written=written,
                summary=f"{Event.CustodyChange(change).label}.",
                evidence=sentence,
                about_case=about,
                why=why,
                custody_change=change,
            ))
    return drafts


def _ruling_dates(sentence: str, *, court_at: int, published_on: datetime.date) -> list:
    """Dates that can be the ruling's, nearest the court first: "said on Friday" dates the speech, not the ruling."""
    candidates = []
    for found in dates_find(sentence, published_on=published_on):
        at = sentence.find(found[0])
        if re.search(rf"\b(?:{SPEECH_VERBS})\s*$", sentence[:at]):
            continue
        candidates.append((abs(at - court_at), found))
    return [found for _distance, found in sorted(candidates, key=lambda item: item[0])]


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rsplit(" ", 1)[0] + "…"


def _deduplicate(drafts: list[Draft]) -> list[Draft]:
    """One draft per decision (who and what), per quotation or gist and per status update, keeping the best-dated one."""
    kept: list[Draft] = []
    for draft in drafts:
        same = None
        for index, other in enumerate(kept):
            if draft.kind != other.kind:
                continue
            if draft.kind == Event.Kind.STATEMENT and (draft.quote, draft.gist) == (other.quote, other.gist):
                same = index
            elif draft.kind == Event.Kind.STATUS and (draft.category, draft.date) == (other.category, other.date):
                same = index
            elif draft.kind in (Event.Kind.RULING, Event.Kind.EXECUTIVE_DECISION, Event.Kind.CUSTODY) and (
                draft.authority_name, draft.decision, draft.custody_change
            ) == (
                other.authority_name, other.decision, other.custody_change
            ) and (draft.date == other.date or draft.date_approximate or other.date_approximate):
                # The same ruling told twice (once undated): one draft, with the better date.
                same = index
        if same is None:
            kept.append(draft)
        elif kept[same].date_approximate and not draft.date_approximate:
            draft.about_case = draft.about_case or kept[same].about_case
            kept[same] = draft
    return kept


# Recording the confirmed drafts ------------------------------------------------------------------


def drafts_record(*, case: Case, drafts: list[dict], source: dict, by) -> list[Event]:
    """Record the drafts the analyst confirmed, each with the article as its source; all or none.

    ``drafts`` are cleaned form data (see forms.DraftForm), with the keys of ``Draft``; the keys
    added for the second-generation record (reported_speech, gist, decision_detail, official_name,
    authority_kind, category) may be missing. ``source`` has url, title, publisher and
    published_on. Raises ValidationError from the services, with nothing saved."""
    events = []
    with transaction.atomic():
        article = services.source_get_or_create(**source)
        for draft in drafts:
            common = {
                "occurred_on": draft["occurred_on"],
                "date_precision": draft["date_precision"],
                "date_approximate": draft["date_approximate"],
                "reported_on": source["published_on"],
                "confidence": draft["confidence"],
                "sources": [article],
                "by": by,
            }
            kind = draft["kind"]
            if kind == Event.Kind.STATEMENT:
                statement = services.statement_record(
                    cases=[case], government=draft["government"], body=draft["body"],
                    speaker=draft.get("speaker") or _person_for(draft.get("speaker_name", ""), by=by),
                    speaker_title=draft.get("speaker_title", ""), channel=draft.get("channel") or "",
                    quote=draft.get("quote") or "", reported_speech=bool(draft.get("reported_speech")),
                    gist=draft.get("gist") or "", summary=draft["summary"], **common,
                )
                events.append(statement.events.get(case=case))
                continue
            fields = {"summary": draft["summary"]}
            if kind == Event.Kind.RULING:
                fields["authority"] = services.authority_get_or_create(
                    name=draft["authority_name"], country=draft["authority_country"], kind=Authority.Kind.COURT,
                    level=draft.get("authority_level") or Authority.Level.OTHER,
                )
                fields.update(decision=draft["decision"], decision_detail=draft.get("decision_detail") or "")
            elif kind == Event.Kind.EXECUTIVE_DECISION:
                fields["authority"] = services.authority_get_or_create(
                    name=draft["authority_name"], country=draft["authority_country"],
                    kind=draft.get("authority_kind") or Authority.Kind.EXECUTIVE,
                )
                fields.update(
                    decision=draft["decision"], decision_detail=draft.get("decision_detail") or "",
                    official=draft.get("official") or _person_for(draft.get("official_name", ""), by=by),
                )
            elif kind == Event.Kind.CUSTODY:
                fields["custody_change"] = draft["custody_change"]
            elif kind == Event.Kind.STATUS and draft.get("category"):
                fields["category"] = draft["category"]
            events.append(services.event_record(case=case, kind=kind, **fields, **common))
    return events


def _person_for(name: str, *, by) -> Person | None:
    """The recorded person of this name or name variant, created on first mention; None for no name."""
    name = (name or "").strip()
    if not name:
        return None
    return Person.objects.matching(name).filter(Q(name__iexact=name) | Q(names__name__iexact=name)).first() or (
        services.person_create(name=name, by=by)
    )
