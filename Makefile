# pk3s-infra-telemetry — the front door. `make help` lists the targets.
# Works on a fresh machine with only Node.js, npm and make: Bun comes from the npm registry.

SHELL := /bin/bash
.DEFAULT_GOAL := help

BUN_VERSION := 1.4.5
TOOLS_DIR := $(CURDIR)/.tools
LOCAL_BUN := $(TOOLS_DIR)/node_modules/.bin/bun
SYSTEM_BUN := $(shell command -v bun 2>/dev/null)
ifeq ($(SYSTEM_BUN),)
BUN := $(LOCAL_BUN)
BUN_DEP := $(LOCAL_BUN)
else
BUN := $(SYSTEM_BUN)
BUN_DEP :=
endif
# Nested makes (scenario Makefiles) and tests find the same Bun.
export PATH := $(TOOLS_DIR)/node_modules/.bin:$(PATH)

DEPS := node_modules/.installed
SCRIPTS := $(notdir $(basename $(wildcard scripts/*.ts)))
BINARIES := $(addprefix dist/pk3s-,$(SCRIPTS))
SOURCES := $(wildcard lib/*.ts) package.json

.PHONY: help setup test lint format typecheck unit build bench clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-20s %s\n", $$1, $$2}'

$(LOCAL_BUN):
	@echo "bun not on PATH: installing bun@$(BUN_VERSION) from the npm registry into .tools/"
	npm install --prefix "$(TOOLS_DIR)" --no-save --no-package-lock --no-audit --no-fund --loglevel=error bun@$(BUN_VERSION)
	@test -x "$@"

$(DEPS): package.json bun.lock $(BUN_DEP)
	"$(BUN)" install --frozen-lockfile
	@touch $@

setup: $(DEPS) ## Install Bun (if missing) and the locked dependencies

test: lint typecheck unit ## Lint (Biome), type-check (tsc --noEmit) and run every test

lint: $(DEPS) ## Biome lint and format check
	node_modules/.bin/biome check .

format: $(DEPS) ## Apply Biome formatting and safe fixes
	node_modules/.bin/biome check --write .

typecheck: $(DEPS) ## tsc --noEmit over scripts, lib, test, bench
	node_modules/.bin/tsc --noEmit -p .

unit: $(DEPS) ## bun test (real processes, loopback HTTP, pseudo-terminals)
	"$(BUN)" test --timeout 60000

build: $(BINARIES) ## Compile every script into a standalone binary dist/pk3s-<script>

dist/pk3s-%: scripts/%.ts $(SOURCES) $(DEPS)
	@mkdir -p dist
	"$(BUN)" build --compile --minify --bytecode "$<" --outfile "$@"

bench: build ## Print performance figures (medians) against same-run baselines
	@for f in bench/*.bench.ts; do "$(BUN)" "$$f" || exit 1; done

clean: ## Remove dist/, node_modules/ and the bootstrapped Bun
	rm -rf dist node_modules .tools
