// Static level check (the bundled scenarios' scenario-test-static): validates a scenario's own
// files without running anything real — its scenario.json against the definition schema, that
// its Makefile defines the three level targets, that every *.sh of the scenario and of _shared
// passes `sh -n`, and that the shared scripts the targets execute are executable. Prints what it
// checked; exits 1 on a problem. Reached as the hidden subcommand `__static-check` of
// pk3s-run-scenario / pk3s-run-matrix (commands.ts; docs/scenarios.md).
import { accessSync, constants, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import {
  isScenarioDir,
  readScenarioDefinition,
  ScenarioError,
  scenarioNameProblem,
  scenarioTarget,
} from "../runs/scenario.ts";
import { LEVELS } from "../telemetry/event.ts";

/** Every *.sh under `dir`, skipping generated output and hidden directories. */
function shellScripts(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!entry.name.startsWith(".") && entry.name !== "generated") found.push(...shellScripts(path));
    } else if (entry.name.endsWith(".sh")) {
      found.push(path);
    }
  }
  return found.sort();
}

/** The environment for child processes: no telemetry context (never the token), no parent make. */
function quietEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, val] of Object.entries(process.env)) {
    if (val === undefined || k.startsWith("TELEMETRY_")) continue;
    if (k === "MAKEFLAGS" || k === "MFLAGS" || k === "MAKELEVEL" || k === "MAKEOVERRIDES") continue;
    env[k] = val;
  }
  return env;
}

export function staticCheck(scenarioDir: string, declared: string | undefined, sharedDir: string) {
  const dir = resolve(scenarioDir);
  const name = basename(dir);
  const shown = (path: string) => relative(dirname(dir), path) || name;
  const shownShared = (path: string) => relative(dirname(sharedDir), path);
  const checked: string[] = [];
  const problems: string[] = [];

  const nameProblem = scenarioNameProblem(name);
  if (nameProblem) problems.push(`the directory name is not a scenario name: ${nameProblem}`);
  if (declared !== undefined && declared !== name) {
    problems.push(`the Makefile sets SCENARIO to ${JSON.stringify(declared)}, not its directory name`);
  }

  try {
    const definition = readScenarioDefinition(name, dir);
    if (definition === null) {
      checked.push("no scenario.json: its metadata reads unknown");
    } else {
      const levels = LEVELS.filter((level) => definition.levels[level]);
      const missing = LEVELS.filter((level) => !definition.levels[level]);
      checked.push(
        `scenario.json valid (levels: ${levels.join(", ") || "none"}${missing.length ? `; unknown for ${missing.join(", ")}` : ""})`,
      );
    }
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    problems.push(error.message);
  }

  if (!isScenarioDir(dir)) {
    problems.push("no Makefile");
  } else {
    const env = quietEnv();
    const undefinedTargets = LEVELS.map(scenarioTarget).filter((target) => {
      const run = Bun.spawnSync(["make", "--no-print-directory", "-n", "-C", dir, target], {
        env,
        stdout: "ignore",
        stderr: "ignore",
      });
      return run.exitCode !== 0;
    });
    if (undefinedTargets.length > 0)
      problems.push(`the Makefile does not define ${undefinedTargets.join(", ")}`);
    else checked.push(`Makefile defines ${LEVELS.map(scenarioTarget).join(", ")}`);
  }

  const scripts = [...shellScripts(dir), ...shellScripts(sharedDir)];
  const syntaxErrors = scripts.filter(
    (script) => Bun.spawnSync(["sh", "-n", script], { env: quietEnv(), stdout: "ignore" }).exitCode !== 0,
  );
  for (const script of syntaxErrors) {
    const label = script.startsWith(sharedDir) ? shownShared(script) : shown(script);
    problems.push(`${label} fails sh -n`);
  }
  const labels = scripts.map((s) => (s.startsWith(sharedDir) ? shownShared(s) : shown(s)));
  if (syntaxErrors.length === 0) checked.push(`sh -n ok: ${labels.join(", ")}`);

  for (const script of shellScripts(sharedDir)) {
    try {
      if (!statSync(script).isFile()) continue;
      accessSync(script, constants.X_OK);
    } catch {
      problems.push(`${shownShared(script)} is not executable`);
    }
  }
  return { name, checked, problems };
}

/** `__static-check <scenario-dir> <shared-dir> [<SCENARIO as the Makefile declares it>]`. */
export function staticCheckMain(args: string[]): number {
  const [scenarioDir, sharedDir, declared] = args;
  if (!scenarioDir || !sharedDir) {
    console.error("usage: __static-check <scenario-dir> <shared-dir> [<scenario-name>]");
    return 64;
  }
  const { name, checked, problems } = staticCheck(scenarioDir, declared, resolve(sharedDir));
  for (const line of checked) console.log(`[static] ${name}: ${line}`);
  for (const problem of problems) console.error(`[static] ${name}: problem: ${problem}`);
  if (problems.length > 0) {
    console.error(`[static] ${name}: ${problems.length} problem(s)`);
    return 1;
  }
  console.log(`[static] ${name}: ok`);
  return 0;
}
