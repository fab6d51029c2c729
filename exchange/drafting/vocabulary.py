"""
The rule layer: the words of the field, where a list is right and a parse adds nothing.

The parse (``language``) finds clauses, subjects and names; these patterns then say what a clause
reports: which court decision ("dismissed his appeal"), which executive decision ("signed the
order"), which custody change, filing, hearing or status. Patterns are tried on one clause at a
time, so a sentence with three rulings gives three decisions; the first pattern that matches wins,
so the specific words come before the general ones.
"""

import re

from cases.models import Authority, Event, ExecutiveDecision, RulingDecision, StatusCategory, Statement


# Court decisions -------------------------------------------------------------------------------

_PERSON_OBJ = r"(?:his|her|their|the|a|an|its|mr\.?\s+\w+'s|\w+'s|\w+’s)?\s*"
_APPLICATION = r"(?:appeal|appeals|challenge|bid|application|plea|petition|request|case|claim|review|motion)"

RULING_DECISIONS = [
    (re.compile(r"\b(?:dismiss\w*|dropp\w*|quash\w*|withdr[ae]w\w*|throw\w* out|threw out)\s+(?:the\s+|all\s+)?(?:\w+\s+)?charges"
                r"|\bcharges\b[^.]{0,40}\b(?:were|was|been)\s+(?:dismissed|dropped|quashed|thrown out)", re.I), RulingDecision.CHARGES_DISMISSED),
    (re.compile(r"\bacquit\w*|\bfound\s+(?:\w+\s+){0,3}?not\s+guilty", re.I), RulingDecision.ACQUITTED),
    (re.compile(r"\bconvict(?:ed|s|ing)\b|\bfound\s+(?:\w+\s+){0,3}?guilty|\bguilty\s+verdict", re.I), RulingDecision.CONVICTED),
    (re.compile(r"\bsentenc(?:ed|es|ing)\b[^.]{0,40}?\bto\b|\bjailed\s+(?:\w+\s+)?for\b|\bhanded\s+(?:\w+\s+){0,2}(?:sentence|jail term|prison term)", re.I), RulingDecision.SENTENCED),
    (re.compile(r"\bdeclared\b[^.]{0,40}?\b(?:fugitive|proclaimed\s+offender|absconder)", re.I), RulingDecision.DECLARED_FUGITIVE),
    (re.compile(r"\bissu\w*\b[^.]{0,40}?\bwarrants?\b|\bwarrants?\b[^.]{0,40}?\bissued\b", re.I), RulingDecision.WARRANT_ISSUED),
    (re.compile(r"\bfram\w*\s+(?:the\s+)?charges|\bcharges\s+(?:were\s+|have\s+been\s+)?framed|\btook\s+cogni[sz]ance", re.I), RulingDecision.CHARGED),
    (re.compile(r"\b(?:approv\w*|accept\w*|reach\w*|enter\w*|sign\w*|struck|strik\w*)\b[^.]{0,40}\b(?:deferred[- ]prosecution|plea)\s+(?:agreement|deal|bargain)", re.I), RulingDecision.DPA_APPROVED),
    (re.compile(r"\brevok\w*\b[^.]{0,60}?\b(?:authori[sz]ation|extradition)", re.I), RulingDecision.AUTHORISATION_REVOKED),
    (re.compile(r"\bsent\s+(?:the\s+(?:case|matter|file)\s+)?to\s+the\s+(?:Home\s+Secretary|Secretary\s+of\s+State|minister|government)", re.I),
     RulingDecision.SENT_TO_MINISTER),
    (re.compile(r"\bremitted\b|\bsent\s+(?:the\s+case\s+)?back\s+to\s+the\s+(?:lower|district|trial|magistrate)", re.I), RulingDecision.REMITTED),
    (re.compile(r"\bremand\w*\b[^.]{0,40}?\b(?:custody|prison|jail)\b|\bsent\b[^.]{0,30}\b(?:judicial|police)\s+custody\b", re.I), RulingDecision.REMANDED),
    (re.compile(r"\b(?:declin|refus)\w*\s+to\s+(?:hear|take up|review|consider)|\bdenied\s+(?:a\s+|his\s+|her\s+|the\s+)?(?:writ\s+of\s+)?certiorari"
                r"|\bcert(?:iorari)?\s+(?:was\s+)?denied|\brefusal\s+to\s+hear", re.I), RulingDecision.CERT_DENIED),
    (re.compile(r"\b(?:den(?:ied|ies|y)|refus\w+|reject\w*|dismiss\w*|lift\w*)\b[^.]{0,60}\bstay\b|\bstay\b[^.]{0,40}\b(?:denied|rejected|refused|lifted)", re.I), RulingDecision.STAY_DENIED),
    (re.compile(r"\b(?:reject\w*|den(?:ied|y|ies)|refus\w*|dismiss\w*|turn\w*\s+down)\s+(?:an?\s+|the\s+|his\s+|her\s+)?(?:\w+\s+)?emergency\s+(?:application|motion|request|petition)", re.I), RulingDecision.STAY_DENIED),
    (re.compile(r"\bextradition\b[^.]{0,20}\b(?:was|has\s+been|had\s+been)\s+(?:halted|stayed|suspended|put\s+on\s+hold)|\b(?:grant\w*|issu\w*)\b[^.]{0,40}\bstay\b|\bstay(?:ed)?\b[^.]{0,20}\bgranted|\bstayed\s+(?:his|her|the)\s+extradition|\bhalted\s+(?:his|her|the)\s+extradition", re.I), RulingDecision.STAY_GRANTED),
    (re.compile(r"\binterim\s+measures?\b|\bRule\s+39\b[^.]{0,30}\b(?:indicat|grant|issu)", re.I), RulingDecision.INTERIM_MEASURES),
    # Refused before granted: "refused to grant him bail".
    (re.compile(r"\b(?:den\w+|refus\w+|reject\w+|dismiss\w+)\s+(?:\w+\s+){0,3}?bail|\bbail\s+(?:plea|application|request)?\b[^.]{0,30}\b(?:rejected|dismissed|denied|refused)", re.I), RulingDecision.BAIL_REFUSED),
    (re.compile(r"\b(?:grant\w*)\s+(?:him\s+|her\s+|them\s+)?(?:conditional\s+)?bail|\breleased\s+on\s+bail|\bbail\b[^.]{0,20}\bgranted", re.I), RulingDecision.BAIL_GRANTED),
    (re.compile(r"\b(?:refus\w*|den(?:ied|y|ies)|reject\w*|dismiss\w*|lost|los(?:es|ing))\b[^.]{0,90}\b(?:permission|leave)\s+to\s+appeal"
                r"|\b(?:permission|leave)\s+to\s+appeal\b[^.]{0,40}\b(?:refused|denied|rejected)", re.I), RulingDecision.PERMISSION_REFUSED),
    (re.compile(r"\b(?:grant\w*|gave|given)\b[^.]{0,40}\b(?:permission|leave)\s+to\s+appeal"
                r"|\b(?:permission|leave)\s+to\s+appeal\b[^.]{0,40}\bgranted|\ballowed\s+(?:him|her)\s+to\s+appeal", re.I), RulingDecision.PERMISSION_GRANTED),
    # "granting his appeal against being extradited": the appeal succeeded, nobody was surrendered.
    (re.compile(rf"\b(?:allow\w*|grant\w*|accept\w*|uph[eo]ld\w*|won|wins|winning)\s+{_PERSON_OBJ}(?:[\w’'.-]+\s+){{0,3}}?appeal"
                r"|\bappeal\b[^.]{0,30}\b(?:was|were|been)\s+(?:allowed|granted|upheld|successful)|\bsuccessful\s+appeal", re.I), RulingDecision.APPEAL_ALLOWED),
    (re.compile(rf"\b(?:dismiss\w*|reject\w*|throw\w* out|threw out|turn\w* down|refus\w*|den(?:ied|y|ies))\s+{_PERSON_OBJ}(?:[\w’'.-]+\s+){{0,3}}appeals?\b"
                r"|\blost\s+(?:his|her|their)\s+(?:\w+\s+){0,2}appeal|\blos(?:es|ing)\s+(?:his|her|their)\s+(?:\w+\s+){0,2}appeal"
                r"|\bappeals?\b[^.]{0,40}\b(?:was|were|been|is)\s+(?:rejected|dismissed|refused|turned down|thrown out)", re.I), RulingDecision.APPEAL_DISMISSED),
    (re.compile(r"\b(?:reject|refus|dismiss|den)\w*\s+(?:\S+\s+){0,3}?(?:plea|request|application|bid|petition)\s+(?:to|for)\s+(?:\w+\s+)?extradit"
                r"|\b(?:reject\w*|refus\w*|dismiss\w*|den(?:ied|y|ies)|turn\w*\s+down|threw\s+out|throw\w*\s+out)\s+(?:the\s+|an\s+|its\s+|[\w’']+['’]s\s+)?(?:\w+\s+)?extradition\s+(?:request|application|bid)", re.I), RulingDecision.REFUSED),
    (re.compile(r"\b(?:dismiss\w*|reject\w*|throw\w* out|threw out|turn\w* down|refus\w*|den(?:ied|y|ies))\b[^.]{0,40}\b(?:petition|plea|challenge|application|request|bid|motion|habeas|review)"
                r"|\b(?:petition|plea|request|bid|application|challenge|motion)\b[^.]{0,40}\b(?:was|were|been)\s+(?:rejected|dismissed|refused|turned down)"
                r"|\blost\s+(?:his|her|their)\s+(?:\w+\s+){0,2}(?:bid|challenge|fight|battle|case)", re.I), RulingDecision.PETITION_DENIED),
    (re.compile(r"\b(?:upheld|uphold\w*|affirm\w*)\b[^.]{0,60}\b(?:decision|ruling|order|judgment|verdict|extradition|refusal)|\bconfirm\w*\s+(?:the\s+)?(?:lower\s+court'?s\s+)?(?:decision|ruling|judgment|verdict|refusal)", re.I), RulingDecision.AFFIRMED),
    (re.compile(r"\b(?:overturn\w*|revers(?:ed|es|ing))\b", re.I), RulingDecision.REVERSED),
    (re.compile(r"\b(?:quash\w*|set\s+aside|annull?\w*)\b", re.I), RulingDecision.QUASHED),
    (re.compile(r"\b(?:ordered|granted)\s+(?:his|her|their)\s+(?:immediate\s+)?release\b|\bdischarg(?:ed|es|ing)\b|\b(?:ordered|granted)\s+(?:his|her|the)\s+discharge|\border\s+of\s+discharge|\bended\s+(?:the\s+)?extradition\s+proceedings|\bstay\s+of\s+proceedings", re.I), RulingDecision.DISCHARGED),
    (re.compile(r"\b(?:refus\w+|declin\w+)\s+to\s+(?:extradite|surrender|hand\s+over)|\b(?:inadmissible|unlawful|illegal)\b[^.]{0,30}\bextradition|\bextradition\b[^.]{0,30}\b(?:inadmissible|unlawful|illegal|not\s+permissible)"
                r"|\b(?:refus\w+|block\w+|bar\w+|den(?:ied|y|ies)|reject\w*|halt\w*|rul\w+\s+against)\s+(?:\w+\s+){0,2}?(?:his\s+|her\s+|the\s+)?extradition"
                r"|\b(?:cannot|could\s+not|can't|couldn't|should\s+not|must\s+not|will\s+not|would\s+not)\s+be\s+(?:extradited|sent|surrendered|handed\s+over)|\bnot\s+(?:be\s+)?extradit", re.I), RulingDecision.REFUSED),
    (re.compile(r"\bcertif\w+\b[^.]{0,40}\b(?:extradit|surrender)", re.I), RulingDecision.CERTIFIED),
    (re.compile(r"\b(?:order\w*|approv\w*|clear\w*|allow\w*|authori[sz]\w*|green[- ]light\w*|back\w*|paved?\s+the\s+way\s+for)\b[^.]{0,60}?\b(?:extradit\w*|surrender\w*|handover|hand\s+over)"
                r"|\bcan\s+be\s+(?:extradited|surrendered|sent)|\bcould\s+be\s+extradited|\bshould\s+be\s+extradited|\bcan\s+face\s+extradition"
                r"|\bgrant\w*\s+(?:the\s+|an\s+|[\w’']+['’]s\s+)?(?:\w+\s+)?extradition\s+request|\bextradition\s+(?:can|could|may)\s+go\s+ahead|\b(?:can|could|may)\s+go\s+ahead\b[^.]{0,20}\bextradit"
                r"|\bno\s+bar\s+to\s+(?:his\s+|her\s+|the\s+)?extradition|\b(?:admissible|lawful|permissible)\b[^.]{0,20}\bextradition|\bextradition\b[^.]{0,20}\b(?:admissible|lawful|permissible)\b|\bgo-ahead\b[^.]{0,30}\bextradit"
                r"|\brul\w+\s+in\s+favou?r\s+of\s+(?:his\s+|her\s+|the\s+)?extradit\w*|\bextradition\b[^.]{0,30}?\b(?:was|has\s+been|had\s+been)\s+(?:formally\s+)?(?:approved|ordered|cleared|allowed|authori[sz]ed)\s+by\s+(?:the\s+|a\s+)?[^.]{0,40}?\b(?:court|judge|magistrate)|\bextraditable\b|\bcommitt\w+\b[^.]{0,30}\b(?:extradition|surrender)", re.I), RulingDecision.ORDER_MADE),
    (re.compile(r"\b(?:allow\w*|accept\w*|grant\w*)\s+(?:his\s+|her\s+|the\s+)?(?:petition|plea|application|habeas|challenge)", re.I), RulingDecision.PETITION_GRANTED),
]

