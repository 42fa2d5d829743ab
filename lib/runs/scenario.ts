// Scenario: the model of one scenario directory (a Makefile, and optionally a scenario.json
// definition), its per-level metadata for the anonymous manifests, and the lookup of a scenario
// by name in one source (README › Scenarios): a --scenarios-dir or PK3S_SCENARIOS_DIR, a
// productive-k3s-profiles checkout (scenarios directly under scenarios/ or one category down),
// or the bundled ones. Pure except for reading directory listings and the definition file.
// Error messages name scenarios and sources, never local paths: they can end up in artifacts.
import { readdirSync, realpathSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import * as v from "valibot";
import type { ScenarioSourceKind } from "../artifacts/records.ts";
import type { TestLevel } from "../telemetry/event.ts";
import { isCompiledPath } from "../telemetry/handoff.ts";
import type { Env } from "../util/env.ts";
import { errorCode, ownUid, readOwnFile } from "../util/fs.ts";
import { CacheError, unpackedBundledScenarios } from "./embedded.ts";

export const SCENARIO_DEFINITION_FILE = "scenario.json";
export const SCENARIO_SCHEMA_VERSION = "1";
/** What makes a directory a scenario. */
export const SCENARIO_MAKEFILE = "Makefile";
/** The make target of each level: `scenario-test-<level>`. */
export const scenarioTarget = (level: TestLevel): string => `scenario-test-${level}`;

/** Scenario names: a directory name, never a path; also valid as an event's `command.scenario`. */
const SCENARIO_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Labels that reach anonymous artifacts: short lowercase identifiers, never free text. */
const LABEL = v.pipe(
  v.string(),
  v.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "must be a lowercase identifier (a-z, 0-9, _ and -)"),
);
const FEATURE_NAME = v.pipe(
  v.string(),
  v.regex(/^[a-z][a-z0-9_]{0,63}$/, "feature names must be snake_case identifiers"),
);

/** An expected node count: a whole number, or "variable" when the operator chooses. */
const NODE_COUNT = v.union(
  [v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10_000)), v.literal("variable")],
  'must be a whole number of nodes (0 or more) or "variable"',
);

export const LevelDefinitionSchema = v.strictObject({
  environment: LABEL,
  topology: LABEL,
  node_count_expected: NODE_COUNT,
  bootstrap_modes_used: v.array(LABEL),
  features: v.record(FEATURE_NAME, v.boolean()),
});
export type LevelDefinition = v.InferOutput<typeof LevelDefinitionSchema>;

export const ScenarioDefinitionSchema = v.strictObject({
  schema_version: v.literal(SCENARIO_SCHEMA_VERSION),
  name: v.pipe(v.string(), v.regex(SCENARIO_NAME, "must be a scenario name (letters, digits, ., _, -)")),
  description: v.optional(v.pipe(v.string(), v.maxLength(500))),
  levels: v.strictObject({
    static: v.optional(LevelDefinitionSchema),
    contract: v.optional(LevelDefinitionSchema),
    live: v.optional(LevelDefinitionSchema),
  }),
});
export type ScenarioDefinition = v.InferOutput<typeof ScenarioDefinitionSchema>;

/** "unknown" marks metadata a scenario does not declare (no definition, or no entry for the level). */
export const UNKNOWN = "unknown";
export type NodeCountExpected = number | "variable" | typeof UNKNOWN;

export interface ScenarioMetadata {
  installation: {
    environment: string;
    topology: string;
    node_count_expected: NodeCountExpected;
    bootstrap_modes_used: string[];
  };
  features: Record<string, boolean>;
}

/** The manifest's `installation` and `features` for one level; `unknown`/`[]`/`{}` when undeclared. */
export function scenarioMetadata(definition: ScenarioDefinition | null, level: TestLevel): ScenarioMetadata {
  const entry = definition?.levels[level];
  if (!entry) {
    return {
      installation: {
        environment: UNKNOWN,
        topology: UNKNOWN,
        node_count_expected: UNKNOWN,
        bootstrap_modes_used: [],
      },
      features: {},
    };
  }
  return {
    installation: {
      environment: entry.environment,
      topology: entry.topology,
      node_count_expected: entry.node_count_expected,
      bootstrap_modes_used: [...entry.bootstrap_modes_used],
    },
    features: { ...entry.features },
  };
}

export type ScenarioErrorKind = "invalid-name" | "unknown" | "unreadable" | "invalid-definition";

export class ScenarioError extends Error {
  override readonly name = "ScenarioError";
  /** The message fit for an artifact: the same, less anything only the operator should see. */
  readonly recordable: string;
  constructor(
    readonly kind: ScenarioErrorKind,
    message: string,
    recordable: string = message,
  ) {
    super(message);
    this.recordable = recordable;
  }
}

