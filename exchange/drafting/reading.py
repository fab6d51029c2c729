"""
What every rule needs to know while reading one report for one case: its sentences, the people and
cases it names, the person sought's names, the last court, speaker and dates it gave.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import Q

from cases.models import Case, CaseParty, Person, PersonName

from .dates import DateMention, dates_find
from .vocabulary import SPEECH_VERBS

EXTRADITION_WORDS = re.compile(r"\bextradit\w*|\bsurrender\w*|\bthe accused\b|\bhis (?:appeal|petition|plea)\b|\bhabeas\b|\bcertiorari\b", re.IGNORECASE)


# "New Delhi:", "London [UK], May 1 (ANI):", "KUALA LUMPUR, July 13 —": where and when the report was filed.
DATELINE = re.compile(
    r"^(?:[A-Z][A-Za-z.'-]*(?:\s+[A-Z][A-Za-z.'-]*){0,3})(?:\s*\[[^\]]{1,20}\])?(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?(?:\s*\([A-Za-z]{2,12}\))?\s*(?::|—|–|--|-\s)\s*"
)


def dateline_of(text: str) -> str:
    match = DATELINE.match(text.strip())
    return match.group(0) if match else ""


def paragraphs_split(text: str) -> list[str]:
    """Paragraphs, with a quotation continued into the next paragraph (the next one opens with a
    quotation mark, the first never closed) joined into one."""
    paragraphs = [p.strip() for p in text.replace("\r", "").split("\n") if p.strip()]
    if paragraphs:
        paragraphs[0] = DATELINE.sub("", paragraphs[0], count=1)
    joined: list[str] = []
    for paragraph in paragraphs:
        if joined and _open_quote(joined[-1]) and paragraph[:1] in "“\"":
            joined[-1] = joined[-1] + " " + paragraph[1:]
        else:
            joined.append(paragraph)
    return joined


def _open_quote(paragraph: str) -> bool:
    return paragraph.count("“") > paragraph.count("”") or (paragraph.count('"') % 2 == 1)


def sentences_split(text: str) -> list[str]:
    """Sentences, keeping a quotation's inner sentence breaks inside the quotation."""
    return [sentence for _paragraph, sentence in sentences_numbered(text)]


def sentences_numbered(text: str) -> list[tuple[int, str]]:
    """(paragraph number, sentence) for every sentence."""
    result = []
    for number, paragraph in enumerate(paragraphs_split(text)):
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
            if not ends and char in "”\"" and depth == 0 and buffer.rstrip("”\"")[-1:] in ".?!" and following[:1] == " " and following[1:2].isupper():
                ends = not re.match(r"\s+(?:[A-Z]\w+\s+)?(?:" + SPEECH_VERBS + r")\b", paragraph[index + 1:index + 40])
            # Not after an initial or a title (“U.S.”, “Mr.”).
            if ends and not re.search(r"(?:\b[A-Z]|\bMr|\bMrs|\bMs|\bDr|\bSt|\bNo|\bvs?|\bJr|\bSr|\bGen|\bLt|\bCol|\bGov|\bSen|\bRep)\.$", buffer):
                parts.append(buffer.strip())
                buffer = ""
        if buffer.strip():
            parts.append(buffer.strip())
        result.extend((number, part) for part in parts)
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
    """Cases whose reference the text gives, or on which a named person is the one sought."""
    by_party = Case.objects.filter(
        parties__person__in=people, parties__role=CaseParty.Role.PERSON_SOUGHT
    ) if people else Case.objects.none()
    refs = set(re.findall(r"\b[a-z0-9]+(?:-[a-z0-9]+)+\b", text))
    by_ref = Case.objects.filter(reference__in=refs) if refs else Case.objects.none()
    return list((by_party | by_ref).distinct().order_by("title"))


