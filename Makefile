# coopsim: one entry point. `make run` and `make test` each do the whole set-up.
SWIFT ?= swift
BIN := .build/release/coopsim

.PHONY: setup build run test clean

setup:
	@bash scripts/setup.sh

build: setup
	@[ -x $(BIN) ] || echo "make: building coopsim in release mode for the first time; this takes several minutes (later builds are incremental)" >&2
	$(SWIFT) build -c release --product coopsim

run: build
	bash scripts/run-shipped.sh $(BIN)

test: setup
	@[ -x $(BIN) ] || echo "make: building coopsim in release mode for the first time; this takes several minutes (later builds are incremental)" >&2
	$(SWIFT) build -c release --product coopsim
	COOPSIM_BIN=$(CURDIR)/$(BIN) $(SWIFT) test --disable-swift-testing

clean:
	rm -rf .build out

# Regenerates Notebooks-export/ (reports of the shipped plans); the tests check it is up to date.
notebooks: build
	bash scripts/export-notebooks.sh $(BIN)

# Re-draws the synthetic panel from Scenarios/truth.toml and refits Scenarios/calibration.toml on it
# (see Scenarios/data/README.md). Deterministic: rerunning changes nothing.
calibration: build
	$(BIN) synth --model Scenarios/model.toml --truth Scenarios/truth.toml --regions 40 --years 2010:2023 --seed 20240101 --out Scenarios/data/synthetic_panel.csv
	$(BIN) calibrate Scenarios/data/synthetic_panel.csv --model Scenarios/model.toml --out Scenarios/calibration.toml \
		--fitted-on "synthetic panel Scenarios/data/synthetic_panel.csv (coopsim synth from Scenarios/truth.toml: 40 made-up regions, 2010-2023, seed 20240101), not observed data" \
		--fitted-on-vi "bảng số liệu mô phỏng Scenarios/data/synthetic_panel.csv (coopsim synth tạo từ Scenarios/truth.toml: 40 địa bàn giả định, 2010–2023, số khởi tạo ngẫu nhiên 20240101), không phải số liệu quan sát thực tế" \
		--illustrative

.PHONY: notebooks calibration

# Performance suite (Benchmarks/, a nested package; see Benchmarks/README.md).
# The peer runs unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for their own commands only, so that
# both OpenBLAS copies (coopsim's and numpy's) pick their kernels from the CPU; peers.py reports them.
PEERS_ENV := env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE COOPSIM_BENCH_UNSET_CORETYPE=$(OPENBLAS_CORETYPE)
PEERS_ARGS ?=

.PHONY: bench bench-peers bench-smoke bench-peers-build bench-serve

bench-peers-build: setup
	@[ -x $(BIN) ] || echo "make: building coopsim in release mode for the first time; this takes several minutes (later builds are incremental)" >&2
	$(SWIFT) build -c release --product coopsim
	$(SWIFT) build -c release --package-path Benchmarks --product coopsim-peers
	@python3 -c "import numpy, statsmodels" || { echo "bench-peers needs numpy and statsmodels (pip install numpy statsmodels)" >&2; exit 1; }
	@python3 -c "import threadpoolctl" 2>/dev/null || python3 -m pip install -q threadpoolctl || true

bench-peers: bench-peers-build
	$(PEERS_ENV) python3 Benchmarks/peers/peers.py $(PEERS_ARGS)

bench-smoke: bench-peers-build
	$(PEERS_ENV) python3 Benchmarks/peers/peers.py --quick $(PEERS_ARGS)

bench: setup
	cd Benchmarks && $(SWIFT) package benchmark

# Response time of `coopsim serve` for a lever change on the HCMC plan (Guides/Explorer.md); wall clock: quiet machine.
bench-serve: build
	python3 Benchmarks/peers/serve_latency.py --bin $(BIN)

# libFuzzer targets for the CSV reader, the TOML parser and the formula/expression parsers
# (Fuzz/, a nested package built with --sanitize=fuzzer,address; not part of make test):
# each runs FUZZ_SECONDS on a copy of its seed corpus Fuzz/Corpus/<target>/.
FUZZ_SECONDS ?= 10

.PHONY: fuzz

fuzz: setup
	cd Fuzz && $(SWIFT) build --sanitize=fuzzer --sanitize=address
	bash scripts/fuzz.sh $(FUZZ_SECONDS)