/** Why `name` cannot be a scenario name, or null when it can. */
export function scenarioNameProblem(name: string): string | null {
  if (name === "") return "it is empty";
  if (name.includes("\0")) return "it contains a NUL character";
  if (name.includes("/") || name.includes("\\"))
    return "it contains a path separator (give a name, not a path)";
  if (name.includes("..")) return 'it contains ".."';
  if (name.startsWith(".")) return 'it starts with "." (hidden directories are not scenarios)';
  if (name.startsWith("-")) return 'it starts with "-" (it would read as an option)';
  if (name.startsWith("_")) return 'it starts with "_" (reserved for shared helpers such as _shared)';
  if (!SCENARIO_NAME.test(name)) return "use 1-64 letters, digits, '.', '_' or '-'";
  return null;
}

/** Throw ScenarioError("invalid-name") unless `name` is a plain scenario name. */
export function assertScenarioName(name: string): void {
  const problem = scenarioNameProblem(name);
  if (problem === null) return;
  // Echo the name only when it cannot be a path (a path could be a local one).
  const shown = /[/\\\0]/.test(name) || name.length > 64 ? "" : ` ${JSON.stringify(name)}`;
  throw new ScenarioError("invalid-name", `invalid scenario name${shown}: ${problem}`);
}

/** Where a scenario's definition is, as it may be shown: relative, never a local path. */
export const definitionLabel = (name: string): string => `scenarios/${name}/${SCENARIO_DEFINITION_FILE}`;

/** One schema problem as "field.path: problem", with valibot's key messages said plainly. */
export function issueText(issue: v.BaseIssue<unknown>): string {
  const path = v.getDotPath(issue) || "(top level)";
  const isKeyIssue = ["strict_object", "object", "loose_object"].includes(issue.type);
  let message = issue.message;
  if (isKeyIssue && issue.expected === "never") message = "unknown field (not part of the format)";
  else if (isKeyIssue && issue.received === "undefined") message = "missing (required)";
  return `${path}: ${message}`;
}

/** Parse the text of `scenarios/<name>/scenario.json`; throws ScenarioError("invalid-definition"). */
export function parseScenarioDefinition(name: string, text: string): ScenarioDefinition {
  const label = definitionLabel(name);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new ScenarioError("invalid-definition", `${label} is not valid JSON: ${detail}`);
  }
  const parsed = v.safeParse(ScenarioDefinitionSchema, raw);
  if (!parsed.success) {
    const problems = parsed.issues.map(issueText);
    throw new ScenarioError("invalid-definition", `${label} is invalid: ${problems.join("; ")}`);
  }
  if (parsed.output.name !== name) {
    throw new ScenarioError(
      "invalid-definition",
      `${label} is invalid: name: must be ${JSON.stringify(name)} (the scenario's directory name), got ${JSON.stringify(parsed.output.name)}`,
    );
  }
  return parsed.output;
}

/** A scenario definition is a few hundred bytes: anything bigger is not one. */
export const SCENARIO_DEFINITION_MAX_BYTES = 64 * 1024;

/**
 * Whose scenario.json is read: this user's or root's; run as root (a CI container over a
 * checkout another uid owns), anyone's — the type and size checks still hold.
 */
export function definitionOwners(uid: number): number[] | null {
  return uid === 0 ? null : [uid, 0];
}

/**
 * Read the optional definition of the scenario `name` in `dir`: null when there is none. Read
 * only when it is a regular file (not a link, not a FIFO) of definitionOwners() of at most
 * SCENARIO_DEFINITION_MAX_BYTES; anything else is an invalid definition saying why.
 */
export function readScenarioDefinition(name: string, dir: string): ScenarioDefinition | null {
  const path = join(dir, SCENARIO_DEFINITION_FILE);
  const file = readOwnFile(path, SCENARIO_DEFINITION_MAX_BYTES, definitionOwners(ownUid()));
  if (!file.ok) {
    if (file.missing) return null;
    throw new ScenarioError("invalid-definition", `${definitionLabel(name)} cannot be read: ${file.problem}`);
  }
  return parseScenarioDefinition(name, file.text);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The error code when `path` exists but cannot be looked at; null when it is there or simply absent. */
function unreadableCode(path: string): string | null {
  try {
    statSync(path);
    return null;
  } catch (error) {
    const code = errorCode(error);
    return code === undefined || code === "ENOENT" || code === "ENOTDIR" ? null : code;
  }
}

/** A scenario is a directory containing a Makefile. */
export function isScenarioDir(dir: string): boolean {
  return isFile(join(dir, SCENARIO_MAKEFILE));
}

/** The scenario names found in `dirs`: sorted, de-duplicated; `_*` and `.*` are helpers, not scenarios. */
export function listScenarios(dirs: readonly string[]): string[] {
  const names = new Set<string>();
  for (const dir of dirs) {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (scenarioNameProblem(entry) === null && isScenarioDir(join(dir, entry))) names.add(entry);
    }
  }
  return [...names].sort();
}