SENTENCE_DETAIL = re.compile(
    r"\bsentenc\w*\s+(?:\w+\s+){0,2}?to\s+(?P<detail>(?:life|death|\w+(?:[\s-]+\w+)?\s+(?:years?|months?|days?))[^.,;]{0,40}?)(?=[.,;]|\s+(?:on|for|after|by)\b|$)",
    re.I,
)
WARRANT_DETAIL = re.compile(r"\b(?P<detail>non-bailable|open-ended|red[- ]corner|provisional\s+arrest|European\s+arrest|international\s+arrest)\s+(?:arrest\s+)?warrant", re.I)
FUGITIVE_DETAIL = re.compile(r"\b(?P<detail>fugitive\s+economic\s+offender|proclaimed\s+offender)", re.I)

COURT = re.compile(
    r"(?P<court>(?:(?:the|a|an)\s+)?(?:(?:[A-Z][\w’'.\-]*|of|the|and|for)\s+){0,5}?"
    r"(?:Supreme\s+Court|High\s+Court|Courts?\s+of\s+(?:Appeals?|Cassation|Justice|Session)|Appeals?\s+Court|Appellate\s+Court|Circuit\s+Court(?:\s+of\s+Appeals?)?|"
    r"(?:Ninth|Second|Seventh|Fifth|Eleventh|Third|Fourth|Sixth|Eighth|Tenth|First|D\.C\.)\s+Circuit|Magistrates?[’']?s?[’']?\s+Court|"
    r"[Dd]istrict\s+[Cc]ourt|[Ss]pecial\s+(?:\w+\s+)?[Cc]ourt|Crown\s+Court|Constitutional\s+(?:Court|Tribunal)|European\s+Court\s+of\s+Human\s+Rights|ECHR|ECtHR|[Tt]ribunal|"
    r"Federal\s+(?:Criminal\s+)?Court|National\s+(?:High\s+)?Court|Audiencia\s+Nacional|Court\s+of\s+First\s+Instance|[Cc]ourt)"
    r"(?:\s+of\s+(?:Appeals?\s+for\s+the\s+\w+\s+Circuit|[A-Z][\w\-]+(?:\s+(?:and\s+)?[A-Z][\w\-]+)*))?)"
)
JUDGE = re.compile(r"\b(?:[Jj]udges?|[Mm]agistrates?|[Bb]ench|(?:Lord|Lady|Chief|Associate\s+Chief|Mr\.?|Mrs\.?|Ms\.?)\s+Justice|Justices?\s+[A-Z]\w+)\b")
COURT_LEVELS = [
    ("Supreme", Authority.Level.SUPREME),
    ("Constitutional", Authority.Level.SUPREME),
    ("Cassation", Authority.Level.SUPREME),
    ("Human Rights", Authority.Level.HUMAN_RIGHTS),
    ("ECHR", Authority.Level.HUMAN_RIGHTS),
    ("ECtHR", Authority.Level.HUMAN_RIGHTS),
    ("High Court", Authority.Level.APPEAL),
    ("Appeal", Authority.Level.APPEAL),
    ("Appellate", Authority.Level.APPEAL),
    ("Circuit", Authority.Level.APPEAL),
    ("Magistrate", Authority.Level.FIRST_INSTANCE),
    ("district court", Authority.Level.REVIEW),
    ("Special", Authority.Level.REQUESTING_STATE),
    ("special", Authority.Level.REQUESTING_STATE),
]
COURT_FULL_NAMES = {("royal courts of justice", "GB"): "High Court of England and Wales",("supreme court", "US"): "Supreme Court of the United States", ("supreme court", "GB"): "Supreme Court of the United Kingdom",
                    ("supreme court", "IN"): "Supreme Court of India", ("high court", "GB"): "High Court of England and Wales",
                    ("magistrates' court", "GB"): "Westminster Magistrates' Court"}

