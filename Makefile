# coopsim: one entry point. `make run` and `make test` each do the whole set-up.
SWIFT ?= swift
BIN := .build/release/coopsim

.PHONY: setup build run test clean

setup:
	@bash scripts/setup.sh

build: setup
	$(SWIFT) build -c release --product coopsim

run: build
	bash scripts/run-shipped.sh $(BIN)

test: setup
	$(SWIFT) build -c release --product coopsim
	COOPSIM_BIN=$(CURDIR)/$(BIN) $(SWIFT) test

clean:
	rm -rf .build out
