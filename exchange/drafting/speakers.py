"""
Who said it: the speaker of a quotation or of reported speech, read from the parse, with a role.

The subject of the speech verb gives the phrase ("Ministry of External Affairs spokesperson
Randhir Jaiswal", "the mission", "he"); in it, a person's name (an entity), a title (the words
before the name, or an apposition after it) and a body (a known government body, or an
organisation entity). Pronouns are the last named speaker. The role decides what the words are:
only a government speaker makes a government statement; a judge's words belong to the ruling,
a lawyer's or a relative's are no event.
"""

import re
from dataclasses import dataclass

from .vocabulary import (
    BODIES,
    COURT_WORDS,
    DEFENCE_WORDS,
    DEMONYMS,
    GOVERNMENT_WORDS,
    PROSECUTION_WORDS,
    SPEECH_LEMMAS,
)

PRONOUNS = {"he", "she", "they", "it", "we", "i"}
GOVERNMENT = "government"
COURT = "court"
PROSECUTION = "prosecution"
DEFENCE = "defence"
OTHER = "other"


@dataclass(frozen=True)
class Speaker:
    name: str = ""
    title: str = ""
    body: str = ""
    government: str = ""  # the country the speaker speaks for, when a government speaker
    role: str = OTHER

    @property
    def label(self) -> str:
        return self.name or self.body or self.title


def country_in(text: str) -> str:
    """The first country a phrase names or implies ("Belgian", "Home Office", "Antigua")."""
    best = None
    for code, words in DEMONYMS.items():
        match = re.search(rf"(?<![\w-])(?:{words})(?![\w-])", text)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), code)
    if best:
        return best[1]
    from django_countries import countries

    for code, name in countries:
        if len(name) > 3 and re.search(rf"\b{re.escape(str(name))}\b", text):
            return code
    return ""


def speech_verbs(doc, *, outside: list[tuple[int, int]]):
    """Tokens that are verbs of saying, outside the quotations."""
    return [t for t in doc if t.lemma_.lower() in SPEECH_LEMMAS and t.pos_ in ("VERB", "AUX")
            and not any(start <= t.idx < end for start, end in outside)]


def subject_of(verb, *, outside: list[tuple[int, int]]):
    """The tokens of the verb's subject (without quotations, relative clauses or parentheses)."""
    subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
    if not subjects:
        # "…, said the mission": spaCy sometimes makes the inverted subject the object.
        subjects = [c for c in verb.children if c.dep_ in ("dobj", "attr", "npadvmod") and c.i > verb.i and c.pos_ in ("PROPN", "NOUN")]
    if not subjects and verb.dep_ in ("conj", "xcomp", "advcl") and verb.head is not verb:
        return subject_of(verb.head, outside=outside)
    if not subjects and verb.dep_ == "acl" and verb.head.head is not verb.head:
        return subject_of(verb.head.head, outside=outside)  # "the ministry issued a statement confirming that…"
    if not subjects:
        return []
    subject = subjects[0]
    tokens = []
    for token in subject.subtree:
        if any(start <= token.idx < end for start, end in outside):
            continue
        if token.dep_ in ("relcl", "acl") and token is not subject:
            break
        if token.i > subject.i and (token.text == "," or (token.dep_ == "prep" and token.head.i == subject.i and token.lower_ not in ("of", "for", "at", "in"))):
            break  # "President Trump, following a call with Modi": the name, not what follows it
        tokens.append(token)
    # Words after the subject that are not its own ("during his weekly briefing") are not in its subtree.
    return tokens


