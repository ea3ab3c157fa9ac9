"""The records passed between the answering stages: Question -> Asks -> Query -> Passage -> Answer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace


@dataclass(frozen=True)
class Question:
    text: str  # what is searched for: tidied, personal data taken out
    history: tuple[str, ...] = ()
    shown: str = ""  # what may be shown or stored: personal data masked ("my suspect [name]")
    personal_data: tuple[str, ...] = ()  # kinds of personal data found


@dataclass(frozen=True)
class Asks:
    """The question read once (assistant/question/asks.py): what is asked, apart from the situation around it."""

    text: str  # the message as searched (personal data out)
    ask: str  # the sentence(s) that ask; the rest is context
    context: str = ""
    searched: str = ""  # the message without what is only context (ages, cell numbers, roles, unknown places)
    kind: str = "other"  # the kind of answer wanted: contact, percentage, amount, count, date, who, reason ...
    things_asked_for: int = 0  # "the seven priority areas": how many things the answer must name
    counted: tuple[str, ...] = ()  # the terms of what "how many" counts
    counting_clause: str = ""
    parts: tuple[str, ...] = ()  # the asks of a message that asks several things ("how long ..., and what ...?")
    numbers: tuple[str, ...] = ()  # numbers that are the subject of the ask ("section 136", "2019")
    names: tuple[str, ...] = ()  # names in the ask
    names_asked_about: tuple[str, ...] = ()  # names the ask asks what they are ("What is Revolving Doors?")
    unknown_names: tuple[str, ...] = ()  # names in the ask the guidance never uses
    incidental: tuple[str, ...] = ()  # what is only context
    documents: tuple[str, ...] = ()  # sources of the documents the message names ("the collaboration guide says")


@dataclass(frozen=True)
class Query:
    """What is searched for: the question made self-contained, with acronyms spelled out and typos fixed."""

    text: str  # the text that is embedded and matched
    follow_up: bool = False
    expansions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Passage:
    chunk_id: str
    text: str
    source: str
    title: str
    section: str
    position: int
    page: int | None = None
    score: float = 0.0  # fused score; higher is better
    dense: float | None = None  # cosine similarity to the query, when dense search found it
    lexical: float | None = None  # BM25 score, when BM25 found it
    signals: tuple[float, ...] = ()  # what the re-score weighed (rescore.SIGNALS), when it re-scored this passage

    @classmethod
    def from_metadata(cls, chunk_id: str, text: str, meta: dict, **scores) -> Passage:
        return cls(
            chunk_id=chunk_id,
            text=text,
            source=meta.get("source", ""),
            title=meta.get("title", ""),
            section=meta.get("section", ""),
            position=int(meta.get("position", 0)),
            page=meta.get("page"),
            **scores,
        )


@dataclass(frozen=True)
class Citation:
    n: int
    source: str
    title: str
    section: str
    page: int | None
    text: str  # the whole passage
    chunk_id: str
    quotes: list[str] = field(default_factory=list)  # the sentences of the answer taken from it


@dataclass(frozen=True)
class CheckedSentence:
    """A sentence of a generated answer, and what citation verification found."""

    text: str  # the sentence without its citation marks
    cited: tuple[int, ...]  # numbers (as given to the model) of the passages that support it
    kept: bool
    reason: str = ""  # why it was removed, or how its citation was corrected
    quotes: tuple[str, ...] = ()  # per cited passage, its sentence closest in meaning (to highlight)
    similarity: float = 0.0  # best over the passages it cites
    lexical: float = 0.0


@dataclass(frozen=True)
class Candidate:
    """A statement the sentence picker scored (chosen or not): what ``python -m eval fit-picker`` learns from."""

    text: str  # with the items of its list
    features: tuple[float, ...]
    score: float


# How far the guidance answers: "answered"; "related" (the closest guidance, said to be so); "not_covered" (the
# fixed refusal, with what the guidance does cover); "rejected" (the guard's message: empty, too long,
# instructions, records requests). Only an "answered" question reaches a language model.
STATUSES = ("answered", "related", "not_covered", "rejected")


@dataclass
class Answer:
    question: str
    answer: str
    status: str
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[Passage] = field(default_factory=list)
    refusal_reason: str = ""
    engine: str = "extractive"
    engine_used: str = "extractive"
    fallback_reason: str = ""
    timings_ms: dict[str, float] = field(default_factory=dict)
    query: str = ""
    signals: dict[str, float] = field(default_factory=dict)  # what the refusal decision was based on
    personal_data: list[str] = field(default_factory=list)  # kinds found in the question (masked in ``question``)
    evidence: list[Passage] = field(default_factory=list)  # what the answer was drawn from (a model's numbered passages)
    draft: str = ""  # a generative engine's text before verification
    checked: list[CheckedSentence] = field(default_factory=list)  # each draft sentence, kept or removed and why
    check: str = ""  # the code of the check that set the status ('' when answered)
    candidates: list[Candidate] = field(default_factory=list)  # every statement the extractive picker scored
    rescored: list[Passage] = field(default_factory=list)  # every candidate the re-score weighed, best first

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"unknown answer status {self.status!r}")

    @property
    def refused(self) -> bool:
        """Anything but a plain answer."""
        return self.status != "answered"

    def to_dict(self) -> dict:
        shown = asdict(replace(self, candidates=[], rescored=[]))  # not copied only to be dropped
        del shown["candidates"], shown["rescored"]
        return {**shown, "refused": self.refused}