# Executive decisions ---------------------------------------------------------------------------

EXECUTIVE_ACTOR = re.compile(
    r"(?P<who>Home\s+Secretary|Home\s+Minister|Home\s+Office|Secretary\s+of\s+State|Secretary\s+of\s+State\s+for\s+the\s+Home\s+Department"
    r"|(?:Justice|Law|Foreign|Interior|Home)\s+Minist(?:er|ry)|Minist(?:er|ry)\s+(?:of|for)\s+(?:Justice|the\s+Interior|Interior|Foreign\s+Affairs|External\s+Affairs|Home\s+Affairs)"
    r"|Federal\s+Office\s+of\s+Justice|Attorney[- ]General|State\s+Department|Department\s+of\s+State|Justice\s+Department|Department\s+of\s+Justice"
    r"|(?:the\s+)?[Gg]overnment|[Cc]abinet|[Pp]resident\s+[A-Z]\w+|President|Prime\s+Minister|Council\s+of\s+Ministers|Ministry\s+of\s+External\s+Affairs|\bMEA\b"
    r"|[Pp]ublic\s+[Pp]rosecutor'?s?\s+[Oo]ffice|[Pp]rosecutor[- ]General|[Ee]mbassy|[Hh]igh\s+[Cc]ommission|Foreign\s+Office|Immigration\s+(?:Department|Service))\b", re.IGNORECASE
)
EXECUTIVE_DECISIONS = [
    (re.compile(r"\b(?:withdr[ae]w\w*|revok\w*|rescind\w*|cancel\w*)\b[^.]{0,40}?\border\b", re.I), ExecutiveDecision.ORDER_WITHDRAWN),
    (re.compile(r"\b(?:withdr[ae]w\w*|drop\w*|abandon\w*)\b[^.]{0,30}?\b(?:extradition\s+)?request\b", re.I), ExecutiveDecision.REQUEST_WITHDRAWN),
    (re.compile(r"\b(?:grant\w*|given|gave)\b[^.]{0,30}?\b(?:political\s+)?asylum\b|\basylum\b[^.]{0,20}\bgranted", re.I), ExecutiveDecision.ASYLUM_GRANTED),
    (re.compile(r"\b(?:refus\w*|reject\w*|den(?:y|ied|ies))\b[^.]{0,30}?\basylum\b|\basylum\b[^.]{0,30}\b(?:refused|rejected|denied)", re.I), ExecutiveDecision.ASYLUM_REFUSED),
    (re.compile(r"\b(?:revok\w*|cancel\w*|strip\w*|annul\w*|impound\w*)\b[^.]{0,30}?\b(?:citizenship|passport|nationality)", re.I), ExecutiveDecision.CITIZENSHIP_REVOKED),
    (re.compile(r"\b(?:order\w*|decid\w*\s+to|approv\w*)\s+(?:his\s+|her\s+|the\s+)?(?:deport\w*|expel\w*|expulsion)|\b(?:deportation|expulsion)\s+order\b", re.I), ExecutiveDecision.DEPORTATION_ORDERED),
    (re.compile(r"\b(?:block\w*|refus\w*|reject\w*|declin\w*|den(?:y|ied|ies)|halt\w*|turn\w*\s+down)\b[^.]{0,40}?\b(?:extradit\w*|surrender\w*|request)", re.I),
     ExecutiveDecision.EXTRADITION_REFUSED),
    (re.compile(r"\b(?:defer\w*|postpon\w*|suspend\w*)\b[^.]{0,40}?\b(?:surrender|extradition)", re.I), ExecutiveDecision.SURRENDER_DEFERRED),
    (re.compile(r"\bauthori[sz]\w*\b[^.]{0,40}?\b(?:surrender|extradition|handover)", re.I), ExecutiveDecision.SURRENDER_AUTHORISED),
    (re.compile(r"\bcertif\w*\b[^.]{0,40}?\brequest", re.I), ExecutiveDecision.REQUEST_CERTIFIED),
    (re.compile(r"\b(?:gave|given|provided|offered|sent|submitted|furnished)\b[^.]{0,40}?\bassurances?\b|\bassurances?\b[^.]{0,30}\b(?:given|provided|offered)", re.I), ExecutiveDecision.ASSURANCES_GIVEN),
    (re.compile(r"\b(?:request\w*|sought|seek\w*)\b[^.]{0,30}?\bprovisional\s+arrest", re.I), ExecutiveDecision.PROVISIONAL_ARREST_REQUESTED),
    (re.compile(r"\b(?:sign\w*|order\w*|approv\w*|clear\w*|green[- ]light\w*|agree\w*\s+to|consent\w*\s+to|grant\w*|accept\w*|authori[sz]\w*)\b[^.]{0,40}?\b(?:order|decree|resolution|extradit\w*|surrender|handover|(?:extradition\s+)?request)\b"
                r"|\border\b[^.]{0,30}\b(?:was|had\s+been|has\s+been)\s+signed|\border\s+signed\b|\bextradition\b[^.]{0,30}?\b(?:was|has\s+been|had\s+been|is)\s+(?:formally\s+)?(?:approved|ordered|signed\s+off|cleared)", re.I), ExecutiveDecision.EXTRADITION_ORDERED),
    (re.compile(r"\b(?:receiv\w*|receipt\s+of)\s+(?:an?\s+|the\s+)?(?:formal\s+)?(?:extradition\s+)?request\b"
                r"|\b(?:sent|submitted|made|filed|lodged|forwarded|transmitted|issued|placed|handed\s+over)\s+(?:(?:a|an|the|its|their|his|her|formal|fresh|new|second|diplomatic|official)\s+)*(?:extradition\s+)?(?:request|note|note\s+verbale|papers|dossier)\b(?:[^.]{0,40}\bextradit\w*)?"
                r"|\b(?:formally\s+)?(?:requested|sought|seeking|seeks|asked\s+for)\s+(?:the\s+|his\s+|her\s+|their\s+)?(?:\w+\s+)?extradition\b"
                r"|\b(?:formally\s+)?(?:requested|asked)\s+(?:\w+\s+){1,4}to\s+extradite\b"
                r"|\bextradition\s+request\b[^.]{0,20}\b(?:was|were|had\s+been|has\s+been)\s+(?:sent|submitted|made|filed|lodged)", re.I), ExecutiveDecision.REQUEST_MADE),
]
# The ministry a title acts for, in the requested state (where the minister decides on surrender).
EXECUTIVE_AUTHORITIES = {
    ("home secretary", "GB"): "Home Office", ("secretary of state", "GB"): "Home Office", ("home office", "GB"): "Home Office",
    ("home minister", "GB"): "Home Office",
    ("secretary of state", "US"): "Department of State", ("state department", "US"): "Department of State",
    ("department of state", "US"): "Department of State",
}

