"""
The catalogue of clock rules: data in ``clocks/rules/*.toml``, read and checked here.

A rule says which law runs the clock (``forum``: the requested state, or ``"requested"`` for a
treaty binding both ``treaty_parties``), which requesting states it covers, which event starts it
(``trigger``), how long it runs and how that is counted, what follows when it passes, and which
later events meet it (``met_by``) or stop it (``stopped_by``). Each rule carries its citation, the
address of the text it was checked against and how sure that check is ("verified", "partly"):
rules not checked against their source are not entered. How to add one: the README.

An event matches a matcher when each condition the matcher names holds; an authority condition
holds too when the event names no authority (the record often does not say who acted).
"""

import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from cases.models import Authority, Event
from django_countries import countries

from . import counting

RULES_DIR = Path(__file__).resolve().parent / "rules"

CONSEQUENCES = {
    "discharge_required": "Discharge must be ordered",
    "discharge_on_application": "Discharge on application",
    "may_discharge": "May be discharged",
    "right_lost": "The right is lost",
    "deemed_outcome": "An outcome is deemed",
    "notice_only": "Notice only",
}
VERIFICATIONS = {"verified": "Verified against the source", "partly": "Partly verified"}
UNIT_LABELS = {
    counting.HOURS: ("hour", "hours"),
    counting.DAYS: ("day", "days"),
    counting.CALENDAR_MONTHS: ("calendar month", "calendar months"),
    counting.BUSINESS_DAYS: ("business day", "business days"),
}
COUNTING_LABELS = {counting.STARTING_WITH: "starting with the day of", counting.AFTER: "after"}
# Which states an authority condition may name besides a country code.
PARTY_ROLES = ("forum", "requesting", "requested")

_MATCHER_FIELDS = {
    "kind": set(Event.Kind.values),
    "decision": {value for value, _label in Event._meta.get_field("decision").choices},
    "custody_change": set(Event.CustodyChange.values),
    "filing_type": set(Event.FilingType.values),
    "authority_kind": set(Authority.Kind.values),
    "authority_level": set(Authority.Level.values),
}


class RuleError(ValueError):
    """A rule file that cannot be used, with the file and rule named."""


