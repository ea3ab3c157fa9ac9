"""One Navigator serves many sessions at once: answers asked together equal answers asked alone."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

QUESTIONS = [
    ("What is Liaison and Diversion?", []),
    ("When did it move to NHS England?", ["What is Liaison and Diversion?"]),
    ("SARC?", []),
    ("what does an ICB do", []),
    ("What services do ICBs commission directly?", []),
    ("What are my powers under section 136 of the Mental Health Act?", []),
    ("Who commissions healthcare in police custody?", []),
    ("What is a JSNA?", []),
    ("What are the seven priority areas of the health and justice strategic direction?", []),
    ("How many prisons are there in England?", []),
]


def _key(answer):
    return answer.answer, answer.refused, [(c.n, c.chunk_id) for c in answer.citations]


def test_twenty_questions_from_eight_threads_match_the_answers_asked_alone(navigator):
    asked = (QUESTIONS * 2)[:20]
    alone = [_key(navigator.ask(q, h)) for q, h in asked]
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(lambda qh: _key(navigator.ask(*qh)), asked))
    assert together == alone