# Custody, filings, hearings, deadlines, status --------------------------------------------------

CUSTODY = [
    (re.compile(r"\bprovisional(?:ly)?\s+arrest\w*", re.I), Event.CustodyChange.PROVISIONALLY_ARRESTED),
    (re.compile(r"\bhouse\s+arrest\b", re.I), Event.CustodyChange.HOUSE_ARREST),
    (re.compile(r"\b(?:escaped|absconded|fled)\s+(?:from\s+)?(?:custody|prison|jail|house arrest)\b|\b(?:jumped|skipped)\s+bail\b", re.I), Event.CustodyChange.ESCAPED),
    (re.compile(r"\b(?:was|been|were|is|being)\s+(?:\w+\s+)?deported\b|\bdeported\s+(?:him|her|them)\b|\bdeported\s+(?:to|from|on|in|last)\b", re.I), Event.CustodyChange.DEPORTED),
    (re.compile(r"\b(?:was|been|were|being|got)\s+[“\"]?(?:successfully\s+|formally\s+|finally\s+|eventually\s+)?(?:extradited|surrendered|handed\s+over|flown|brought\s+back|brought|transferred)\b"
                r"|\b(?:extradited|surrendered|handed\s+over)\s+(?:him|her|them)\b|\b(?:has|have|had)\s+(?:\w+\s+)?(?:extradited|surrendered|handed\s+over)\b|\bextradited\s+(?:to|from|on|in|last|this|early|late)\b|\b(?:was|were|been)\s+sent\s+(?:back\s+)?to\s+(?:the\s+)?(?:United\s+States|US|U\.S\.|India|[A-Z][a-z]+)\b|\b(?:arrived|landed)\s+in\b|\bwas\s+extradited\b", re.I), Event.CustodyChange.SURRENDERED),
    (re.compile(r"\b(?:was|been|were|being|got)\s+(?:\w+\s+)?(?:arrested|detained|apprehended|held|nabbed|caught|captured|recaptured|re-arrested|taken\s+into\s+custody)\b"
                r"|\b(?:arrested|detained|apprehended|nabbed)\s+(?:him|her|them|[A-Z]\w+)\b|\barrested\s+(?:in|on|at)\b|\bhis\s+arrest\b|\bher\s+arrest\b", re.I), Event.CustodyChange.ARRESTED),
    (re.compile(r"\b(?:sent|remanded)\b[^.]{0,40}\bcustody\b", re.I), Event.CustodyChange.REMANDED),
    (re.compile(r"\b(?:released|freed)\s+on\s+(?:conditional\s+)?bail\b|\bout\s+on\s+bail\b|\bgranted\s+(?:him\s+|her\s+)?bail\b", re.I), Event.CustodyChange.BAILED),
    (re.compile(r"\b(?:was|been|were)\s+(?:\w+\s+)?(?:released|freed|set\s+free)\b|\bwalked\s+free\b|\bbail\s+conditions?\s+(?:lifted|removed)|\bfreeing\s+(?:him|her|them)\b|\bset\s+(?:him|her|them)\s+free\b", re.I), Event.CustodyChange.RELEASED),
]
# Words that take a custody verb out of the past: "could be extradited", "fighting extradition",
# "against being extradited", "to be arrested".
_CUSTODY_VERBS = r"(?:extradit|surrender|arrest|deport|handed|detain|sent|transferr|released|freed)"
NOT_HAPPENED = re.compile(
    rf"\b(?:could|can|may|might|would|will|should|must|shall|to|cannot|can't|won't|not|never)\s+(?:\w+\s+)?(?:be\s+|being\s+|been\s+|have\s+been\s+)?{_CUSTODY_VERBS}"
    rf"|\b(?:avoid\w*|against|fight\w*|resist\w*|oppos\w*|prevent\w*|before|if|whether|unless|risk\w*|fac\w+|threat\w*|until|bid|attempt\w*|efforts?)\s+(?:[\w’'-]+\s+){{0,3}}?(?:be\s+|being\s+|been\s+)?{_CUSTODY_VERBS}",
    re.I,
)