@dataclass(frozen=True)
class Matcher:
    kind: str
    decision: frozenset = frozenset()
    custody_change: frozenset = frozenset()
    filing_type: frozenset = frozenset()
    authority_kind: frozenset = frozenset()
    authority_level: frozenset = frozenset()
    authority_country: str = ""  # a country code or one of PARTY_ROLES

    @property
    def description(self) -> str:
        """In words: "Custody change: provisionally arrested", "Executive decision: extradition ordered, by a
        government or ministry"."""
        labels = {value: str(label).lower() for value, label in Event._meta.get_field("decision").choices}
        labels.update({value: str(label).lower() for value, label in Event.CustodyChange.choices})
        labels.update({value: str(label).lower() for value, label in Event.FilingType.choices})
        values = sorted(labels[value] for value in (*self.decision, *self.custody_change, *self.filing_type))
        text = str(Event.Kind(self.kind).label) + (": " + " or ".join(values) if values else "")
        if self.authority_kind:
            kinds = " or ".join(sorted(str(Authority.Kind(kind).label).lower() for kind in self.authority_kind))
            text += f", by a {kinds}"
        return text

    def matches(self, event: Event, *, forum: str, requesting: str, requested: str) -> bool:
        if event.kind != self.kind:
            return False
        if self.decision and event.decision not in self.decision:
            return False
        if self.custody_change and not {event.custody_change, event.custody_change_then} & self.custody_change:
            return False
        if self.filing_type and event.filing_type not in self.filing_type:
            return False
        authority = event.authority
        if authority is None:
            return True
        if self.authority_kind and authority.kind not in self.authority_kind:
            return False
        if self.authority_level and authority.level and authority.level not in self.authority_level:
            return False
        if self.authority_country and authority.country:
            wanted = {"forum": forum, "requesting": requesting, "requested": requested}.get(
                self.authority_country, self.authority_country
            )
            if authority.country != wanted:
                return False
        return True


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    forum: str  # a country code, or "requested"
    instrument: str
    citation: str
    source: str
    verification: str
    length: int
    unit: str
    counting: str
    consequence: str
    wording: str
    trigger: Matcher
    met_by: tuple = ()
    stopped_by: tuple = ()
    consequence_text: str = ""
    extension: str = ""
    note: str = ""
    treaty_parties: frozenset = frozenset()
    forum_in: frozenset = frozenset()  # for forum "requested": the states it may be
    requesting_in: frozenset = frozenset()
    requesting_not_in: frozenset = frozenset()
    file: str = field(default="", compare=False)

    @property
    def length_display(self) -> str:
        one, many = UNIT_LABELS[self.unit]
        return f"{self.length} {one if self.length == 1 else many}"

    @property
    def counting_display(self) -> str:
        return f"{self.length_display} {COUNTING_LABELS[self.counting]}"

    @property
    def consequence_display(self) -> str:
        return self.consequence_text or CONSEQUENCES[self.consequence].lower()

    @property
    def verification_display(self) -> str:
        return VERIFICATIONS[self.verification]

    @property
    def forum_display(self) -> str:
        if self.forum == "requested":
            return " or ".join(str(countries.name(code)) for code in sorted(self.treaty_parties or self.forum_in))
        return str(countries.name(self.forum))

    @property
    def is_treaty(self) -> bool:
        return bool(self.treaty_parties)

    def applies(self, *, requesting: str, requested: str) -> bool:
        """Whether the rule's law runs a clock in a matter from ``requesting`` to ``requested``."""
        if not requesting or not requested or requesting == requested:
            return False
        if self.forum != "requested" and requested != self.forum:
            return False
        if self.forum_in and requested not in self.forum_in:
            return False
        if self.treaty_parties and {requesting, requested} != set(self.treaty_parties):
            return False
        if self.requesting_in and requesting not in self.requesting_in:
            return False
        if self.requesting_not_in and requesting in self.requesting_not_in:
            return False
        return True

    def due(self, start, *, requested: str):
        """The last day of the period that starts on ``start`` in a matter where ``requested`` is asked."""
        country = requested if self.forum == "requested" else self.forum
        return counting.period_end(start, amount=self.length, unit=self.unit, counting=self.counting, country=country)


def _states(value, *, groups: dict, where: str) -> tuple[frozenset, frozenset]:
    """A ``requesting``/``forum_in`` value: a group name, "not:<group>", or a list of codes → (in, not in)."""
    if value is None:
        return frozenset(), frozenset()
    negate = isinstance(value, str) and value.startswith("not:")
    if isinstance(value, str):
        name = value.removeprefix("not:")
        if name not in groups:
            raise RuleError(f"{where}: no group named {name!r} (groups: {', '.join(sorted(groups))}).")
        codes = frozenset(groups[name])
    else:
        codes = frozenset(value)
    for code in codes:
        if code not in countries:
            raise RuleError(f"{where}: {code!r} is not a country code.")
    return (frozenset(), codes) if negate else (codes, frozenset())


def _matcher(data: dict, *, where: str) -> Matcher:
    unknown = set(data) - {*_MATCHER_FIELDS, "authority_country"}
    if unknown:
        raise RuleError(f"{where}: unknown condition(s) {', '.join(sorted(unknown))}.")
    if data.get("kind") not in _MATCHER_FIELDS["kind"]:
        raise RuleError(f"{where}: kind must be one of {', '.join(sorted(_MATCHER_FIELDS['kind']))}.")
    values = {}
    for name, allowed in _MATCHER_FIELDS.items():
        if name == "kind" or name not in data:
            continue
        given = data[name]
        if not isinstance(given, list) or not given:
            raise RuleError(f"{where}: {name} must be a non-empty list.")
        wrong = set(given) - allowed
        if wrong:
            raise RuleError(f"{where}: {name} has unknown value(s) {', '.join(sorted(wrong))}.")
        values[name] = frozenset(given)
    country = data.get("authority_country", "")
    if country and country not in PARTY_ROLES and country not in countries:
        raise RuleError(f"{where}: authority_country must be a country code or one of {', '.join(PARTY_ROLES)}.")
    return Matcher(kind=data["kind"], authority_country=country, **values)


