# humanline — two commands matter: `make app` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: app test test-fast bench browser-deps clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[app,dev]'
	touch $(STAMP)

app: $(STAMP)  ## start the Streamlit app on the bundled default scenario
	$(VENV)/bin/streamlit run app.py

test: $(STAMP)  ## the whole suite, slow statistical validation included
	$(PY) -m pytest

test-fast: $(STAMP)  ## everything but the long validation runs
	$(PY) -m pytest -m "not slow"

bench: $(STAMP)  ## engine throughput against idiomatic SimPy (docs/design.md §6)
	$(PY) benchmarks/bench_engine.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