FILINGS = [
    (re.compile(r"\bappeals?\s+(?:was\s+|were\s+|had\s+been\s+|has\s+been\s+)?(?:filed|lodged|submitted)\b|\bmov\w+\s+(?:the\s+|[\w’']+['’]s\s+)?(?:\w+\s+){0,2}court\s+against\b", re.I), Event.FilingType.APPEAL),
    (re.compile(r"\b(?:petition|plea|application|challenge|motion|writ)s?\s+(?:was\s+|were\s+|had\s+been\s+|has\s+been\s+)?(?:filed|lodged|submitted|moved)\b", re.I), Event.FilingType.PETITION),
    (re.compile(r"\b(?:file\w*|lodg\w*|submit\w*|mov\w*|launch\w*|brought|mount\w*)\b[^.]{0,40}?\b(?:charge[- ]?sheet|indictment)|\bcharge[- ]?sheet\b[^.]{0,30}\b(?:filed|submitted)", re.I), Event.FilingType.CHARGE_SHEET),
    (re.compile(r"\b(?:file\w*|lodg\w*|submit\w*|mov\w*)\b[^.]{0,40}?\bcomplaint\b", re.I), Event.FilingType.COMPLAINT),
    (re.compile(r"\b(?:file\w*|lodg\w*|submit\w*|seek\w*|sought|petition\w*)\b[^.]{0,40}?\b(?:writ\s+of\s+)?(?:certiorari|cert\s+petition)", re.I), Event.FilingType.CERT),
    (re.compile(r"\b(?:file\w*|lodg\w*|submit\w*|seek\w*|sought)\b[^.]{0,40}?\bhabeas\b|\bhabeas\s+corpus\s+petition\b[^.]{0,20}\bfiled", re.I), Event.FilingType.HABEAS),
    (re.compile(r"\b(?:file\w*|lodg\w*|submit\w*|appl\w+|seek\w*|sought|mov\w*)\b[^.]{0,40}?\bstay\b|\bemergency\s+(?:application|motion)\b", re.I), Event.FilingType.STAY),
    (re.compile(r"\b(?:file\w*|lodg\w*|submit\w*|appl\w+\s+for|seek\w*|sought|mov\w*)\b[^.]{0,30}?\bbail\b", re.I), Event.FilingType.BAIL),
    (re.compile(r"\b(?:file\w*|lodg\w*|submit\w*|launch\w*|mount\w*|brought|lodge)\b[^.]{0,40}?\bappeal\b|(?<!to )(?<!leave to )\bappeal(?:ed|s)\s+(?:to|against|before)\b|\bsought\s+(?:permission|leave)\s+to\s+appeal"
                r"|\bappl\w+\s+for\s+(?:permission|leave)\s+to\s+appeal|\bchalleng\w+\b[^.]{0,40}\b(?:in|before|at)\s+the\s+\w+", re.I), Event.FilingType.APPEAL),
    (re.compile(r"\b(?:file\w*|lodg\w*|submit\w*|mov\w*|launch\w*|start\w*|commenc\w*|began|begun|initiat\w*|brought)\b[^.]{0,40}?\b(?:petition|plea|application|challenge|judicial\s+review|motion|writ)\b", re.I), Event.FilingType.PETITION),
]

