"""Stage 5: choose the passages to answer from, and decide whether they support an answer at all."""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import replace

from assistant.records import Evidence, Passage
from assistant.retrieve import ChunkStore
from assistant.text import STOPWORDS, terms

NUMBER = re.compile(r"\b\d+[a-z]?\b")
CAPITALISED = re.compile(r"(?<![\w&])[A-Z][\w&’'-]*")
SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|[-–—]\s+)([A-Z][\w&’'-]*)")

# What a question asks for, and what an answer to it must contain. Checked on the composed answer, so
# "How many prisons are there?" is not answered with a sentence that merely mentions prisons.
ANSWER_TYPES = [
    ("a phone number or e-mail address",
     re.compile(r"\b(phone|telephone)\b|\bcontact (details|number)\b|\be-?mail address\b", re.I),
     re.compile(r"\b0\d{2,4}[\s-]?\d{3}[\s-]?\d{3,4}\b|\b\d{3}\b.*\bcall\b|@\w")),
    ("an amount of money",
     re.compile(r"^\W*how much\b|\b(salary|salaries|paid|earn|earns|cost|costs|spend|spends|spent)\b", re.I),
     re.compile(r"£\s?\d|\b\d[\d,.]*\s?(million|billion|bn|m|k)\b", re.I)),
    ("a time of day",
     re.compile(r"\bwhat time\b|\bopening (hours|times)\b|\bwhen does\b.*\bopen\b", re.I),
     re.compile(r"\b\d{1,2}(:\d{2})?\s?(am|pm)\b|\b\d{1,2}:\d{2}\b|\b24 hours\b", re.I)),
    ("the findings asked for",  # "What did the interim evaluation find?" is not answered by "findings are expected"
     re.compile(r"\bwhat (?:did|does|do|has|have)\b[^?]{0,80}?\b(?:find|show|conclude|recommend|identify)\b|"
                r"\bwhat (?:were|are|was|is) the (?:results?|findings|conclusions|recommendations)\b", re.I),
     re.compile(r"\b(?:found|finds|showed|shows|shown|concluded|recommended|recommends|identified|identifies|"
                r"revealed|reported)\b", re.I)),
    ("a number",
     re.compile(r"\bhow many\b", re.I),
     re.compile(r"\b\d+\b|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|hundred|thousand)\b", re.I)),
]


def select_evidence(fused: list[Passage], store: ChunkStore, count: int) -> list[Passage]:
    """The top passages; a passage whose list runs on into the next chunk is followed by that chunk."""
    chosen: list[Passage] = []
    seen: set[str] = set()
    for passage in fused[:count]:
        if passage.chunk_id in seen:
            continue
        chosen.append(passage)
        seen.add(passage.chunk_id)
        following = store.neighbour(passage)
        if following and following.chunk_id not in seen and _list_runs_on(passage, following):
            chosen.append(replace(following, score=passage.score, dense=passage.dense, lexical=passage.lexical))
            seen.add(following.chunk_id)
    return chosen


def _list_runs_on(passage: Passage, following: Passage) -> bool:
    starts_with_list = following.text.lstrip().startswith("- ") or bool(re.match(r"\s*\d{1,2}[.)]\s", following.text))
    return following.section == passage.section and starts_with_list


def term_coverage(question_terms: list[str], present: set[str], store: ChunkStore) -> float:
    """Share of the question's meaning (IDF-weighted terms) found among the ``present`` terms."""
    wanted = set(question_terms)
    if not wanted:
        return 0.0
    total = sum(store.idf(term) for term in wanted)
    return sum(store.idf(term) for term in wanted & present) / total


def unknown_names(question: str, known_words: Container[str], acronyms: Container[str]) -> list[str]:
    """Capitalised names in the question that the corpus never mentions ("Manchester", "CPS", "Jane Doe").

    The first word of a sentence is skipped: "Summarise ..." is capitalised because it starts the question.
    """
    starts = {match.start(1) for match in SENTENCE_START.finditer(question)}
    unknown = []
    for match in CAPITALISED.finditer(question):
        word = re.sub(r"[’']s$", "", match.group(0)).strip("’'-")
        if match.start() in starts or word.upper() in acronyms or len(word) < 2:
            continue
        if word.lower() not in known_words and word.lower().removesuffix("s") not in known_words:
            unknown.append(word)
    return unknown


def missing_answer_type(question: str, best_statements: list[str]) -> str:
    """What the question asks for that the answer's best sentences do not contain ("a phone number"), or ''.

    Only the best-matching sentences count: "How many members sit on the CRG?" is not answered by another
    sentence's "5 domains".
    """
    text = "\n".join(best_statements)
    for name, asks, holds in ANSWER_TYPES:
        if asks.search(question) and not holds.search(text):
            return name
    return ""


HOW_MANY = re.compile(r"\bhow many ((?:[\w’'&-]+ ?){1,8})", re.I)
COUNT = re.compile(
    r"\b\d[\d,]*\b|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
    r"hundred|thousand|dozen)\b(?!-)", re.I  # "a two-way resource" counts nothing
)
# What a "how many" asks about, up to the end of its clause ("... and how many SARCs are there?").
COUNTING_CLAUSE = re.compile(r"\bhow many (.*?)(?:[?.!]|\s(?:and|but)\s+(?:what|when|who|how|which|where|why)\b|$)", re.I)
UNMARKED_PLURALS = frozenset({"people", "children", "staff", "police", "women", "men"})
JOINING_WORDS = frozenset({"and", "of"})  # inside a name ("Liaison and Diversion trial schemes")
PRONOUNS = frozenset({"them", "they", "those", "these", "it", "us", "you"})


def counted_thing(question: str, glossary: dict[str, str]) -> set[str]:
    """The terms of what "how many ..." counts ("How many members sit on ..." -> member), or an empty set.

    The thing counted is the last plural of the words after "how many", before the first stop word that
    does not join a name. An acronym counts as itself and as its spelled-out head ("ICBs" -> icb, board),
    and a spelled-out name as its acronym too ("integrated care systems" -> system, ics). A pronoun counts
    nothing.
    """
    match = HOW_MANY.search(question)
    if not match:
        return set()
    phrase = []
    for word in match.group(1).split():
        if word.lower() in STOPWORDS and word.lower() not in JOINING_WORDS:
            break
        phrase.append(word)
    plurals = [w for w in phrase if w.lower().endswith("s") or w.lower() in UNMARKED_PLURALS]
    head = (plurals or phrase or [""])[-1]
    if head.lower() in PRONOUNS:  # "How many of them are there?": what is counted was named earlier
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


def counts_it(
    counted: set[str], answer_sentences: list[str], question: str, store: ChunkStore, min_coverage: float
) -> bool:
    """A sentence of the answer gives a number together with the thing counted, and speaks of the rest of what
    is counted ("600 members" of another body does not say how many members sit on the CRG)."""
    clause = COUNTING_CLAUSE.search(question)
    rest = [t for t in terms(clause.group(1) if clause else "") if t not in counted]
    return any(
        COUNT.search(s) and counted & set(terms(s)) and (not rest or term_coverage(rest, set(terms(s)), store) >= min_coverage)
        for s in answer_sentences
    )


NUMBER_WORDS = {word: n for n, word in enumerate("two three four five six seven eight nine ten eleven twelve".split(), 2)}
# "What are the seven priority areas ...", "What four topics ...", "List the names of all 42 ICBs": the question
# asks for that many things. A number after a noun ("domain 4", "section 136") or a year asks for none.
ASKS_FOR_N = re.compile(
    r"^\W*(?:(?:what|which)|(?:what|which|list|name|give)\b[^?]*?\b(?:the|all))\s+(\d{1,2}|"
    + "|".join(NUMBER_WORDS) + r")\s+(?![^\s]*\d)(?:[\w-]+\s+){0,3}?[\w-]+s\b",
    re.I,
)
ENUMERATION_BREAK = re.compile(r",|;|\band\b|\bor\b")


def asked_number_of_things(question: str) -> int:
    """How many things the question asks to be named (0 if it does not ask for a number of things)."""
    match = ASKS_FOR_N.search(question)
    if not match:
        return 0
    number = match.group(1).lower()
    return NUMBER_WORDS.get(number) or int(number)


def enumerates(wanted: int, statements: list[tuple[str, int]]) -> bool:
    """Some statement names that many things: a list of at least that many items, or a sentence that goes on to
    name them ("five components ... These were A, B, C, D and E."). Each statement comes with its list's length."""
    for text, listed in statements:
        if listed >= wanted:
            return True
        counted_at = re.search(rf"\b({wanted}|{_number_word(wanted)})\b", text, re.I)
        if counted_at and len(ENUMERATION_BREAK.findall(text[counted_at.end():])) >= wanted - 1:
            return True
    return False


def _number_word(n: int) -> str:
    return next((word for word, value in NUMBER_WORDS.items() if value == n), str(n))


def unaddressed_names(
    question: str,
    question_terms: list[str],
    statement_terms: list[set[str]],
    store: ChunkStore,
    rare: int,
    min_coverage: float,
    glossary: dict[str, str],
) -> list[str]:
    """Rare names in the question ("Surrey", "Birmingham and Solihull", "CQC") that no sentence of the answer speaks
    of together with the rest of the question: a question about one place or body is not answered by a
    sentence about such bodies in general, nor by one that mentions the place for another reason.

    A question that asks what the name itself is ("What kind of organisation is Revolving Doors?") needs
    only a sentence that mentions it.
    """
    missing = []
    seen: set[tuple[str, ...]] = set()
    for name, asks_what_it_is in _names(question):
        stems = terms(name)
        if not stems or tuple(stems) in seen or min(store.document_frequency[s] for s in stems) > rare:
            continue
        seen.add(tuple(stems))
        # an acronym is spoken of by its spelled-out form too ("Sexual Assault Referral Centres" for "SARCs")
        forms = [set(stems)] + [set(terms(glossary[acronym])) for acronym in _acronyms(name, glossary)]
        together = [found for found in statement_terms if any(form <= found for form in forms)]
        rest = [t for t in question_terms if t not in stems and not any(t in form for form in forms[1:])]
        if together and (
            asks_what_it_is or not rest or any(term_coverage(rest, found, store) >= min_coverage for found in together)
        ):
            continue
        missing.append(name)
    return missing


NAME_RUN = re.compile(r"(?<![\w&])[A-Z][\w’'-]*(?: (?:and |of |the )?[A-Z][\w’'-]*)*")
ASKS_WHAT_IT_IS = re.compile(r"\b(is|are|was|were)( (the|a|an))?\s*$", re.I)


def _acronyms(name: str, glossary: dict[str, str]) -> list[str]:
    return [word.removesuffix("s") for word in name.split() if word.removesuffix("s") in glossary]


def _names(question: str) -> list[tuple[str, bool]]:
    """Runs of capitalised words, not at the start of a sentence, each with whether the question asks what it is.
    An acronym counts on its own ("the CQC"), not as part of a longer name ("Frimley ICB": Frimley)."""
    starts = {match.start(1) for match in SENTENCE_START.finditer(question)}
    found = []
    for match in NAME_RUN.finditer(question):
        words = match.group(0).split()
        if match.start() in starts:
            words = words[1:]
        words = [w.strip("’'-") for w in words]
        if len(words) > 1:  # "Birmingham and Solihull ICB" names a place; "the CQC" alone names a body
            words = [w for w in words if not w.removesuffix("s").isupper()]
        while words and words[0] in ("and", "of", "the"):
            words = words[1:]
        if words and len(" ".join(words)) >= 3:
            ends_question = not question[match.end():].strip(" ?.!")
            found.append((" ".join(words), ends_question and bool(ASKS_WHAT_IT_IS.search(question[: match.start()]))))
    return found


def unknown_share(question_terms: list[str], store: ChunkStore) -> float:
    """Share of the question's meaning (IDF-weighted) in words the corpus never uses ("weather", "recipe")."""
    wanted = set(question_terms)
    total = sum(store.idf(term) for term in wanted)
    return sum(store.idf(term) for term in wanted if not store.document_frequency[term]) / total if total else 1.0


def assess_support(
    question: str,
    question_terms: list[str],
    evidence: list[Passage],
    best_dense: float,
    store: ChunkStore,
    min_dense: float,
    min_coverage: float,
    unknown_names_found: list[str] = (),
    max_unknown: float = 1.01,
    unknown_needs_similarity: float = 0.0,
) -> Evidence:
    """Supported only if the passages are close in meaning AND hold the question's key terms, names and numbers."""
    # Of the words the guidance uses: words it never uses are weighed once, by the unknown-share rule below.
    known = [term for term in question_terms if store.document_frequency[term]]
    coverage = term_coverage(known, {t for p in evidence for t in store.terms[store.row[p.chunk_id]]}, store)
    unknown = unknown_share(question_terms, store)
    evidence_text = " ".join(f"{p.section} {p.text}" for p in evidence).lower()
    missing_numbers = [n for n in NUMBER.findall(question.lower()) if not re.search(rf"\b{n}\b", evidence_text)]
    reason = ""
    if not evidence:
        reason = "nothing in the index matches the question"
    elif unknown_names_found:
        reason = f"the guidance never mentions {', '.join(unknown_names_found)}"
    elif missing_numbers:
        reason = f"the guidance never mentions {', '.join(missing_numbers)} in this context"
    elif best_dense < min_dense:
        reason = f"no passage is close in meaning (best similarity {best_dense:.2f} < {min_dense:.2f})"
    elif unknown >= max_unknown and best_dense < unknown_needs_similarity:
        reason = (
            f"{unknown:.0%} of the question's words are not in the guidance and no passage is close enough in meaning"
            f" to make up for it (best similarity {best_dense:.2f} < {unknown_needs_similarity:.2f})"
        )
    elif coverage < min_coverage:
        reason = f"the passages lack key terms of the question (coverage {coverage:.2f} < {min_coverage:.2f})"
    return Evidence(
        evidence, supported=not reason, reason=reason, coverage=coverage, best_dense=best_dense, unknown=unknown
    )
