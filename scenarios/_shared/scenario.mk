# Shared rules of every scenario. A scenario's Makefile sets two variables and includes this file:
#
#   SCENARIO    := <name>        the scenario's name: its directory name (checked by the static level)
#   LIVE_PREREQ := <check>       what the live level needs before it runs anything real:
#                                  multipass         the multipass binary on PATH
#                                  onprem-ssh        ONPREM_SSH_TARGET set, ssh on PATH
#                                  onprem-ssh-arm64  the same, and the target reports arm64
#                                  aws               tofu (OpenTofu) on PATH and AWS credentials
#                                  none              nothing
#   include $(dir $(lastword $(MAKEFILE_LIST)))../_shared/scenario.mk
#
# Targets: scenario-test-static, scenario-test-contract, scenario-test-live (exit 3 after a
# single "[SKIP] <reason>" line when a level cannot run here).
# Reads: GENERATED_DIR (make variable or environment; default <scenario>/generated),
# PK3S_RUN_SCENARIO (the runner's own command line, exported by pk3s-run-scenario/-matrix: the
# checks are its hidden subcommands __static-check, __contract-check, __scenario-env; default
# from a source tree: $(BUN) scripts/run-scenario.ts, BUN defaulting to bun), the TELEMETRY_*
# context propagated by pk3s-run-scenario, PRODUCTIVE_K3S_SOURCE/VERSION/RELEASE_REPO/ENGINE
# (core metadata), PRODUCTIVE_K3S_CORE_BOOTSTRAP (live only). Needs only make and a POSIX shell.

ifndef SCENARIO
$(error SCENARIO is not set: set it to the scenario's name before including scenario.mk)
endif
ifndef LIVE_PREREQ
$(error LIVE_PREREQ is not set: one of multipass, onprem-ssh, onprem-ssh-arm64, aws, none)
endif

SHARED_DIR := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
SCENARIO_DIR := $(patsubst %/,%,$(dir $(abspath $(firstword $(MAKEFILE_LIST)))))
BUN ?= bun
PK3S_RUN_SCENARIO ?= '$(BUN)' '$(abspath $(SHARED_DIR)/../../scripts/run-scenario.ts)'
export PK3S_RUN_SCENARIO
GENERATED_DIR ?= $(SCENARIO_DIR)/generated
override GENERATED_DIR := $(abspath $(GENERATED_DIR))
export GENERATED_DIR

.PHONY: scenario-test-static scenario-test-contract scenario-test-live

scenario-test-static:
	@$(PK3S_RUN_SCENARIO) __static-check "$(SCENARIO_DIR)" "$(SHARED_DIR)" "$(SCENARIO)"

# The contract level always talks to the recording stand-in, never to a configured real core.
scenario-test-contract:
	@mkdir -p "$(GENERATED_DIR)"
	@rm -f "$(GENERATED_DIR)/core-record.env" "$(GENERATED_DIR)/cluster.json"
	@PRODUCTIVE_K3S_CORE_BOOTSTRAP="$(SHARED_DIR)/core-standin.sh" "$(SHARED_DIR)/bootstrap.sh" "$(SCENARIO_DIR)" contract
	@$(PK3S_RUN_SCENARIO) __contract-check "$(SCENARIO_DIR)"

scenario-test-live:
	@"$(SHARED_DIR)/live.sh" "$(SCENARIO_DIR)" "$(LIVE_PREREQ)"