HEARINGS = [
    (re.compile(r"\b(?:adjourn\w*|postpon\w*|defer\w*|put\s+off)\b", re.I), Event.HearingStatus.ADJOURNED),
    (re.compile(r"\breserv\w*\s+(?:its\s+|his\s+|her\s+|the\s+)?(?:judgment|judgement|verdict|order|decision|ruling)", re.I), Event.HearingStatus.RESERVED),
    (re.compile(r"\b(?:cancel\w*|vacat\w*|called\s+off)\b[^.]{0,30}\bhearing", re.I), Event.HearingStatus.VACATED),
    (re.compile(r"\bfirst\s+(?:court\s+)?appearance\b|\bappeared\s+(?:for\s+the\s+first\s+time|in\s+court\s+for\s+the\s+first)", re.I), Event.HearingStatus.FIRST_APPEARANCE),
    (re.compile(r"\b(?:next\s+hearing|hearing\s+(?:is|was|has\s+been)\s+(?:scheduled|set|fixed|listed|due)|(?:scheduled|set|fixed|listed)\s+(?:for|on)\s+(?:a\s+)?(?:hearing|trial)"
                r"|(?:will|is\s+(?:due|set|scheduled)\s+to)\s+(?:hear|resume|begin|start|consider|decide|rule|deliver)|to\s+be\s+heard\s+on|listed\s+(?:for|on)"
                r"|(?:hearing|trial)\s+(?:will|is\s+to)\s+(?:begin|start|resume|take\s+place|be\s+held))", re.I), Event.HearingStatus.SCHEDULED),
    (re.compile(r"\b(?:appeared\s+(?:before|in)\b|(?:was|were)\s+produced\s+(?:before|in)\b|(?:the\s+)?hearing\s+(?:began|started|opened|ended|concluded|took\s+place)|(?:heard|hearing)\s+(?:the\s+)?(?:arguments|submissions|case|appeal)"
                r"|(?:at|during)\s+(?:a|the)\s+hearing)", re.I), Event.HearingStatus.HELD),
]

# A hearing named, with nothing said of it but its date: "after a hearing last month".
HEARING_MENTION = re.compile(r"(?<!next )(?<!oral )\bhearings?\b(?!\s+(?:is|was|will\s+be)\s+(?:scheduled|set|due|listed))", re.I)

DEADLINE = re.compile(
    r"\b(?:has|have|had|given|gives?|granted)\s+(?:until|till|\d+|\w+)\b[^.]{0,30}?\bto\s+(?:appeal|file|surrender|respond|submit|lodge|leave|decide|challenge|apply)"
    r"|\bdeadline\b|\b(?:within|no\s+later\s+than|on\s+or\s+before|by)\b[^.]{0,25}\bto\s+(?:appeal|file|surrender|respond|submit|lodge)"
    r"|\b(?:must|should|has\s+to|is\s+to)\s+(?:be\s+)?(?:\w+\s+){0,4}within\s+(?:\d+|\w+)\s+(?:days?|weeks?|months?)"
    r"|\b(?:must|should|is\s+required\s+to)\s+(?:\w+\s+){0,3}(?:by|before|until|no\s+later\s+than)\b|\btill\b|\buntil\b",
    re.I,
)

