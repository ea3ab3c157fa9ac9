"""Stage 2: read the question once. What is asked, apart from the situation around it; the kind of answer wanted;
the names and numbers that are the subject of the ask and those that are only context.

Officers type situations ("Custody sergeant at Leicester here - 34 year old male in cell 4 ... Is there an NHS
service that ...?"). The place, the age, the cell number and the officer's own role are context: nothing later
stages may require the guidance to mention. Every later stage reads ``Asks``.
"""

from __future__ import annotations

import re
from collections.abc import Container, Sequence

from assistant.records import Asks
from assistant.text import COUNT, NUMBER_WORDS, SENTENCE_END, STOPWORDS, number_value, terms, words

# A sentence that asks: it ends with a question mark, or opens with a question word or a request.
ASKING_WORD = (r"(?:what|which|who|whom|whose|when|where|why|how|is|are|was|were|does|do|did|can|could|should|would|"
               r"will|has|have|had|list|name|give|tell|explain|describe|summarise|summarize|outline|define)\b")
QUESTION_OPENING = re.compile(rf"^\W*{ASKING_WORD}", re.I)
# Where one ask ends and the next begins: a question mark, or "and" before an asking word ("how long was it meant
# to last, and what was it trying to get ready for?").
NEXT_ASK = re.compile(rf"(?<=\?)\s+|,?\s+and\s+(?={ASKING_WORD})", re.I)
# Numbers that describe the situation, not the subject: an age, a cell, flat or room, a time of day.
CONTEXT_NUMBER = re.compile(
    r"\b\d{1,3}[- ]?(?:years?|yrs?)[- ]?old\b|\baged \d{1,3}\b|\b(?:cell|flat|room|bay|house|unit|no\.?|number)\s?\d+\b"
    r"|\b\d{1,2}(?::\d{2})?\s?(?:am|pm)\b|\b\d{1,2}:\d{2}\b",
    re.I,
)
NUMBER = re.compile(r"\b\d+[a-z]?\b")
CAPITALISED_RUN = re.compile(r"(?<![\w&])[A-Z][\w&’'-]*(?:\s+(?:and\s+|of\s+|the\s+)?[A-Z][\w&’'-]*)*")
ASKS_WHAT_IT_IS = re.compile(r"\b(?:is|are|was|were)(?:\s+(?:the|a|an))?\s*$", re.I)

