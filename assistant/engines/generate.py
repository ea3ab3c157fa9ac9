"""Stage 6 (generative engines): a chat model writes the answer from the numbered evidence passages.

The prompts are text files in ``prompts/``. Passage text goes to the model fenced off as quoted data; what
the model writes is only a draft until ``verify`` has checked every sentence against what it cites.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from assistant.engines.llm import ChatEngine
from assistant.records import Passage
from assistant.settings import PROJECT_ROOT

NOT_IN_GUIDANCE = "NOT IN GUIDANCE"
TokenSink = Callable[[str], None]


class GenerationFailed(RuntimeError):
    """The model gave no usable draft in time (or at all): the extractive answer stands in."""


@dataclass(frozen=True)
class Draft:
    text: str

    @property
    def declined(self) -> bool:
        """The model said the passages do not answer the question."""
        return NOT_IN_GUIDANCE in self.text.upper()


@lru_cache(maxsize=None)
def load_prompt(name: str) -> str:
    return (PROJECT_ROOT / "prompts" / f"{name}.txt").read_text(encoding="utf-8").strip()


def answer_messages(question: str, passages: Sequence[Passage]) -> list[BaseMessage]:
    """The system rules, one worked example (a small model copies a shown format far better than a described
    one; the example is off-topic so that it is never copied as an answer), then the real question."""
    numbered = "\n\n".join(_quoted(n, passage) for n, passage in enumerate(passages, start=1))
    template = load_prompt("answer")
    return [
        SystemMessage(load_prompt("system")),
        HumanMessage(template.format(passages=load_prompt("example_passages"), question=load_prompt("example_question"))),
        AIMessage(load_prompt("example_answer")),
        HumanMessage(template.format(passages=numbered, question=_quoted_text(question))),
    ]


def _quoted(n: int, passage: Passage) -> str:
    section = f", section \"{passage.section}\"" if passage.section else ""
    return load_prompt("passage").format(n=n, title=passage.title, section=section, text=_quoted_text(passage.text))


def _quoted_text(text: str) -> str:
    """Text cannot close its own fence and pose as the prompt."""
    return re.sub(r"<<<|>>>", "", text)


def generate(engine: ChatEngine, messages: list[BaseMessage], time_limit_s: float, on_token: TokenSink | None) -> Draft:
    """Stream the model's answer; stop and fail once the time limit has passed.

    The limit covers waiting for the model (another session may be using it) and every token; a
    model still reading the passages is only stopped at its first token.
    """
    started = time.perf_counter()
    parts: list[str] = []
    try:
        with engine.turn(time_limit_s) as model:
            for chunk in model.stream(messages):
                parts.append(str(chunk.content))
                if on_token:
                    on_token(str(chunk.content))
                if time.perf_counter() - started > time_limit_s:
                    raise GenerationFailed(f"the model took longer than {time_limit_s:g} s")
    except GenerationFailed:
        raise
    except Exception as exc:  # a network error, a server error, a busy model: the officer still gets an answer
        raise GenerationFailed(f"the model failed: {type(exc).__name__}: {exc}") from exc
    text = "".join(parts).strip()
    if not text:
        raise GenerationFailed("the model wrote nothing")
    return Draft(text)


def condense_messages(question: str, history: Sequence[str]) -> list[BaseMessage]:
    earlier = "\n".join(f"- {_quoted_text(h)}" for h in history)
    return [HumanMessage(load_prompt("condense").format(history=earlier, question=_quoted_text(question)))]


def condensed_question(engine: ChatEngine, question: str, history: Sequence[str], time_limit_s: float) -> str | None:
    """The follow-up rewritten to stand alone, or None if the model fails: the word-based condensing remains."""
    try:
        draft = generate(engine, condense_messages(question, history), time_limit_s, None)
    except GenerationFailed:
        return None
    line = draft.text.splitlines()[0].strip().strip('"')
    return line if 3 <= len(line) <= 400 else None
