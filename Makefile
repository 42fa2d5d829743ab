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
SOURCES := $(wildcard lib/*/*.ts) $(wildcard lib/*/*.txt) package.json

# The bundled default scenarios; override with SCENARIOS="a b".
SCENARIOS ?= multipass onprem-basic onprem-basic-arm aws-single-node
JOBS ?= 2
LEVEL ?= static
SCENARIO ?=
MATRIX := "$(BUN)" scripts/run-matrix.ts
TELEMETRY := $(MATRIX) telemetry
ARTIFACTS := $(MATRIX)

.PHONY: help setup run test lint format typecheck unit build bench clean schemas dist install FORCE \
	test-static test-contract test-live test-matrix-all scenario-test test-checkstatus test-clean \
	telemetry-status telemetry-enable telemetry-disable telemetry-reset

run: test-matrix-all ## The main job: the matrix over the bundled scenarios at every level, then a summary

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-20s %s\n", $$1, $$2}'

$(LOCAL_BUN):
	@echo "bun not on PATH: installing bun@$(BUN_VERSION) from the npm registry into .tools/"
	@NPM_CONFIG_UPDATE_NOTIFIER=false npm install --prefix "$(TOOLS_DIR)" --no-save --no-package-lock --no-audit --no-fund --no-update-notifier --loglevel=error bun@$(BUN_VERSION)
	@test -x "$@"

$(DEPS): package.json bun.lock $(BUN_DEP)
	"$(BUN)" install --frozen-lockfile
	@touch $@

setup: $(DEPS) ## Install Bun (if missing) and the locked dependencies

test: lint typecheck unit ## Lint (Biome), type-check (tsc --noEmit) and run every test

lint: $(DEPS) ## Biome lint and format check
	node_modules/.bin/biome check --error-on-warnings .

format: $(DEPS) ## Apply Biome formatting and safe fixes
	node_modules/.bin/biome check --write .

typecheck: $(DEPS) ## tsc --noEmit over scripts, lib, test, bench, tools, scenarios
	node_modules/.bin/tsc --noEmit -p .

# Failures in full and a summary, not a line per passing test; the last line is the plain
# "N passed, N failed" that CI reads. pipefail keeps bun's exit status through the filter.
# TESTS=<files>: only those test files.
unit: $(DEPS) ## bun test (real processes, loopback HTTP, pseudo-terminals): failures and a summary
	@set -o pipefail; "$(BUN)" test --timeout 60000 --only-failures $(TESTS) 2>&1 | awk '{ print } \
	  /^ *[0-9]+ pass$$/ { pass = $$1 } /^ *[0-9]+ fail$$/ { fail = $$1 } \
	  END { if (pass != "" || fail != "") printf "%d passed, %d failed\n", pass, fail }'

test-static: $(DEPS) ## Matrix of the bundled scenarios at the static level
	@$(MATRIX) static $(SCENARIOS) --jobs $(JOBS)

test-contract: $(DEPS) ## Matrix of the bundled scenarios at the contract level
	@$(MATRIX) contract $(SCENARIOS) --jobs $(JOBS)

test-live: $(DEPS) ## Matrix of the bundled scenarios at the live level (skips without prerequisites)
	@$(MATRIX) live $(SCENARIOS)

# An interrupted level (exit 130 after Ctrl-C, 143 after SIGTERM) ends the loop with its status.
test-matrix-all: $(DEPS) ## static, contract and live (one consent question, one session), then the status of this run
	@status=0; since=$$(date -u +%Y-%m-%dT%H:%M:%SZ); \
	TELEMETRY_ENABLED=$$($(MATRIX) consent) || exit $$?; export TELEMETRY_ENABLED; \
	TELEMETRY_SESSION_ID=$${TELEMETRY_SESSION_ID:-$$("$(BUN)" -e 'console.log(Bun.randomUUIDv7())')}; \
	export TELEMETRY_SESSION_ID; \
	for level in static contract live; do \
	  $(MATRIX) $$level $(SCENARIOS) --jobs $(JOBS) || { rc=$$?; case $$rc in 130|143) exit $$rc;; esac; status=1; }; \
	  echo; \
	done; \
	$(ARTIFACTS) status --since $$since || status=1; \
	exit $$status