# What kind of answer is wanted: the first kind whose pattern the ask matches. Only the kinds an answer can be
# checked for are named; the rest are "other". One table, read by the checks and by the sentence picker.
KINDS: list[tuple[str, re.Pattern]] = [
    ("contact", re.compile(r"\b(?:phone|telephone|contact|mobile)\s+(?:number|details)\b|\be-?mail(?:\s+address)?\b|"
                           r"\b(?:the|their|its|an?|postal|street|office)\s+address\b(?!\s+(?:the|health|their|its|this)\b)|"
                           r"\bhow (?:do|can|should) (?:i|we) (?:contact|reach|call|ring|email)\b", re.I)),
    ("percentage", re.compile(r"\bwhat (?:percentage|proportion|share|fraction)\b|\bper ?cent(?:age)?\b|\bwhat %", re.I)),
    # How an amount is worked out ("How does NHS England decide how much money each ICB gets?") asks for a method.
    ("method", re.compile(r"\bhow (?:does|do|did|is|are|was|were|will|would|should|can)\b[^?]{0,60}?\b(?:decided?|decides|"
                          r"work(?:s|ed)? out|calculated?|calculates|determined?|determines|allocated?|allocates)\b", re.I)),
    # "How much" asks for money only when money is what it is about ("how much do decisions affect health" asks
    # for an extent).
    ("amount", re.compile(r"\bhow much\b.*\b(?:money|fund\w*|cost\w*|spend\w*|spent|paid|pay|earn\w*|salary|"
                          r"budget\w*|worth|price|pot|contribut\w*|£)|\bwhat (?:is|was|are|were) (?:the |their |its )?"
                          r"(?:cost|budget|salary|price|funding)\b|\bwhat (?:did|does|do|will|would)\b[^?]{0,80}\bcost\b",
                          re.I)),
    ("time of day", re.compile(r"\bwhat time\b|\bopening (?:hours|times)\b|\bwhen does\b.*\bopen\b", re.I)),
    ("findings", re.compile(r"\bwhat (?:did|does|do|has|have)\b[^?]{0,80}?\b(?:find|show|conclude|recommend|identify)\b|"
                            r"\bwhat (?:were|are|was|is) the (?:results?|findings|conclusions|recommendations)\b", re.I)),
    ("count", re.compile(r"\bhow many\b", re.I)),
    ("date", re.compile(r"^\W*when\b|\bwhat (?:year|date)\b|\bsince when\b", re.I)),
    ("reason", re.compile(r"^\W*why\b|\bwhat (?:was|is) the reason\b|\bwhy\b", re.I)),
    # The holder of a post asks for a person, not for the post ("Who is the current chair of the CRG?").
    ("post holder", re.compile(r"\bwho (?:chairs|is (?:the |their |its )?(?:current |new )?"
                               r"(?:chair(?:man|woman|person)?|head|director|chief executive)\b)|"
                               r"\bwho(?:'s| is) (?:chairing|in charge of)\b", re.I)),
    ("who", re.compile(r"^\W*(?:and |so )?who\b|\bwho (?:is|are|was|were|does|did|made|makes|leads|runs|pays)\b", re.I)),
    ("reading", re.compile(r"\b(?:read|reading|resources?|links?|further|slides?|deck|video|publications?|"
                           r"references?|website|online)\b", re.I)),
]
# "What are the seven priority areas", "List the names of all 42 ICBs", "Which ten police forces": a number of
# things asked for. A number after a noun ("domain 4", "section 136") or a year asks for none.
ASKS_FOR_N = re.compile(
    r"(?:^|\b(?:what|which|list|name|give)\b[^?]*?)\b(?:the|all|what|which)\s+(\d{1,2}|"
    + "|".join(w for w, n in NUMBER_WORDS.items() if 2 <= n <= 20) + r")\s+(?![^\s]*\d)(?:[\w-]+\s+){0,3}?[\w-]+s\b",
    re.I,
)
HOW_MANY = re.compile(r"\bhow many ((?:[\w’'&-]+ ?){1,8})", re.I)
# What a "how many" asks about, up to the end of its clause ("... and how many SARCs are there?").
COUNTING_CLAUSE = re.compile(r"\bhow many (.*?)(?:[?.!]|\s(?:and|but)\s+(?:what|when|who|how|which|where|why)\b|$)", re.I)
UNMARKED_PLURALS = frozenset({"people", "children", "staff", "police", "women", "men"})
JOINING_WORDS = frozenset({"and", "of"})  # inside a name ("Liaison and Diversion trial schemes")
PRONOUNS = frozenset({"them", "they", "those", "these", "it", "us", "you"})
COUNTED_ELSEWHERE = PRONOUNS | {"each", "both"}  # "how many of each": what is counted is named elsewhere


# How officers name a document: "the collaboration guide", "the place-based blog", "the police navigational tool",
# "the RD/Clinks guide" (by its publishers).
# The words before the sort describe it; an article starts a name of its own ("the purpose of the guide": the guide).
DOCUMENT_NAME = re.compile(
    r"\b(?:the|this|that)\s+((?:(?!(?:the|this|that)\b)[\w'&/-]+\s+){0,3}?)"
    r"(guide|blog|tool|briefing|report|paper|document|toolkit|strategy)\b(?:['’]s\b)?",
    re.I,
)
# A document named as the source of what is asked ("according to the blog", "per the nav tool", "what does the guide
# say about ...", "the briefing says ..."): the name says where to look, not what to look for. Where the document is
# what is asked about ("who wrote the blog", "the purpose of the guide") its name is searched.
ATTRIBUTED_BEFORE = re.compile(r"\b(?:according to|per|in|does|do|did)\s+$", re.I)
ATTRIBUTED_AFTER = re.compile(r"^\s+(?:says|said)\b", re.I)


def _document_mentions(text: str, documents: Sequence[dict]):
    """Each name of an indexed document in the message, with the sources it names: a document of that sort ("the
    guide", "the blog": its kind or title), told apart, where several are of that sort, by the other words of the
    name found in their title or publisher. Officers call any document a guide: where the other words fit no
    document of the sort named but do fit exactly one other ("the police guide to the NHS": the navigational tool
    to support the Police), that one is meant."""
    for match in DOCUMENT_NAME.finditer(text):
        sort = terms(match.group(2))
        of_sort = [d for d in documents if set(sort) <= set(terms(f"{d.get('kind', '')} {d.get('title', '')}"))]
        described = set(terms(match.group(1)))
        fitting = [d for d in of_sort if described <= _naming_terms(d)]
        elsewhere = [d for d in documents if described and described <= _naming_terms(d)] if not fitting else []
        chosen = (elsewhere if len(elsewhere) == 1 else of_sort if len(of_sort) == 1
                  else fitting if len(fitting) == 1 else [])
        if chosen:
            yield match, [d["source"] for d in chosen]