STATUS_CATEGORIES = [
    (re.compile(r"\b(?:red|blue|yellow|diffusion)(?:[- ]corner)?\s+notice\b|\bInterpol\b[^.]{0,40}?\b(?:notice|alert|diffusion)\b", re.I), StatusCategory.INTERPOL_NOTICE),
    (re.compile(r"\bindict(?:ed|ment)\b|\b(?:was|were|been|formally)\s+charged\b|\bcharged\s+(?:him|her|them)\b", re.I), StatusCategory.CHARGE),
    (re.compile(r"\b(?:fled|absconded|went\s+into\s+hiding|left\s+(?:the\s+country|India|Britain|the\s+UK|[A-Z]\w+)|escaped\s+(?:to|from)|is\s+(?:believed|thought)\s+to\s+be\s+in|moved\s+to|flew\s+to)\b", re.I), StatusCategory.FLIGHT),
    (re.compile(r"\b(?:sought|claimed|applied\s+for|was\s+granted|was\s+refused|seeking|filed\s+for)\s+(?:political\s+)?asylum\b|\basylum\s+(?:claim|application|request|bid)", re.I), StatusCategory.ASYLUM),
    (re.compile(r"\b(?:took|acquired|obtained|granted|revoked|renounced|cancelled|stripped\s+of)\b[^.]{0,30}?\bcitizenship\b"
                r"|\bcitizenship\b[^.]{0,30}?\b(?:revoked|granted|cancelled|renounced)\b", re.I), StatusCategory.CITIZENSHIP),
    (re.compile(r"\b(?:died|passed\s+away|was\s+found\s+dead)\b", re.I), StatusCategory.DEATH),
    (re.compile(r"\b(?:opened|launched|registered|began|started|initiated)\s+(?:an?\s+)?(?:\w+\s+)?(?:investigation|inquiry|probe|FIR|case)\b"
                r"|\bFIR\b[^.]{0,30}?\b(?:registered|lodged|filed)\b|\bcase\s+(?:was\s+)?registered\b|\b(?:raided|searched)\b", re.I), StatusCategory.INVESTIGATION),
    (re.compile(r"\bhospitali[sz]ed\b|\b(?:health|medical)\s+(?:condition|grounds|reasons)\b", re.I), StatusCategory.HEALTH),
]

# Speakers --------------------------------------------------------------------------------------

SPEECH_LEMMAS = {
    "say", "tell", "add", "state", "reiterate", "note", "announce", "explain", "confirm", "assert", "remark", "elaborate",
    "insist", "claim", "argue", "write", "declare", "stress", "emphasise", "emphasize", "point", "maintain", "respond",
    "reply", "warn", "allege", "contend", "observe", "comment", "report", "inform", "clarify", "indicate", "vow", "pledge",
    "tweet", "post", "reiterate", "assure", "admit", "acknowledge", "deny",
}
SPEECH_VERBS = (r"said|says|told|tells|added|adds|stated|states|reiterated|noted|announced|explained|confirmed|asserted|remarked|elaborated"
                r"|insisted|claimed|argued|wrote|declared|stressed|emphasised|emphasized|maintained|responded|replied|warned|observed|commented|informed|clarified")