_REQUIRED = (
    "id", "title", "forum", "instrument", "citation", "source", "verification", "length", "unit", "counting",
    "consequence", "wording", "trigger",
)
_OPTIONAL = ("met_by", "stopped_by", "consequence_text", "extension", "note", "treaty_parties", "forum_in", "requesting")


def _rule(data: dict, *, groups: dict, file: str) -> Rule:
    where = f"{file}: rule {data.get('id', '(no id)')}"
    missing = [name for name in _REQUIRED if name not in data]
    if missing:
        raise RuleError(f"{where}: missing {', '.join(missing)}.")
    unknown = set(data) - {*_REQUIRED, *_OPTIONAL}
    if unknown:
        raise RuleError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}.")
    checks = {
        "unit": counting.UNITS, "counting": counting.COUNTINGS, "consequence": CONSEQUENCES,
        "verification": VERIFICATIONS,
    }
    for name, allowed in checks.items():
        if data[name] not in allowed:
            raise RuleError(f"{where}: {name} must be one of {', '.join(allowed)}.")
    if not isinstance(data["length"], int) or data["length"] < 1:
        raise RuleError(f"{where}: length must be a whole number of at least 1.")
    if not str(data["source"]).startswith(("https://", "http://")):
        raise RuleError(f"{where}: source must be the address of the text the rule was checked against.")
    parties = frozenset(data.get("treaty_parties", ()))
    forum_in, _ = _states(data.get("forum_in"), groups=groups, where=where)
    if data["forum"] == "requested":
        if not parties and not forum_in:
            raise RuleError(f"{where}: forum 'requested' needs treaty_parties or forum_in.")
    elif data["forum"] not in countries:
        raise RuleError(f"{where}: forum must be a country code or 'requested'.")
    if parties and (len(parties) != 2 or any(code not in countries for code in parties)):
        raise RuleError(f"{where}: treaty_parties must be two country codes.")
    if data["unit"] == counting.BUSINESS_DAYS and data["forum"] == "requested":
        raise RuleError(f"{where}: business days need one forum, whose holidays they skip.")
    requesting_in, requesting_not_in = _states(data.get("requesting"), groups=groups, where=where)
    return Rule(
        id=data["id"], title=data["title"], forum=data["forum"], instrument=data["instrument"],
        citation=data["citation"], source=data["source"], verification=data["verification"],
        length=data["length"], unit=data["unit"], counting=data["counting"], consequence=data["consequence"],
        wording=data["wording"], consequence_text=data.get("consequence_text", ""),
        extension=data.get("extension", ""), note=data.get("note", ""),
        trigger=_matcher(data["trigger"], where=f"{where}, trigger"),
        met_by=tuple(_matcher(item, where=f"{where}, met_by") for item in data.get("met_by", ())),
        stopped_by=tuple(_matcher(item, where=f"{where}, stopped_by") for item in data.get("stopped_by", ())),
        treaty_parties=parties, forum_in=forum_in, requesting_in=requesting_in,
        requesting_not_in=requesting_not_in, file=file,
    )


def rules_load(directory: Path = RULES_DIR) -> dict[str, Rule]:
    """Every rule of the catalogue by id, checked; a RuleError names the first problem found."""
    groups: dict = {}
    files = sorted(directory.glob("*.toml"))
    parsed = {}
    for path in files:
        try:
            parsed[path.name] = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise RuleError(f"{path.name}: {error}") from error
        groups.update(parsed[path.name].get("groups", {}))
    rules: dict[str, Rule] = {}
    for name, data in parsed.items():
        for item in data.get("rule", ()):
            rule = _rule(item, groups=groups, file=name)
            if rule.id in rules:
                raise RuleError(f"{name}: rule {rule.id} is also in {rules[rule.id].file}.")
            rules[rule.id] = rule
    return rules


@functools.cache
def catalogue() -> dict[str, Rule]:
    """The repository's rules, read once per process."""
    return rules_load()


def rules_for(*, requesting: str, requested: str) -> list[Rule]:
    """The rules whose law runs a clock in a matter between these states."""
    return [rule for rule in catalogue().values() if rule.applies(requesting=requesting, requested=requested)]