def _naming_terms(document: dict) -> set[str]:
    return set(terms(f"{document.get('title', '')} {document.get('publisher', '')}"))


def named_documents(text: str, documents: Sequence[dict]) -> tuple[str, ...]:
    """The sources of the documents the message names."""
    return _sources(list(_document_mentions(text, documents)))


def _sources(mentions: list) -> tuple[str, ...]:
    return tuple(sorted({source for _, sources in mentions for source in sources}))


def _attributions(text: str, mentions: list) -> list[str]:
    """The names of documents the message gives as the source of its ask, as written."""
    return [
        match.group(0) for match, _ in mentions
        if ATTRIBUTED_BEFORE.search(text[: match.start()]) or ATTRIBUTED_AFTER.match(text[match.end():])
    ]


def read_question(text: str, known_words: Container[str], glossary: dict[str, str], context_terms: Container[str],
                  documents: Sequence[dict] = ()) -> Asks:
    """The question as asked, read once.

    ``known_words`` are the guidance's words, ``glossary`` its acronyms, ``context_terms`` the acronyms of roles
    and ranks ("DC", "SOIT") that describe who is asking, never what is asked; ``documents`` the indexed ones
    (title, publisher, kind), which the message may name.
    """
    parts = [part.strip() for part in SENTENCE_END.split(text) if part.strip()]
    asking = [part for part in parts if part.endswith("?") or QUESTION_OPENING.match(part)] or parts[-1:]
    context = [part for part in parts if part not in asking]
    ask = " ".join(asking)
    mentions = list(_document_mentions(text, documents))
    incidental = _incidental(text, context, known_words, context_terms) + _attributions(text, mentions)
    # The asking sentences' own names: a place in the situation is context, and so is the document the ask is
    # attributed to ("does the Revolving Doors guide say ...").
    names = tuple(_names(_without(ask, incidental), context_terms))
    if context and _leans_on_context(ask):  # "... now that NHS England commissions the SARCs. Is that right?"
        context, ask = [], _without(text, incidental)
    searched = _without(text, incidental)
    return Asks(
        documents=_sources(mentions),
        text=text,
        ask=ask,
        context=" ".join(context),
        searched=searched or text,
        kind=_kind(ask),
        things_asked_for=_things_asked_for(ask),
        counted=tuple(sorted(_counted_thing(ask, glossary))),
        counting_clause=_counting_clause(ask),
        parts=tuple(part for part in NEXT_ASK.split(ask) if terms(own_words(part))),
        numbers=tuple(n for n in NUMBER.findall(_without(ask, incidental).lower())),
        names=tuple(name for name, _ in names),
        names_asked_about=tuple(name for name, what_it_is in names if what_it_is),
        unknown_names=tuple(
            name for name, _ in names
            if not all(_known(word, known_words, glossary) for word in re.split(r"[\s-]+", name))
        ),
        incidental=tuple(incidental),
    )


PERSONAL_PRONOUNS = frozenset("it its they them their he him his she her".split())
POINTING_WORD = re.compile(rf"\b(?:{'|'.join(sorted(PRONOUNS | PERSONAL_PRONOUNS))})\b", re.IGNORECASE)


def own_words(ask: str) -> str:
    """The ask without the words that point back at its situation or at earlier questions ("them", "she"): what
    it brings of its own."""
    return POINTING_WORD.sub("", ask)


def _leans_on_context(ask: str) -> bool:
    """The ask speaks of what the situation said: a pronoun ("does the blog agree with her?") or too few words of
    its own ("Is that right?")."""
    return len(terms(ask)) < 3 or any(word in PERSONAL_PRONOUNS for word in words(ask))


