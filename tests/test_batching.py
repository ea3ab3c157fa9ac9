"""Calls to the embedding model sized by tokens: the grouping, and the real model's vectors through it."""

from __future__ import annotations

import numpy as np
import pytest
from sentence_transformers import SentenceTransformer

from assistant.search.batching import batches_by_tokens
from assistant.search.embedding_backends import gate_sentences
from assistant.search.embeddings import load_embeddings, resolve_model_path
from assistant.settings import Settings
from tests.conftest import CORPUS, FAST_MODEL


@pytest.mark.fast
def test_texts_are_taken_longest_first_in_calls_within_the_token_budget():
    counts = [5, 300, 40, 40, 12, 700, 41, 8, 8, 8]
    batches = batches_by_tokens(counts, budget=100)
    assert sorted(i for batch in batches for i in batch) == list(range(len(counts)))  # each text once
    assert [counts[i] for batch in batches for i in batch] == sorted(counts, reverse=True)
    assert batches[:2] == [[5], [1]]  # longer than the budget: alone
    for batch in batches:
        assert len(batch) == 1 or len(batch) * counts[batch[0]] <= 100
    assert [len(batch) for batch in batches] == [1, 1, 2, 2, 4]  # (41, 40) (40, 12) (8, 8, 8, 5)


@pytest.mark.fast
def test_no_texts_make_no_calls():
    assert batches_by_tokens([], budget=512) == []


def test_the_torch_embeddings_give_sentence_transformers_vectors_in_the_callers_order():
    settings = Settings(embedding_model=FAST_MODEL, embedding_batch_tokens=256)
    embeddings = load_embeddings(settings)
    # Sentences and whole paragraphs of the corpus, interleaved, so the grouping reorders them.
    texts = [text for pair in zip(gate_sentences(CORPUS, limit=60), (CORPUS / "nhs-england-health-and-justice.txt")
             .read_text(encoding="utf-8").split("\n\n")) for text in pair]
    calls = []
    encode = embeddings.encode
    embeddings.encode = lambda batch: calls.append(batch) or encode(batch)
    try:
        got = np.asarray(embeddings.embed_documents(texts))
    finally:
        del embeddings.encode  # the instance is shared by the process (load_embeddings caches it)
    model = SentenceTransformer(resolve_model_path(settings), device="cpu")
    expected = model.encode(texts, normalize_embeddings=True)
    assert (got * expected).sum(axis=1).min() > 0.9999
    tokens = {text: len(model.tokenizer(text, truncation=True)["input_ids"]) for text in texts}
    assert len(calls) > 1 and sum(map(len, calls)) == len(texts)
    assert all(len(call) == 1 or len(call) * tokens[call[0]] <= 256 for call in calls)