scenario-test: $(DEPS) ## One scenario: make scenario-test LEVEL=static SCENARIO=multipass
	@test -n "$(SCENARIO)" || { echo "usage: make scenario-test LEVEL=static|contract|live SCENARIO=<name>" >&2; exit 2; }
	@"$(BUN)" scripts/run-scenario.ts $(LEVEL) $(SCENARIO)

test-checkstatus: $(DEPS) ## Latest result per scenario and level ([OK]/[SKIP]/[FAIL]); TEST_SCENARIO filters; exit 1 on a fail
	@$(ARTIFACTS) status

test-clean: $(DEPS) ## Remove the test artifacts the tools wrote (only SCENARIO's, or TEST_SCENARIO's, when given)
	@$(ARTIFACTS) clean $(SCENARIO)

telemetry-status: $(DEPS) ## Is telemetry on, which rule decided, endpoint host, what is queued (JSON=1: as JSON)
	@$(TELEMETRY) status $(if $(filter 1 true yes,$(JSON)),--json)

telemetry-enable: $(DEPS) ## Remember "yes" for runs at a terminal (CI stays off unless TELEMETRY_ENABLED=true)
	@$(TELEMETRY) enable

telemetry-disable: $(DEPS) ## Remember "no" for runs at a terminal
	@$(TELEMETRY) disable

telemetry-reset: $(DEPS) ## Forget the remembered answer: the next run at a terminal asks again
	@$(TELEMETRY) reset

schemas: $(DEPS) ## Regenerate schemas/*.json from the valibot schemas
	@"$(BUN)" tools/gen-schemas.ts

build: $(BINARIES) ## Compile every script into a standalone binary dist/pk3s-<script>

# The commit --version reports (`<hash>-dirty` with uncommitted changes, "unknown" outside git);
# dist/.commit changes only when it does, so the binaries are rebuilt for a new commit.
GIT_COMMIT := $(shell c=$$(git rev-parse --short=12 HEAD 2>/dev/null) || c=unknown; \
	[ "$$c" = unknown ] || [ -z "$$(git status --porcelain --untracked-files=no 2>/dev/null)" ] || c="$$c-dirty"; echo "$$c")
COMMIT_STAMP := dist/.commit
$(COMMIT_STAMP): FORCE
	@mkdir -p dist; echo '$(GIT_COMMIT)' | cmp -s - $@ || echo '$(GIT_COMMIT)' > $@
FORCE:

# --splitting: code reached only through import() (delivery for pk3s-emit, which only queues)
# is a separate chunk inside the binary, loaded when first needed rather than at every start.
COMPILE = "$(BUN)" build --compile --splitting --minify --bytecode --format=esm --no-compile-autoload-dotenv \
	--no-compile-autoload-bunfig --define 'PK3S_BUILD_COMMIT="$(GIT_COMMIT)"'
# pk3s-emit lives a few milliseconds: JIT tiering later than normal saves start-up work there.
FLAGS_emit := --compile-jit-policy=100
# The bundled scenarios ride inside the two runners (--asset), unpacked to a per-user cache at
# first use (lib/runs/embedded.ts): a binary copied anywhere runs them with only make beside it.
# They are staged as a clean copy first (no generated/ output, no hidden files).
EMBED_DIR := dist/.embed
FLAGS_run-scenario := --asset=$(EMBED_DIR)/scenarios
FLAGS_run-matrix := --asset=$(EMBED_DIR)/scenarios
SCENARIO_FILES := $(shell find scenarios -name generated -prune -o -name '.*' -prune -o -type f -print | LC_ALL=C sort)
BUILD_INPUTS := $(SOURCES) $(EMBED_DIR)/.stamp $(COMMIT_STAMP) $(DEPS) Makefile

$(EMBED_DIR)/.stamp: $(SCENARIO_FILES) Makefile
	@rm -rf "$(EMBED_DIR)/scenarios" && mkdir -p "$(EMBED_DIR)"
	@tar cf - $(SCENARIO_FILES) | tar xf - -C "$(EMBED_DIR)"
	@touch $@