@dataclass
class Reading:
    case: Case
    text: str
    published_on: datetime.date
    sentences: list[str]
    case_names: set[str]  # the sought person's names and surnames
    article_names: list[str]  # those of them the article uses
    other_names: set[str]  # recorded people named in the article who are not sought in this case
    people: list[Person]
    cases: list[Case]
    people_by_name: dict[str, Person]
    full_names: dict[str, str]  # surname → the full name the report first gave
    speech_date: tuple[DateMention, str] | None  # the lead's "India said on Friday": (date, country)
    last_speaker: object = None
    last_statement: object = None
    last_statement_index: int = -1
    last_court: tuple[str, str, str] | None = None
    last_year: int | None = None
    last_date: DateMention | None = None
    dates_seen: list[tuple[str, str]] = field(default_factory=list)
    speakers: dict = field(default_factory=dict)  # name → the speaker as first described, with title and role
    home: str = ""  # the country of the report's dateline ("KUALA LUMPUR, July 13 —")
    paragraph_of: list[int] = field(default_factory=list)  # each sentence's paragraph

    def speaker_seen(self, speaker) -> None:
        self.last_speaker = speaker
        if speaker.name and (speaker.title or speaker.body or speaker.name not in self.speakers):
            self.speakers.setdefault(speaker.name, speaker)

    def context(self, index: int) -> str:
        return " ".join(self.sentences[max(0, index - 1):index + 1])

    def relevance(self, text: str, *, benefit_of_article: bool, speaker: str = "") -> tuple[bool, str]:
        """Whether a sentence is about the case, and why. A ruling or custody change that names
        nobody counts as the case's when the article names the person sought; statements do not
        get that benefit, because one briefing covers several matters."""
        named = sorted(name for name in self.case_names if re.search(rf"\b{re.escape(name)}\b", text))
        if named:
            return True, f"Names {named[0]}."
        speaker_names = {speaker, speaker.split()[-1]} if speaker else set()
        others = sorted(name for name in self.other_names - speaker_names if re.search(rf"\b{re.escape(name)}\b", text))
        if others:
            return False, f"About {others[0]}, not the person sought in this case."
        if EXTRADITION_WORDS.search(text):
            return True, "Speaks of the extradition or the accused without naming another person."
        if benefit_of_article and self.article_names:
            return True, f"The article is about {self.article_names[0]} and this sentence names no one else."
        return False, "Does not mention the person sought or the extradition: probably about another matter."


def _case_names(case: Case) -> set[str]:
    names = set()
    for party in case.parties.select_related("person").prefetch_related("person__names"):
        if party.role == CaseParty.Role.PERSON_SOUGHT:
            names |= _surnames(party.person)
    return names


def reading_start(*, case: Case, text: str, published_on: datetime.date) -> Reading:
    from .speakers import country_in

    numbered = sentences_numbered(text)
    sentences = [sentence for _number, sentence in numbered]
    people = people_mentioned(text)
    case_names = _case_names(case)
    sought = {p.person_id for p in case.parties.all() if p.role == CaseParty.Role.PERSON_SOUGHT}
    full_names = {}
    for match in re.finditer(r"\b([A-Z][a-z’'\-]+(?:\s+[A-Z]\.)?(?:\s+[A-Z][a-z’'\-]+){1,2})\b", text):
        surname = match.group(1).split()[-1].lower()
        full_names.setdefault(surname, match.group(1))
    speech_date = None
    for sentence in sentences[:3]:
        said = re.search(rf"\b(?:{SPEECH_VERBS})\b", sentence)
        if said:
            before = sentence[:said.start()]
            dates = [d for d in dates_find(sentence, published_on=published_on) if abs(d.start - said.start()) < 30 and not d.future]
            if dates:
                speech_date = (dates[0], country_in(before.split(":")[-1]))
                break
    return Reading(
        case=case, text=text, published_on=published_on, sentences=sentences, case_names=case_names,
        article_names=sorted(name for name in case_names if re.search(rf"\b{re.escape(name)}\b", text)),
        other_names={name for person in people if person.pk not in sought for name in _surnames(person)},
        people=people, cases=cases_mentioned(text, people),
        people_by_name={name.lower(): person for person in people for name in [person.name] + [n.name for n in person.names.all()]},
        full_names=full_names, speech_date=speech_date,
        home=country_in(dateline_of(text).title().replace("Us ", "US ").replace("Uk ", "UK ")),
        paragraph_of=[number for number, _sentence in numbered],
    )