def _incidental(text: str, context: list[str], known_words: Container[str], context_terms: Container[str]) -> list[str]:
    """What describes the situation and nothing of the ask: ages, cell numbers, times, roles, and any name the
    guidance never uses that stands in a context sentence."""
    found = [match.group(0) for match in CONTEXT_NUMBER.finditer(text)]
    for match in CAPITALISED_RUN.finditer(text):
        for word in re.split(r"[\s-]+", match.group(0)):
            bare = _bare(word)
            if bare.upper() in context_terms:
                found.append(bare)
    for sentence in context:
        for match in CAPITALISED_RUN.finditer(sentence):
            unknown = [_bare(w) for w in re.split(r"[\s-]+", match.group(0)) if not _in_guidance(_bare(w), known_words)]
            found.extend(w for w in unknown if len(w) > 1)
    return list(dict.fromkeys(found))


def _without(text: str, incidental: list[str]) -> str:
    for piece in sorted(incidental, key=len, reverse=True):
        text = re.sub(rf"(?<![\w&]){re.escape(piece)}(?![\w&])", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _bare(word: str) -> str:
    return re.sub(r"[’']s$", "", word).strip("’'-.,;:()")


def _in_guidance(word: str, known_words: Container[str]) -> bool:
    lower = word.lower()
    return not lower or lower in known_words or lower.removesuffix("s") in known_words or lower in STOPWORDS


def _known(word: str, known_words: Container[str], glossary: dict[str, str]) -> bool:
    bare = _bare(word)
    return bare.upper().removesuffix("S") in glossary or bare.upper() in glossary or _in_guidance(bare, known_words)


def _names(ask: str, context_terms: Container[str]):
    """Runs of capitalised words in the ask, not at the start of a sentence, each with whether the ask is what
    the name itself is ("What kind of organisation is Revolving Doors?"). An acronym is a term, not a name
    ("Frimley ICB": Frimley; "HWB board": none); roles ("DC") are never the subject."""
    starts = {0} | {m.end() for m in re.finditer(r"[.!?:;]\s+|\s[-–—]\s+|^\W+", ask)}
    for match in CAPITALISED_RUN.finditer(ask):
        words = [_bare(w) for w in re.split(r"\s+", match.group(0))]
        if match.start() in starts and not words[0].isupper():
            words = words[1:]
        words = [w for w in words if w and w.upper() not in context_terms and not _is_acronym(w)]
        while words and words[0].lower() in ("and", "of", "the"):
            words = words[1:]
        name = " ".join(words)
        if len(name) >= 3:
            ends = not ask[match.end():].strip(" ?.!")
            yield name, ends and bool(ASKS_WHAT_IT_IS.search(ask[: match.start()]))


def _is_acronym(word: str) -> bool:
    """"ICBs", "DoH", "SoS", "L&D": two capitals or more."""
    return sum(ch.isupper() for ch in word) >= 2


def _kind(ask: str) -> str:
    return next((kind for kind, pattern in KINDS if pattern.search(ask)), "other")


def _things_asked_for(ask: str) -> int:
    match = ASKS_FOR_N.search(ask)
    return number_value(match.group(1)) or 0 if match else 0


def _counting_clause(ask: str) -> str:
    match = COUNTING_CLAUSE.search(ask)
    return match.group(1) if match else ""


def _counted_thing(ask: str, glossary: dict[str, str]) -> set[str]:
    """The terms of what "how many ..." counts ("How many members sit on ..." -> member), or an empty set.

    The last plural of the words after "how many", before the first stop word that does not join a name. An
    acronym counts as itself and as its spelled-out head ("ICBs" -> icb, board); a pronoun or "each" counts nothing.
    """
    match = HOW_MANY.search(ask)
    if not match:
        return set()
    phrase = []
    for word in match.group(1).split():
        if word.lower() in STOPWORDS and word.lower() not in JOINING_WORDS:
            break
        phrase.append(word)
    plurals = [w for w in phrase if w.lower().endswith("s") or w.lower() in UNMARKED_PLURALS]
    head = (plurals or phrase or [""])[-1]
    if head.lower() in COUNTED_ELSEWHERE:
        return set()
    found = set(terms(head))
    phrase_terms = set(terms(" ".join(phrase)))
    for acronym, expansion in glossary.items():
        spelled = terms(expansion)
        if acronym.upper() == head.upper().removesuffix("S"):
            found |= set(spelled[-1:])
        elif spelled and spelled[-1] in found and set(spelled) <= phrase_terms:
            found |= set(terms(f"{acronym} {acronym}s"))  # the stemmer reads "ICS" as ic, "ICSs" as icss
    return found


def gives_count(sentence: str) -> bool:
    return bool(COUNT.search(sentence))