/** Where scenarios come from: the kind is recorded in manifests, the directory never is. */
export interface ScenarioSource {
  kind: ScenarioSourceKind;
  /** How the source is named in messages: an option or a variable, never a path. */
  label: string;
  /** The option or variable that chose it (null: the bundled scenarios, chosen by default). */
  setting: string | null;
  /** The scenarios root (absolute). For local use only. */
  dir: string;
}

export interface ScenarioSearchOptions {
  /** `--scenarios-dir DIR`. */
  scenariosDir?: string | undefined;
  env: Env;
  bundledDir: string;
  /** Relative directories are taken from here (default: the process's working directory). */
  cwd?: string | undefined;
}

const given = (value: string | undefined): string | null =>
  value !== undefined && value.trim() !== "" ? value : null;

/**
 * The one place scenarios are looked up, the first the operator gave: `--scenarios-dir`, then
 * PK3S_SCENARIOS_DIR, then the productive-k3s-profiles checkout in
 * PRODUCTIVE_K3S_PROFILES_REPO_DIR (its scenarios/); the bundled scenarios only when none is
 * given. A source the operator chose is never topped up with bundled scenarios: a name it
 * lacks is an error, not a silent substitute.
 */
export function scenarioSource(options: ScenarioSearchOptions): ScenarioSource {
  const cwd = options.cwd ?? process.cwd();
  const option = given(options.scenariosDir);
  if (option)
    return {
      kind: "directory",
      label: "--scenarios-dir",
      setting: "--scenarios-dir",
      dir: resolve(cwd, option),
    };
  const envDir = given(options.env.PK3S_SCENARIOS_DIR);
  if (envDir) {
    return {
      kind: "directory",
      label: "PK3S_SCENARIOS_DIR",
      setting: "PK3S_SCENARIOS_DIR",
      dir: resolve(cwd, envDir),
    };
  }
  const profiles = given(options.env.PRODUCTIVE_K3S_PROFILES_REPO_DIR);
  if (profiles) {
    return {
      kind: "profiles",
      label: "scenarios/ of PRODUCTIVE_K3S_PROFILES_REPO_DIR",
      setting: "PRODUCTIVE_K3S_PROFILES_REPO_DIR",
      dir: resolve(cwd, profiles, "scenarios"),
    };
  }
  return {
    kind: "bundled",
    label: "the bundled scenarios",
    setting: null,
    dir: resolve(cwd, options.bundledDir),
  };
}

/** Sub-directories of `root` that may be categories (local/, edge/, cloud/): not hidden, not helpers. */
function categories(root: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(root).sort();
  } catch {
    return [];
  }
  return entries.filter(
    (entry) =>
      scenarioNameProblem(entry) === null &&
      isDirectory(join(root, entry)) &&
      !isScenarioDir(join(root, entry)),
  );
}

/**
 * The directory of scenario `name` under `root`: `root/<name>`, else `root/<category>/<name>`
 * (as a profiles checkout keeps them: scenarios/local/multipass, scenarios/edge/onprem-basic…).
 * Null when there is none; a name in two categories is an error naming both.
 */
export function findScenarioDir(root: string, name: string): string | null {
  const direct = join(root, name);
  if (isScenarioDir(direct)) return direct;
  const hits = categories(root).filter((category) => isScenarioDir(join(root, category, name)));
  if (hits.length > 1) {
    throw new ScenarioError(
      "unknown",
      `scenario ${JSON.stringify(name)} is ambiguous: it is in the categories ${hits.join(", ")}`,
    );
  }
  return hits.length === 1 ? join(root, hits[0] as string, name) : null;
}

export interface ResolvedScenario {
  name: string;
  /** Absolute directory of the scenario. For local use only: never put it in an artifact. */
  dir: string;
  definition: ScenarioDefinition | null;
  /** The kind of source it came from (what a manifest records). */
  source: ScenarioSourceKind;
}

