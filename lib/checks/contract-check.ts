// Contract level check (the bundled scenarios' scenario-test-contract): after bootstrap.sh has handed over to the recording stand-in, verify
// the propagation contract in the README › Consent, correlation, delivery against the environment make received (this process's
// environment): what productive-k3s-core saw (GENERATED_DIR/core-record.env) and what it wrote
// (GENERATED_DIR/cluster.json, allowed metadata only). Every comparison happens in here; the
// token is read from the environment only and never printed. Violations name their rule.
// Reached as the hidden subcommand `__contract-check <scenario-dir>` of pk3s-run-scenario /
// pk3s-run-matrix (commands.ts); GENERATED_DIR defaults to <scenario-dir>/generated.
import { readdirSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import * as v from "valibot";
import { issueText, readScenarioDefinition, ScenarioError, scenarioMetadata } from "../runs/scenario.ts";
import { readOwnFile } from "../util/fs.ts";

type Env = import("../util/env.ts").Env;

export interface Violation {
  rule: string;
  message: string;
}

/** Variables that must reach the core exactly as make received them. */
const PASSED_THROUGH = [
  "TELEMETRY_ENDPOINT",
  "TELEMETRY_MARKER",
  "TELEMETRY_MAX_RETRIES",
  "TELEMETRY_CONNECT_TIMEOUT_SECONDS",
  "TELEMETRY_REQUEST_TIMEOUT_SECONDS",
  "TELEMETRY_OUTBOX_DIR",
  "TELEMETRY_USER_AGENT",
  "TELEMETRY_COMPONENT",
] as const;
/** Of those, the ones that must also be non-empty (an empty endpoint means "queue only"). */
const NON_EMPTY = new Set<string>(PASSED_THROUGH.filter((name) => name !== "TELEMETRY_ENDPOINT"));

/** Values that identify this run or its operator: none may appear in cluster.json. */
const NOT_IN_CLUSTER_JSON = [
  "TELEMETRY_BEARER_TOKEN",
  "TELEMETRY_ENDPOINT",
  "TELEMETRY_SESSION_ID",
  "TELEMETRY_RUN_ID",
  "TELEMETRY_PARENT_RUN_ID",
  "TELEMETRY_OUTBOX_DIR",
  "TELEMETRY_MARKER",
  "TELEMETRY_USER_AGENT",
] as const;

const META = v.pipe(v.string(), v.regex(/^[A-Za-z0-9._+:@/-]{1,128}$/));
/** cluster.json as productive-k3s-core may write it: these keys and nothing else. */
export const ClusterJsonSchema = v.strictObject({
  productive_k3s: v.strictObject({ source: META, version: META, release_repo: META, engine: META }),
  installation: v.strictObject({
    topology: META,
    node_count_expected: v.union([
      v.pipe(v.number(), v.integer(), v.minValue(0)),
      v.literal("variable"),
      v.literal("unknown"),
    ]),
  }),
});

/** Parse the stand-in's record: NAME=value lines, values POSIX-shell-quoted ('...' and \'). */
export function parseRecord(text: string): Map<string, string> {
  const record = new Map<string, string>();
  let i = 0;
  while (i < text.length) {
    if (text[i] === "\n") {
      i++;
      continue;
    }
    if (text[i] === "#") {
      const end = text.indexOf("\n", i);
      i = end < 0 ? text.length : end + 1;
      continue;
    }
    const eq = text.indexOf("=", i);
    const name = eq < 0 ? "" : text.slice(i, eq);
    if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) throw new Error("malformed line");
    i = eq + 1;
    let value = "";
    while (i < text.length && text[i] !== "\n") {
      if (text[i] === "'") {
        const close = text.indexOf("'", i + 1);
        if (close < 0) throw new Error(`unterminated quote in ${name}`);
        value += text.slice(i + 1, close);
        i = close + 1;
      } else if (text.startsWith("\\'", i)) {
        value += "'";
        i += 2;
      } else {
        value += text[i];
        i++;
      }
    }
    record.set(name, value);
  }
  return record;
}

export interface ContractInput {
  /** The environment make received. */
  env: Env;
  /** The core's record, or null when it left none (or an unreadable one). */
  record: Map<string, string> | null;
  /** cluster.json's text, or null when missing. */
  clusterJson: string | null;
  /**
   * Every file in the generated directory: a shown name and its content, or — not read: over
   * GENERATED_FILE_MAX_BYTES, not a regular file of this user — null and why.
   */
  generatedFiles: GeneratedFile[];
  /** What the scenario's definition says for the contract level. */
  expected: { topology: string; node_count_expected: number | string };
}