def speaker_read(tokens, *, doc, last: Speaker | None, context: str, known_names: dict[str, str],
                 sought_names: set[str], known_speakers: dict | None = None, home: str = "") -> Speaker | None:
    """``home`` is the country the report was filed from (its dateline), for a minister the
    report does not place ("Human Resources Minister M. Kulasegaran said…" from Kuala Lumpur)."""
    """A speaker from the words of the subject; None when nobody can be named."""
    if not tokens:
        return None
    words = [t for t in tokens if t.dep_ != "punct"]
    phrase = "".join(t.text_with_ws for t in tokens).strip(" ,")
    if len(words) == 1 and words[0].lower_ in PRONOUNS:
        return last
    name = ""
    persons = [e for e in doc.ents if e.label_ == "PERSON" and e.start >= tokens[0].i and e.end <= tokens[-1].i + 1]
    if persons:
        name = persons[-1].text
    else:
        # Names the model did not tag: a run of proper nouns at the end of the phrase.
        run = []
        for token in reversed(words):
            if token.pos_ == "PROPN" and token.text[:1].isupper() and not GOVERNMENT_WORDS.fullmatch(token.text):
                run.insert(0, token.text)
            else:
                break
        spoken_for = [m.group(0) for pattern, _b, _g in BODIES for m in [pattern.search(phrase)] if m]
        spoken_for += [e.text for e in doc.ents if e.label_ == "ORG" and GOVERNMENT_WORDS.search(e.text)]
        if run and not any(" ".join(run) in body_words for body_words in spoken_for) and not country_in(" ".join(run)):
            name = " ".join(run)
    name = re.sub(r"(?:[’']s)$", "", name).strip()
    name = re.sub(r"^(?:Mr|Mrs|Ms|Miss|Dr|Sir|Dame|Lord|Lady)\.?\s+", "", name) if len(name.split()) > 1 else name
    body, government = "", ""
    for pattern, known_body, country in BODIES:
        found = pattern.search(phrase)
        if found:
            # A body known by name; a generic one ("Canada's justice department") as written, with its country.
            body = known_body or re.sub(r"^the\s+", "", found.group(0), flags=re.IGNORECASE)
            body = body[:1].upper() + body[1:]
            government = country or country_in(phrase)
            break
    if not body:
        orgs = [e for e in doc.ents if e.label_ in ("ORG", "NORP", "GPE") and e.start >= tokens[0].i and e.end <= tokens[-1].i + 1
                and e.text != name]
        organisation = next((e for e in orgs if e.label_ == "ORG"), None)
        if organisation is not None:
            body = re.sub(r"^the\s+", "", organisation.text, flags=re.IGNORECASE)
        else:
            nouns = re.search(r"\b(?:the\s+)?((?:[\w’'-]+\s+){0,5}?(?:ministry|mission|embassy|high\s+commission|consulate|government|department|office|police|agency|service|prosecutors?|authorities|officials?|sources|spokesperson|spokesman|spokeswoman))\b", phrase, re.IGNORECASE)
            if nouns and not name:
                body = nouns.group(1)
                body = body[0].upper() + body[1:]
    if name and "".join(name.split()).lower() in {"".join(n.split()).lower() for n in (body,)}:
        name = ""
    # A surname alone: the full name given earlier in the report, or the last speaker's.
    if name and len(name.split()) == 1:
        if last and last.name.split()[-1:] == [name]:
            return last
        full = known_names.get(name.lower())
        if full:
            name = full
    if name and known_speakers and name in known_speakers:
        return known_speakers[name]  # "Jaiswal reiterated": the spokesperson named earlier
    title_words = phrase
    for pattern, _b, _g in BODIES:
        title_words = pattern.sub("", title_words)
    if name:
        title_words = title_words.replace(name, "").replace(name.split()[-1], "")
    title_words = re.sub(r"\b(?:the|a|an|of|for|said|[’']s|'s)\b", " ", title_words, flags=re.IGNORECASE)
    title_words = re.sub(r"[,()]", " ", title_words)
    title = " ".join(title_words.split())
    if body and title.lower() == body.lower():
        title = ""
    if len(title) > 80:
        title = ""
    described = f"{phrase} {title}"
    role = _role(described, name=name, sought_names=sought_names, known_role=(last.role if last and last.name == name and name else ""))
    if role == GOVERNMENT and not government:
        government = country_in(phrase) or home or country_in(context)
    if not (name or body or title):
        return None
    return Speaker(name=name, title=title[:1].upper() + title[1:] if title else "", body=body, government=government, role=role)


def _role(described: str, *, name: str, sought_names: set[str], known_role: str) -> str:
    if known_role:
        return known_role
    if name and (name in sought_names or name.split()[-1] in sought_names):
        return DEFENCE
    if re.search(r"\battorney[- ]general\b|\bsolicitor[- ]general\b|\bminist(?:er|ry)\b|\bsecretary\b|\bspokes(?:person|man|woman)\b|\b(?:service|department|office)\s+of\s+justice\b", described, re.IGNORECASE) and not re.search(
        r"\b(?:court|judiciary)\s+spokes", described, re.IGNORECASE
    ):
        return GOVERNMENT
    if PROSECUTION_WORDS.search(described):
        return PROSECUTION
    if COURT_WORDS.search(described) and not re.search(r"\bcourt\s+spokes", described, re.IGNORECASE):
        return COURT
    if DEFENCE_WORDS.search(described):
        return DEFENCE
    if GOVERNMENT_WORDS.search(described) or any(pattern.search(described) for pattern, _b, _g in BODIES):
        return GOVERNMENT
    if country_in(described) and not name:
        return GOVERNMENT  # "India said", "Washington has said": the state itself
    return OTHER

