"""``python -m assistant ask "QUESTION" [--history "EARLIER QUESTION" ...] [--json]``, or ``python -m assistant chat``
to answer one question per line of standard input, from whichever index build is active when it is asked."""

from __future__ import annotations

import argparse
import json
import sys

from assistant.settings import Settings


def render(answer) -> str:
    lines = [answer.answer, ""]
    if answer.refused:
        lines.append(f"(refused: {answer.refusal_reason})")
    for citation in answer.citations:
        where = f", page {citation.page}" if citation.page else ""
        section = f" > {citation.section}" if citation.section else ""
        lines.append(f"[{citation.n}] {citation.title}{section}{where} ({citation.source})")
    if answer.fallback_reason:
        lines.append(f"({answer.engine} answer replaced by the extractive one: {answer.fallback_reason})")
    lines.append(f"({answer.timings_ms.get('total', 0):.0f} ms, engine {answer.engine_used})")
    return "\n".join(lines)


def _progress(token: str) -> None:
    """A dot per token while the model writes: its draft is not shown until every sentence is verified."""
    print(".", end="", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant", description="Ask Navigator a question.")
    commands = parser.add_subparsers(dest="command", required=True)
    ask = commands.add_parser("ask", help="answer one question from the guidance")
    ask.add_argument("question")
    ask.add_argument("--history", action="append", default=[], help="an earlier question (repeat, oldest first)")
    ask.add_argument("--json", action="store_true", help="print the whole answer as JSON")
    ask.add_argument("--engine", help="answer engine (default: the NAVIGATOR_ENGINE setting)")
    chat = commands.add_parser("chat", help="answer each line of standard input as a question of its own")
    chat.add_argument("--json", action="store_true", help="print each answer as one line of JSON")
    chat.add_argument("--engine", help="answer engine (default: the NAVIGATOR_ENGINE setting)")
    args = parser.parse_args(argv)
    if args.command == "chat":
        return chat_loop(_settings(args), args.json)

    from assistant.stores.audit import record_answer
    from assistant.question.guard import check_question
    from assistant.navigator import EngineUnavailable, IndexMissing, Navigator, QuestionRejected

    settings = _settings(args)
    try:
        check_question(args.question, settings.max_question_chars)  # before the model is loaded
        navigator = Navigator(settings)
        answer = navigator.ask(args.question, args.history, on_token=_progress if sys.stderr.isatty() else None)
        record_answer(answer, settings, "cli", args.question, navigator.vocabulary.word_counts)
        if answer.status == "rejected":
            raise QuestionRejected(answer.answer)
    except QuestionRejected as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except (IndexMissing, EngineUnavailable) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False) if args.json else render(answer))
    return 0


def _settings(args: argparse.Namespace) -> Settings:
    """The settings from the environment, with the engine the command line asked for."""
    return Settings(**({"engine": args.engine} if args.engine else {}))


def chat_loop(settings: Settings, as_json: bool) -> int:
    """Answer questions until standard input ends; the Navigator follows re-ingests between them."""
    from assistant.stores.audit import record_answer
    from assistant.navigator import EngineUnavailable, IndexMissing, Navigator, QuestionRejected

    try:
        navigator = Navigator(settings)
    except (IndexMissing, EngineUnavailable) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    for line in sys.stdin:
        try:
            answer = navigator.ask(line.strip())
        except QuestionRejected as exc:
            print(json.dumps({"rejected": str(exc)}) if as_json else str(exc), flush=True)
            continue
        record_answer(answer, settings, where="cli")
        print(json.dumps(answer.to_dict(), ensure_ascii=False) if as_json else render(answer) + "\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