/** Find the scenario `name`; throws ScenarioError (invalid-name, unknown, invalid-definition). */
export function resolveScenario(name: string, options: ScenarioSearchOptions): ResolvedScenario {
  assertScenarioName(name);
  const source = scenarioSource(options);
  const dir = findScenarioDir(source.dir, name);
  if (dir) return { name, dir, definition: readScenarioDefinition(name, dir), source: source.kind };
  // There, but not readable (permissions, a symlink loop …): say so, never "unknown".
  const code = unreadableCode(join(source.dir, name, SCENARIO_MAKEFILE));
  if (code) {
    throw new ScenarioError(
      "unreadable",
      `scenario ${JSON.stringify(name)} in ${source.label} cannot be read (${code})`,
    );
  }
  const quoted = JSON.stringify(name);
  if (source.kind === "bundled") {
    const known = listScenarios([source.dir]);
    throw new ScenarioError(
      "unknown",
      `unknown scenario ${quoted}; bundled scenarios: ${known.length > 0 ? known.join(", ") : "none"} (or set PRODUCTIVE_K3S_PROFILES_REPO_DIR, PK3S_SCENARIOS_DIR or --scenarios-dir)`,
    );
  }
  // The operator's own scenarios are not listed: their names are theirs (they can reach
  // artifacts through a failure reason). Where it looked is named by the option or variable.
  const where = isDirectory(source.dir)
    ? `not found in ${source.label}, directly or one category down`
    : `${source.label} is not a directory`;
  throw new ScenarioError(
    "unknown",
    `unknown scenario ${quoted}: ${where}; the bundled scenarios are not used while ${source.setting} is given`,
  );
}

/**
 * The kind of source a scenario directory given directly (`--dir`, or the reference's positional
 * form a scenario Makefile uses) belongs to: inside the profiles checkout, inside the bundled
 * scenarios, or any other directory.
 */
export function sourceKindOfDir(
  dir: string,
  options: Pick<ScenarioSearchOptions, "env" | "bundledDir" | "cwd">,
): ScenarioSourceKind {
  const cwd = options.cwd ?? process.cwd();
  const real = (path: string): string => {
    try {
      return realpathSync(resolve(cwd, path));
    } catch {
      return resolve(cwd, path);
    }
  };
  const target = real(dir);
  const inside = (root: string) => target.startsWith(`${real(root)}/`);
  const profiles = given(options.env.PRODUCTIVE_K3S_PROFILES_REPO_DIR);
  if (profiles && inside(join(profiles, "scenarios"))) return "profiles";
  if (inside(options.bundledDir)) return "bundled";
  return "directory";
}

export interface Runtime {
  /** import.meta.path of this module. */
  modulePath: string;
  /** import.meta.dir of this module. */
  moduleDir: string;
  /** Bun.main. */
  main: string;
  /** process.execPath. */
  execPath: string;
}

/** Is this a `bun build --compile` binary (modules live in Bun's embedded file system)? */
export function isCompiled(runtime: Pick<Runtime, "modulePath" | "main">): boolean {
  return isCompiledPath(runtime.modulePath) || isCompiledPath(runtime.main);
}

/**
 * The bundled scenarios: `<repo>/scenarios` from source; compiled, the copy the binary carries,
 * unpacked into the per-user cache (embedded.ts), wherever the binary was copied.
 */
export function bundledScenariosDir(
  runtime: Runtime = {
    modulePath: import.meta.path,
    moduleDir: import.meta.dir,
    main: Bun.main,
    execPath: process.execPath,
  },
): string {
  if (isCompiled(runtime)) return unpackedBundledScenarios();
  return resolve(runtime.moduleDir, "..", "..", "scenarios");
}

/**
 * The bundled scenarios' directory for a run whose source is `options` — unpacked (a compiled
 * binary's cache) only when they are the source: "" otherwise, so an unusable cache never stops
 * a run over the operator's own scenarios.
 */
export function bundledDirFor(
  options: Omit<ScenarioSearchOptions, "bundledDir">,
  bundled: () => string = bundledScenariosDir,
): string {
  return scenarioSource({ ...options, bundledDir: "" }).kind === "bundled" ? bundled() : "";
}

/**
 * bundledDirFor, or — a compiled binary that cannot unpack its bundled scenarios (an unusable
 * cache: CacheError) — why not, so that every scenario is recorded failed with that reason and
 * the run still ends with its summary, as when make is missing.
 */
export function bundledLookup(
  options: Omit<ScenarioSearchOptions, "bundledDir">,
  bundled: () => string = bundledScenariosDir,
): { bundledDir: string; problem: null } | { bundledDir: ""; problem: string } {
  try {
    return { bundledDir: bundledDirFor(options, bundled), problem: null };
  } catch (error) {
    if (error instanceof CacheError) return { bundledDir: "", problem: error.message };
    throw error;
  }
}

/** bundledScenariosDir(), or "" when a compiled binary cannot unpack them (to classify a --dir). */
export function bundledDirIfUsable(bundled: () => string = bundledScenariosDir): string {
  try {
    return bundled();
  } catch (error) {
    if (error instanceof CacheError) return "";
    throw error;
  }
}
