"""One settings object for the whole of Navigator.

Every tunable lives here, read from environment variables with the ``NAVIGATOR_`` prefix
(``NAVIGATOR_EMBEDDING_MODEL=all-MiniLM-L6-v2``) or a ``.env`` file. The Chroma server is the
exception: it is named by the conventional ``CHROMA_HOST`` / ``CHROMA_PORT``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Set before sentence-transformers / huggingface_hub are imported anywhere: this machine (and CI)
# cannot reach a model hub, and an attempt would hang until it times out.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NAVIGATOR_", env_file=".env", extra="ignore", populate_by_name=True)

    # --- where things are
    corpus_dir: Path = PROJECT_ROOT / "corpus"
    index_dir: Path = PROJECT_ROOT / "index"
    model_cache_dir: Path = Path.home() / ".cache" / "navigator"
    data_dir: Path = Field(PROJECT_ROOT / "data", description="feedback database and audit log (git-ignored)")
    collection: str = Field("navigator", min_length=3, description="Chroma collection-name prefix")
    chroma_host: str | None = Field(None, validation_alias=AliasChoices("CHROMA_HOST", "NAVIGATOR_CHROMA_HOST"))
    chroma_port: int = Field(8000, validation_alias=AliasChoices("CHROMA_PORT", "NAVIGATOR_CHROMA_PORT"))
    pointer_check_s: float = Field(
        1.0, ge=0, description="a running Navigator checks at most this often whether a newer index build is active"
    )
    reader_lease_s: float = Field(
        600.0, gt=0, description="a reading process renews its lease on the builds it answers from at least this "
        "often (a quarter of it); ingest keeps a build while a lease this fresh names it. Longer than any question"
    )

    # --- embedding
    embedding_model: str = Field(
        "all-mpnet-base-v2",
        description="'all-mpnet-base-v2' or 'all-MiniLM-L6-v2' (both from PyPI packages), "
        "or any local sentence-transformers directory or model name",
    )
    mpnet_zip_sha256: str = "eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da"
    embedding_batch_tokens: int = Field(
        512, gt=0,
        description="a model call takes texts, longest first, while rows x the longest's tokens stay within this "
        "(assistant/search/batching.py)",
    )
    ingest_batch_chunks: int = Field(
        256, gt=0, description="chunks the ingest embeds and writes at a time: a step of its progress bar, and what an "
        "interrupted build keeps",
    )
    embedding_backend: Literal["torch", "onnx", "onnx-int8", "openvino"] = Field(
        "torch", description="what runs the model; the exported ones must pass the quality gate (README, Performance)"
    )
    embedding_min_cosine: float = Field(
        0.99, description="quality gate: an exported backend's mean cosine to torch's vectors on corpus sentences"
    )

    # --- chunking
    chunk_size: int = Field(900, gt=100, description="characters per chunk, at most")
    chunk_overlap: int = Field(150, ge=0)
    embedded_context: Literal["section", "title_section", "none"] = Field(
        "section", description="heading path embedded in front of each chunk"
    )
    max_unpacked_mb: int = Field(200, description="a DOCX that would unpack to more is skipped (zip bombs)")
    # per-file limits: one odd file must not stall the ingest for hours (skipped with the reason, exit 3)
    max_line_chars: int = Field(100_000, gt=0, description="a file with a longer run of text without a line break is skipped")
    max_chunks_per_file: int = Field(5_000, gt=0, description="a file that would give more chunks is skipped")
    min_chunk_chars: int = Field(60, ge=0, description="shorter chunks without a full stop are dropped")

    # --- retrieval
    retrieval: Literal["hybrid", "dense", "bm25"] = "hybrid"
    dense_unit: Literal["sentence", "chunk"] = Field("sentence", description="what dense search matches against")
    # Chroma's nearest-neighbour graph (HNSW), set when a build's collections are created. Its defaults (16, 100,
    # 100) found only 92% of the 60 truly nearest sentences at 19,095 sentences (bench-scale's index), and missed the
    # nearest one for 7% of the questions; these found 98.4-99.9% over repeated builds (README, "On real text").
    hnsw_max_neighbors: int = Field(48, ge=2, description="links per vector in the dense index's graph")
    hnsw_ef_construction: int = Field(200, ge=1, description="candidates weighed while the graph is built")
    hnsw_ef_search: int = Field(400, ge=1, description="candidates weighed per query: recall for a few ms")
    dense_k: int = 20
    bm25_k: int = 20
    rrf_k: int = 60
    dense_weight: float = Field(1.0, description="fusion weight of dense search relative to BM25")
    follow_up_bare_weight: float = Field(0.5, description="fusion weight of a follow-up's own wording")
    named_documents_first: bool = Field(
        True, description="a document the question names ('the blog says') is searched before the others"
    )
    rescore: bool = True
    rescore_candidates: int = Field(25, description="how many fused candidates are re-scored")
    rescore_second_sentence_weight: float = Field(
        0.625, description="weight of a candidate's second-best sentence in the re-score (python -m eval fit-rescore)"
    )
    rescore_fused_weight: float = Field(
        0.375, description="weight of a candidate's fusion score in the re-score (python -m eval fit-rescore)"
    )
    rescore_least_spread: tuple[float, float, float, float] = Field(
        (0.106, 0.11, 1.04, 0.0089), description="the least spread each re-score signal (best sentence, second "
        "sentence, BM25, fusion score) is divided by: 1.25 times its median spread among a question's candidates "
        "(python -m eval fit-rescore)"
    )
    evidence_passages: int = 5

    # --- answering
    max_question_chars: int = 1000
    answer_sentences: int = 6
    answer_list_items: int = 10
    answer_picker: Path | None = Field(None, description="the sentence picker's fitted weights and ratio "
                                       "(`python -m eval fit-picker`); else the shipped assistant/answer/picker.json")
    answer_item_keep_ratio: float = Field(
        0.6, description="a list the ask does not ask for keeps the items scoring this share of its best item's"
    )

    # --- the answer policy (assistant/answer/checks.py): thresholds fitted by cross-validation over every labelled set,
    # `python -m eval crossval` (README, "Refusal")
    min_similarity: float = Field(0.40, description="best sentence's cosine similarity to the question")
    follow_up_min_similarity: float = Field(0.38, description="... to a follow-up searched with the earlier topic")
    max_unknown_share: float = Field(0.5, description="share of the ask in words the guidance never uses ...")
    unknown_needs_similarity: float = Field(0.5, description="... above which a sentence this similar is needed")
    count_needs_context: float = Field(0.1, description="share of a 'how many' clause a sentence giving the count holds")
    rare_name_chunks: int = Field(3, description="a name in at most this many chunks must appear in the answer ...")
    name_context_coverage: float = Field(0.4, description="... in a sentence holding this share of the ask")

    # --- answer engines: extractive (default, and the fallback) or a LangChain chat model (README, "Engines")
    engine: Literal["extractive", "llamacpp", "ollama", "openai"] = "extractive"
    llm_model: str = Field(
        "qwen2.5-coder-1.5b-instruct-q4_k_m",
        description="llamacpp: the packaged GGUF (this name) or a path to any GGUF; ollama/openai: the model name",
    )
    gguf_sha256: str = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
    llm_base_url: str | None = Field(None, description="ollama / OpenAI-compatible endpoint (vLLM, Azure OpenAI v1)")
    llm_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("NAVIGATOR_LLM_API_KEY", "OPENAI_API_KEY")
    )
    llm_context_tokens: int = 4096
    llm_threads: int = Field(2, description="llamacpp CPU threads")
    llm_max_tokens: int = Field(220, description="tokens an answer may run to")
    llm_temperature: float = 0.0
    llm_passages: int = Field(4, description="evidence passages given to the model, best first")
    llm_time_limit_s: float = Field(90.0, description="a generation still running after this falls back")
    llm_connect_timeout_s: float = Field(5.0, description="start-up check that an endpoint answers")
    llm_condense: bool = Field(True, description="rewrite follow-ups with the condense prompt")
    # --- citation verification of generated answers (calibrated: README, "Engines")
    verify_min_similarity: float = Field(0.45, description="a sentence's cosine similarity to a sentence it cites")
    verify_min_lexical: float = Field(0.7, description="share of a sentence's terms found in the passage it cites")
    verify_min_kept: float = Field(0.5, description="share of generated sentences that must survive, else fall back")

    # --- audit log (data_dir/audit.jsonl): masked questions only; answers only if asked for
    audit_log: bool = True
    audit_answers: bool = False
    audit_max_bytes: int = 1_000_000
    audit_backups: int = 5

    # --- sign-in, roles and the reviewed document library (README, "Sign-in and roles"). The identity
    # provider itself is configured where Streamlit reads it: the [auth] section of .streamlit/secrets.toml.
    server_address: str = Field("127.0.0.1", description="where `make run` listens; elsewhere needs sign-in ...")
    serve_without_sign_in: bool = Field(False, description="... or this, for a network you trust (warns)")
    roles_claim: str = Field("roles", description="ID-token claim listing a user's roles, e.g. 'groups'")
    maintainers: list[str] = Field([], description="e-mail addresses or subjects given the maintainer role")
    analysts: list[str] = Field([], description="e-mail addresses or subjects given the analyst role")
    default_role: Literal["officer", "none"] = Field("officer", description="role of a user given no other")
    pseudonym_key: SecretStr | None = Field(None, description="keys the pseudonymous ids; else one in data_dir")
    library_dir: Path | None = Field(None, description="pending documents and their index; else data_dir/library")
    max_file_mb: int = Field(20, gt=0, description="a larger document is refused by the upload and skipped by the ingest")

    @model_validator(mode="after")
    def _lease_outlasts_a_question(self) -> Settings:
        # A lease is renewed when a quarter of it has passed, so it must outlast the longest question by a margin.
        if self.reader_lease_s < 2 * self.llm_time_limit_s:
            raise ValueError(
                f"reader_lease_s ({self.reader_lease_s}) must be at least twice llm_time_limit_s "
                f"({self.llm_time_limit_s}): the index writer keeps a build only while a reader's lease is fresh"
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