# Government bodies whose spokespeople speak for a state, with that state.
BODIES = [
    (re.compile(r"Ministry of External Affairs|\bMEA\b"), "Ministry of External Affairs", "IN"),
    (re.compile(r"Ministry of Home Affairs|\bMHA\b"), "Ministry of Home Affairs", "IN"),
    (re.compile(r"National Investigation Agency|\bNIA\b"), "National Investigation Agency", "IN"),
    (re.compile(r"Central Bureau of Investigation|\bCBI\b"), "Central Bureau of Investigation", "IN"),
    (re.compile(r"Enforcement Directorate|\bED\b"), "Enforcement Directorate", "IN"),
    (re.compile(r"(?:US |U\.S\. )?(?:Department of Justice|Justice Department|\bDOJ\b)"), "Department of Justice", "US"),
    (re.compile(r"\b(?:[Jj]ustice [Dd]epartment|[Dd]epartment of [Jj]ustice|[Mm]inistry of [Jj]ustice|[Jj]ustice [Mm]inistry)\b"), "", ""),
    (re.compile(r"(?:US |U\.S\. )?(?:State Department|Department of State)"), "Department of State", "US"),
    (re.compile(r"\bFBI\b|Federal Bureau of Investigation"), "Federal Bureau of Investigation", "US"),
    (re.compile(r"Home Office"), "Home Office", "GB"),
    (re.compile(r"Crown Prosecution Service|\bCPS\b"), "Crown Prosecution Service", "GB"),
    (re.compile(r"Foreign Office|Foreign, Commonwealth"), "Foreign, Commonwealth and Development Office", "GB"),
    (re.compile(r"Kremlin"), "Kremlin", "RU"),
]
GOVERNMENT_WORDS = re.compile(
    r"\b(?:minist(?:er|ry|erial)|spokes(?:person|man|woman)|secretary|government|embassy|mission|high\s+commission(?:er)?|consulate|department|office"
    r"|attorney[- ]general|solicitor[- ]general|ambassador|envoy|president|premier|chancellor|official|officials|authorities|police|agency|bureau|directorate"
    r"|cabinet|kremlin|white\s+house|state\s+department|interpol|commissioner|governor|mayor|sources|diplomat\w*|prime\s+minister|administration)\b",
    re.I,
)
COURT_WORDS = re.compile(r"\b(?:[Jj]udges?|[Mm]agistrates?|[Cc]ourt|[Bb]ench|[Tt]ribunal|[Pp]anel|(?:Lord|Lady|Chief|Associate\s+Chief)\s+Justice|Justices?\s+[A-Z]\w+|Justice)\b(?!\s+(?:[Mm]inist|[Dd]epartment|[Ss]ecretary|[Oo]ffice))")
PROSECUTION_WORDS = re.compile(r"\b(?:prosecut\w+|counsel\s+for\s+the\s+(?:government|crown|prosecution|united\s+states|state)|crown\s+counsel|(?:assistant\s+)?u\.?s\.?\s+attorney|district\s+attorney)\b", re.I)
DEFENCE_WORDS = re.compile(r"\b(?:lawyers?|attorneys?|counsel|barristers?|solicitors?|advocates?|defen[cs]e|family|wife|husband|son|daughter|brother|sister|father|mother|partner|fianc\w+|supporters?|campaigners?|friends?)\b", re.I)
TITLES = re.compile(
    r"^(?:(?:former|acting|deputy|assistant|principal|senior|chief|official|then|junior|union|federal|foreign|external\s+affairs|home|justice|law|interior|prime|state|US|U\.S\.|UK|Indian|British|American|\w+'s)\s+)*"
    r"(?:spokes(?:person|man|woman)|minister|secretary|home\s+secretary|secretary\s+of\s+state|attorney\s+general|general|official|prosecutor|director|ambassador|envoy|high\s+commissioner"
    r"|commissioner|president|premier|chancellor|judge|justice|magistrate|lawyer|attorney|counsel|barrister|solicitor|advocate|chief|head|officer|superintendent|inspector|governor|mayor)\b",
    re.I,
)
CHANNELS = [
    (re.compile(r"\bbriefing\b", re.I), Statement.Channel.BRIEFING),
    (re.compile(r"\bpress\s+release\b|\bstatement\s+(?:issued|released)\b|\bin\s+a\s+statement\b|\bsaid\s+in\s+a\s+statement\b", re.I), Statement.Channel.PRESS_RELEASE),
    (re.compile(r"\b(?:parliament|lok\s+sabha|rajya\s+sabha|house\s+of\s+commons|house\s+of\s+lords|congress|senate|bundestag)\b", re.I), Statement.Channel.PARLIAMENT),
    (re.compile(r"\btold\s+reporters\b|\binterview\b|\btold\s+(?:the\s+)?[A-Z]\w*|\bin\s+an\s+email\b", re.I), Statement.Channel.INTERVIEW),
]

# Countries -------------------------------------------------------------------------------------

# Adjectives and places that news uses for a country, beyond its name. Names themselves come from
# the country list (django-countries), so that any country can be recognised.
DEMONYMS = {
    "US": "American|U\\.S\\.|US|USA|United States|Washington|Chicago|New York|California|Los Angeles|Miami|Ninth Circuit|federal",
    "GB": "British|UK|U\\.K\\.|Britain|England|English|Scotland|Scottish|Wales|Welsh|Westminster|London|Home Office|Home Secretary",
    "IN": "Indian|India|New Delhi|Delhi|Mumbai|Bombay|NIA|CBI|MEA",
    "BE": "Belgian|Belgium|Antwerp|Brussels",
    "FR": "French|Paris", "DE": "German|Berlin|Karlsruhe|Schleswig", "ES": "Spanish|Madrid|Audiencia Nacional",
    "IT": "Italian|Rome|Sardinia", "NL": "Dutch|Netherlands|The Hague", "CH": "Swiss|Bern|Zurich|Geneva",
    "PL": "Polish|Warsaw|Krakow", "RU": "Russian|Moscow|Kremlin", "UA": "Ukrainian|Kyiv|Kiev", "TR": "Turkish|Ankara|Istanbul",
    "CN": "Chinese|Beijing", "HK": "Hong Kong", "JP": "Japanese|Tokyo", "LB": "Lebanese|Beirut", "AE": "Emirati|UAE|Dubai|Abu Dhabi",
    "SA": "Saudi", "QA": "Qatari|Doha", "ZA": "South African|Pretoria|Johannesburg", "KE": "Kenyan|Nairobi",
    "CA": "Canadian|Ottawa|Vancouver|British Columbia|Toronto", "AU": "Australian|Canberra|Sydney", "NZ": "New Zealand|Auckland|Wellington|Kiwi",
    "MX": "Mexican|Mexico City", "CO": "Colombian|Bogota|Bogotá", "PE": "Peruvian|Lima", "HN": "Honduran|Tegucigalpa",
    "BR": "Brazilian|Brasilia", "AR": "Argentine|Argentinian|Buenos Aires", "TH": "Thai|Bangkok", "PH": "Philippine|Filipino|Manila",
    "PK": "Pakistani|Islamabad", "BD": "Bangladeshi|Dhaka", "LK": "Sri Lankan|Colombo", "NP": "Nepali|Nepalese|Kathmandu",
    "AG": "Antiguan|Antigua", "DM": "Dominican", "BS": "Bahamian|Bahamas", "ME": "Montenegrin|Podgorica", "SE": "Swedish|Stockholm",
    "IE": "Irish|Dublin", "PT": "Portuguese|Lisbon", "GR": "Greek|Athens", "AT": "Austrian|Vienna", "DK": "Danish|Copenhagen",
    "NO": "Norwegian|Oslo", "SG": "Singaporean|Singapore", "MY": "Malaysian|Kuala Lumpur", "ID": "Indonesian|Jakarta", "IL": "Israeli|Jerusalem|Tel Aviv",
}
