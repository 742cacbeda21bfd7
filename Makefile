# gongkai: `make ingest` runs the pipeline on data/raw/, `make test` runs every test.
# The build directory lives outside the clone so that repeat runs and CI stay fast.
CARGO_TARGET_DIR ?= $(HOME)/.cache/gongkai/target
export CARGO_TARGET_DIR
VENV ?= .venv
PYTHON ?= python3
CONTRACT_OUT := $(CARGO_TARGET_DIR)/contract-out

.DEFAULT_GOAL := help
.PHONY: help ingest report query test unit contract browser lint fmt venv fixtures bench ocr-engines instructions corpus fuzz

help: ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

ingest: ## Build the release binary and run pipelines/default.toml (data/raw -> data/out)
	cargo build --release --locked
	$(CARGO_TARGET_DIR)/release/gongkai ingest --pipeline pipelines/default.toml

report: ingest ## Write the quality report of data/out to data/out/report.html (open it in a browser)
	$(CARGO_TARGET_DIR)/release/gongkai report data/out

query: ## Build gongkai with `gongkai query` (polars SQL; slow the first time) into $(CARGO_TARGET_DIR)/query/
	cargo build --profile query --locked --features query
	@echo "run: $(CARGO_TARGET_DIR)/query/gongkai query data/out \"SELECT ...\""

test: browser unit query-test contract ## Run every test: Rust unit and integration tests, then the Python contract tests

unit: ## Rust unit, integration and doc tests
	cargo test --locked

query-test: ## The `query` feature's tests (builds polars in the query profile)
	cargo test --profile query --locked --features query --test integration query::

browser: ## Install Debian's chromium where missing (the quality report is rendered in it by a test)
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; else \
	    echo "chromium is missing and cannot be installed without root: the browser test will skip"; exit 0; fi; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium || { $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }; }

contract: venv ## Read the output back with DuckDB, pandas and pyarrow (pytest)
	cargo build --locked
	rm -rf $(CONTRACT_OUT) $(CONTRACT_OUT)-partitioned $(CONTRACT_OUT)-sharded $(CONTRACT_OUT)-portal
	$(CARGO_TARGET_DIR)/debug/gongkai ingest data/raw --out $(CONTRACT_OUT) --progress never
	# A crawler dump: the portal's record in `reports`.
	$(CARGO_TARGET_DIR)/debug/gongkai ingest tests/fixtures/portal --out $(CONTRACT_OUT)-portal -q
	# A mixed corpus (some reports fail: exit code 1) as one partitioned dataset, and as four shards.
	$(CARGO_TARGET_DIR)/debug/gongkai ingest data/raw tests/fixtures/formats --out $(CONTRACT_OUT)-partitioned --partition-by year -q || [ $$? -eq 1 ]
	for k in 0 1 2 3; do $(CARGO_TARGET_DIR)/debug/gongkai ingest data/raw tests/fixtures/formats --out $(CONTRACT_OUT)-sharded --shard $$k/4 -q || [ $$? -eq 1 ]; done
	$(CARGO_TARGET_DIR)/debug/gongkai finish $(CONTRACT_OUT)-sharded
	# A generated corpus with every sample in four forms and a next-year report with digits
	# run together: one run against four shards and `gongkai finish` (the checks across
	# reports, the versions and the splits by the previous year cross the shards).
	rm -rf $(CONTRACT_OUT)-mixed $(CONTRACT_OUT)-mixed-one $(CONTRACT_OUT)-mixed-four
	$(CARGO_TARGET_DIR)/debug/gongkai corpus --out $(CONTRACT_OUT)-mixed/generated --count 600
	cp -r data/raw $(CONTRACT_OUT)-mixed/text && cp -r tests/fixtures/formats $(CONTRACT_OUT)-mixed/forms
	cp tests/fixtures/splits/quangang-2022-run-together.txt $(CONTRACT_OUT)-mixed/text/
	$(CARGO_TARGET_DIR)/debug/gongkai ingest $(CONTRACT_OUT)-mixed --out $(CONTRACT_OUT)-mixed-one --partition-by year -q || [ $$? -eq 1 ]
	for k in 0 1 2 3; do $(CARGO_TARGET_DIR)/debug/gongkai ingest $(CONTRACT_OUT)-mixed --out $(CONTRACT_OUT)-mixed-four --shard $$k/4 -q || [ $$? -eq 1 ]; done
	$(CARGO_TARGET_DIR)/debug/gongkai finish $(CONTRACT_OUT)-mixed-four
	GONGKAI_OUT=$(CONTRACT_OUT) $(VENV)/bin/python -m pytest -q tests/contract

bench: ## Throughput per format, at 10k and 100k generated reports, shards + finish, issue 18's targets at 20k and 200k, and OCR's recall and pages/s (figures for the README)
	cargo build --release --locked
	bench/formats.sh $(or $(COPIES),200)
	bench/scale.sh $(or $(SIZES),10000 100000)
	bench/finish.sh $(or $(SIZES),10000 100000)
	bench/targets.sh $(or $(TARGET_SIZES),20000 200000)
	bench/ocr.sh

ocr-engines: ## OCR's recall with PP-OCRv4 (pip's rapidocr_onnxruntime, into a venv) in tesseract's place; slow
	cargo build --release --locked
	bench/ocr-engines.sh

instructions: ## Instructions a run over N (300) generated reports executes, by callgrind (BASELINE=older binary)
	cargo build --release --locked
	bench/instructions.sh $(or $(N),300)

fuzz: ## Run each cargo-fuzz target for FUZZ_SECONDS (default 60; needs nightly and cargo-fuzz)
	fuzz/run.sh $(or $(FUZZ_SECONDS),60)

corpus: ## Write a synthetic corpus of N reports (make corpus N=100000 [OUT=dir] [SEED=1])
	cargo build --release --locked
	$(CARGO_TARGET_DIR)/release/gongkai corpus --out $(or $(OUT),$(CARGO_TARGET_DIR)/bench/corpus-$(N)) --count $(N) --seed $(or $(SEED),1)

lint: ## rustfmt check, clippy and the doc comments' links, warnings are errors
	cargo fmt --all --check
	cargo clippy --all-targets --locked -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --document-private-items --locked

fmt: ## Format the code
	cargo fmt --all

fixtures: venv ## Regenerate tests/fixtures/formats (needs LibreOffice, Chromium and qpdf: apt-get install libreoffice-writer-nogui fonts-noto-cjk chromium qpdf)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/fixtures/formats/requirements.txt
	$(VENV)/bin/python tests/fixtures/formats/generate.py

venv: $(VENV)/.installed ## Create the Python venv for the contract tests (from PyPI)

$(VENV)/.installed: tests/contract/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/contract/requirements.txt
	touch $@