dist/pk3s-%: scripts/%.ts $(BUILD_INPUTS)
	@mkdir -p dist
	@echo "bun build --compile $< -> $@"
	@$(COMPILE) $(FLAGS_$*) "$<" --outfile "$@"

# Release: one tarball per platform (the four binaries, README.md, LICENSE) and SHA256SUMS.
# Bun cross-compiles with --target; each target's runtime is the @oven/bun-<os>-<arch> package
# of the same Bun version from the npm registry (npm pack), given to --compile-executable-path.
VERSION := $(shell sed -n 's/^  "version": "\(.*\)",$$/\1/p' package.json)
PACKAGE := pk3s-infra-telemetry-$(VERSION)
PLATFORMS ?= linux-x64 linux-arm64 darwin-x64 darwin-arm64
RELEASE_DIR := dist/release
RUNTIMES_DIR := $(TOOLS_DIR)/runtimes/$(BUN_VERSION)
TARBALLS = $(foreach p,$(PLATFORMS),$(RELEASE_DIR)/$(PACKAGE)-$(p).tar.gz)
SHA256 := $(shell command -v sha256sum >/dev/null 2>&1 && echo sha256sum || echo 'shasum -a 256')

# Kept between runs (make would remove them as intermediate files).
.PRECIOUS: $(RUNTIMES_DIR)/%/bun
$(RUNTIMES_DIR)/%/bun:
	@mkdir -p "$(@D)"
	@echo "fetching the Bun $(BUN_VERSION) runtime for $* from the npm registry"
	@cd "$(@D)" && rm -rf package ./*.tgz && \
		npm pack --silent --loglevel=error "@oven/bun-$(subst arm64,aarch64,$*)@$(BUN_VERSION)" >/dev/null && \
		tar xzf ./*.tgz package/bin/bun && mv package/bin/bun bun && rm -rf package ./*.tgz
	@test -s "$@"

$(RELEASE_DIR)/$(PACKAGE)-%.tar.gz: $(RUNTIMES_DIR)/%/bun $(wildcard scripts/*.ts) $(BUILD_INPUTS) README.md LICENSE
	@rm -rf "$(RELEASE_DIR)/$(PACKAGE)-$*" && mkdir -p "$(RELEASE_DIR)/$(PACKAGE)-$*"
	$(foreach s,$(SCRIPTS),$(COMPILE) --target=bun-$* --compile-executable-path="$<" $(FLAGS_$(s)) \
		scripts/$(s).ts --outfile "$(RELEASE_DIR)/$(PACKAGE)-$*/pk3s-$(s)" &&) true
	cp README.md LICENSE "$(RELEASE_DIR)/$(PACKAGE)-$*/"
	tar -C "$(RELEASE_DIR)" -czf "$@.tmp" "$(PACKAGE)-$*" && mv -f "$@.tmp" "$@"
	@rm -rf "$(RELEASE_DIR)/$(PACKAGE)-$*"

dist: $(TARBALLS) ## Release tarballs for PLATFORMS (linux/darwin x64/arm64) and SHA256SUMS, in dist/release/
	cd "$(RELEASE_DIR)" && $(SHA256) $(notdir $(TARBALLS)) > SHA256SUMS.tmp && mv -f SHA256SUMS.tmp SHA256SUMS
	@cat "$(RELEASE_DIR)/SHA256SUMS"

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DOCDIR ?= $(PREFIX)/share/doc/pk3s-infra-telemetry
install: build ## Install the four binaries into PREFIX/bin (README, LICENSE into share/doc): make install PREFIX=…
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(DOCDIR)"
	install -m 0755 $(BINARIES) "$(DESTDIR)$(BINDIR)/"
	install -m 0644 README.md LICENSE "$(DESTDIR)$(DOCDIR)/"

bench: build ## Print performance figures (medians) against same-run baselines
	@for f in bench/*.bench.ts; do "$(BUN)" "$$f" || exit 1; done

clean: ## Remove dist/, node_modules/ and the bootstrapped Bun
	rm -rf dist node_modules .tools