/** Every violated rule (empty: the contract holds). */
export function checkContract(input: ContractInput): Violation[] {
  const { env, record } = input;
  const violations: Violation[] = [];
  const fail = (rule: string, message: string) => violations.push({ rule, message });
  const token = env.TELEMETRY_BEARER_TOKEN ?? "";
  const enabled = env.TELEMETRY_ENABLED;

  if (enabled !== "true" && enabled !== "false") {
    fail("enabled", "make did not receive TELEMETRY_ENABLED as true or false");
  }
  if (enabled !== "true" && token !== "") {
    fail("token-only-when-enabled", "make received TELEMETRY_BEARER_TOKEN while telemetry is disabled");
  }
  if (record === null) {
    fail("core-record", "the productive-k3s-core stand-in left no readable core-record.env");
  } else {
    const session = env.TELEMETRY_SESSION_ID ?? "";
    if (session === "") fail("session-id", "make did not receive TELEMETRY_SESSION_ID");
    else if (record.get("TELEMETRY_SESSION_ID") !== session) {
      fail("session-id", "the core did not see the TELEMETRY_SESSION_ID make received");
    }
    const parent = env.TELEMETRY_PARENT_RUN_ID ?? "";
    const coreParent = record.get("TELEMETRY_PARENT_RUN_ID") ?? "";
    if (coreParent === "" || coreParent !== parent) {
      fail("parent-run-id", "the core's TELEMETRY_PARENT_RUN_ID is not the scenario run's id make received");
    }
    if ((record.get("TELEMETRY_RUN_ID") ?? "") !== "") {
      fail(
        "run-id-empty",
        "TELEMETRY_RUN_ID reached the core non-empty: the core must generate its own run id",
      );
    }
    const coreEnabled = record.get("TELEMETRY_ENABLED");
    if (coreEnabled !== "true" && coreEnabled !== "false") {
      fail("enabled", "the core did not receive TELEMETRY_ENABLED as true or false");
    } else if (coreEnabled !== enabled) {
      fail("enabled", "the core's TELEMETRY_ENABLED differs from what make received");
    }
    for (const name of PASSED_THROUGH) {
      const given = env[name];
      const seen = record.get(name);
      if (given === undefined || (NON_EMPTY.has(name) && given === "")) {
        fail("present", `make did not receive ${name} (pk3s-run-scenario propagates it)`);
      } else if (seen === undefined || (NON_EMPTY.has(name) && seen === "")) {
        fail("present", `${name} did not reach the core`);
      } else if (seen !== given) {
        fail("present", `${name} reached the core with a value other than the one make received`);
      }
    }
    const coreHasToken = record.get("TELEMETRY_BEARER_TOKEN_PRESENT");
    if (coreHasToken !== "true" && coreHasToken !== "false") {
      fail("core-record", "the core's record does not say whether a bearer token was present");
    } else if (coreHasToken === "true" && coreEnabled !== "true") {
      fail("token-only-when-enabled", "the core received a bearer token while telemetry is disabled");
    } else if (coreHasToken === "false" && enabled === "true" && token !== "") {
      fail("token-propagated", "telemetry is enabled with a bearer token, but the core did not receive it");
    }
  }

  checkClusterJson(input, fail);

  if (token.length >= 4) {
    for (const file of input.generatedFiles) {
      if (file.content === null) {
        fail("token-not-on-disk", `${file.name} could not be checked for the bearer token: ${file.problem}`);
      } else if (file.content.includes(token)) {
        fail("token-not-on-disk", `${file.name} contains the bearer token`);
      }
    }
  }
  return violations;
}

function checkClusterJson(input: ContractInput, fail: (rule: string, message: string) => void): void {
  if (input.clusterJson === null) {
    fail("cluster-json", "the core wrote no cluster.json");
    return;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(input.clusterJson);
  } catch {
    fail("cluster-json", "cluster.json is not valid JSON");
    return;
  }
  const parsed = v.safeParse(ClusterJsonSchema, raw);
  if (!parsed.success) {
    for (const issue of parsed.issues) fail("cluster-json-allowed-keys", `cluster.json ${issueText(issue)}`);
  }
  const strings = collectStrings(raw);
  for (const name of NOT_IN_CLUSTER_JSON) {
    const value = input.env[name] ?? "";
    if (value === "") continue;
    const leaked =
      strings.includes(value) ||
      (value.length >= 8 && input.clusterJson.includes(value)) ||
      (value.length >= 8 && strings.some((s) => s.includes(value)));
    if (leaked) fail("cluster-json-no-telemetry", `cluster.json contains the value of ${name}`);
  }
  if (parsed.success) {
    const { topology, node_count_expected } = parsed.output.installation;
    if (topology !== input.expected.topology || node_count_expected !== input.expected.node_count_expected) {
      fail("cluster-json-installation", "cluster.json's installation differs from the scenario definition");
    }
  }
}

/** Every string in a JSON value, keys included. */
function collectStrings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(collectStrings);
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, val]) => [k, ...collectStrings(val)]);
  }
  return [];
}

/** core-record.env and cluster.json are a few hundred bytes: anything bigger is not theirs. */
export const RECORD_MAX_BYTES = 64 * 1024;
/** The most of one generated file that is read to look for the token; a bigger one is a violation. */
export const GENERATED_FILE_MAX_BYTES = 8 * 1024 * 1024;

export type GeneratedFile =
  | { name: string; content: string }
  | { name: string; content: null; problem: string };

/** A file the scenario wrote, read only as a regular file of this user under RECORD_MAX_BYTES. */
function readOrNull(path: string): string | null {
  const file = readOwnFile(path, RECORD_MAX_BYTES);
  return file.ok ? file.text : null;
}

function filesUnder(dir: string, prefix = ""): GeneratedFile[] {
  const files: GeneratedFile[] = [];
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return files;
  }
  for (const entry of entries) {
    const name = `${prefix}${entry.name}`;
    if (entry.isDirectory()) files.push(...filesUnder(join(dir, entry.name), `${name}/`));
    else if (entry.isFile()) {
      const file = readOwnFile(join(dir, entry.name), GENERATED_FILE_MAX_BYTES);
      files.push(file.ok ? { name, content: file.text } : { name, content: null, problem: file.problem });
    }
  }
  return files;
}

/** `__contract-check <scenario-dir>`: 0 when the contract holds, 1 on a violation. */
export function contractCheckMain(args: string[]): number {
  const [scenarioDir] = args;
  if (!scenarioDir) {
    console.error("usage: __contract-check <scenario-dir>");
    return 64;
  }
  const dir = resolve(scenarioDir);
  const name = basename(dir);
  const env = process.env;
  if ((env.TELEMETRY_PARENT_RUN_ID ?? "").trim() === "") {
    console.error(
      `[contract] ${name}: violation [parent-run-id]: TELEMETRY_PARENT_RUN_ID is not set — run this scenario through pk3s-run-scenario, which passes its own run_id as the parent of the productive-k3s-core bootstrap`,
    );
    return 1;
  }
  let expected: ContractInput["expected"];
  try {
    expected = scenarioMetadata(readScenarioDefinition(name, dir), "contract").installation;
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    console.error(`[contract] ${name}: ${error.message}`);
    return 1;
  }
  const generated = resolve(dir, env.GENERATED_DIR || join(dir, "generated"));
  const recordText = readOrNull(join(generated, "core-record.env"));
  let record: Map<string, string> | null = null;
  try {
    record = recordText === null ? null : parseRecord(recordText);
  } catch {
    record = null;
  }
  const violations = checkContract({
    env,
    record,
    clusterJson: readOrNull(join(generated, "cluster.json")),
    generatedFiles: filesUnder(generated),
    expected,
  });
  if (violations.length > 0) {
    for (const { rule, message } of violations)
      console.error(`[contract] ${name}: violation [${rule}]: ${message}`);
    console.error(`[contract] ${name}: ${violations.length} contract violation(s)`);
    return 1;
  }
  const enabled = env.TELEMETRY_ENABLED === "true";
  const tokenNote = enabled
    ? env.TELEMETRY_BEARER_TOKEN
      ? "token forwarded"
      : "no token"
    : "no token forwarded";
  console.log(
    `[contract] ${name}: propagation contract holds (telemetry ${enabled ? "enabled" : "disabled"}, ${tokenNote}, session and parent run correlated, run id left to the core, cluster.json holds only allowed metadata)`,
  );
  return 0;
}
