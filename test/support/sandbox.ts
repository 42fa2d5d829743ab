// A sandbox for driving pk3s-run-scenario / pk3s-run-matrix / the Makefile as real processes:
// a private temp tree (scenario fixtures, artifacts, a probe directory fixtures write into, plus
// TestDirs' home/state/outbox), the clean child environment of run.ts with Bun on PATH and no
// make state of an enclosing make, and readers for what the scripts wrote — every manifest and
// summary validated with ajv against schemas/*.json on the way in.
import { expect } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Subprocess } from "bun";
import type { Manifest, Summary } from "../../lib/artifacts/records.ts";
import { refusedPort } from "./receiver.ts";
import {
  baseEnv,
  cmdline,
  type Env,
  filesUnder,
  REPO,
  type RunResult,
  run,
  running,
  TestDirs,
} from "./run.ts";
import { validateArtifact } from "./schemas.ts";

export const BUN_DIR = dirname(process.execPath);
/** How long a script run in a sandbox may take before it is killed as hung. */
const SCRIPT_GUARD_MS = 55_000;

/** Variables an enclosing `make` (e.g. `make unit`) would pass down; a fixture must not see them. */
const MAKE_STATE = ["MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "MAKE_TERMOUT", "MAKE_TERMERR"];

/** Make targets → recipe lines (each gets its tab); or the Makefile's whole text. */
export type Recipes = Record<string, string[]> | string;

export function makefileText(recipes: Recipes): string {
  if (typeof recipes === "string") return recipes;
  return Object.entries(recipes)
    .map(([target, lines]) => `${target}:\n${lines.map((l) => `\t${l}\n`).join("")}`)
    .join("\n");
}

/** `2026-12-01T20:28:37.123Z` → `20261201-202837`: the file names' UTC stamp (an oracle of our own). */
function stampOf(iso: string): string {
  const [date = "", time = ""] = iso.split("T");
  return `${date.replaceAll("-", "")}-${time.slice(0, 8).replaceAll(":", "")}`;
}

/** The last 8 hex digits of a UUID run id. */
const tailOf = (runId: string) => runId.replaceAll("-", "").slice(-8);

/** The name a manifest must have, relative to the artifacts dir (README › Test artifacts). */
export function manifestName(
  m: Pick<Manifest, "started_at" | "test_level" | "run_id" | "scenario">,
  layout: "matrix" | "direct",
): string {
  const head = `${stampOf(m.started_at)}-${m.test_level}`;
  return layout === "matrix"
    ? `infra-runs/${head}-${tailOf(m.run_id)}-${m.scenario}.json`
    : `infra-runs/${head}-${m.scenario}-${tailOf(m.run_id)}.json`;
}

/** The name a summary must have. */
export function summaryName(s: Pick<Summary, "started_at" | "test_level" | "run_id">): string {
  return `${stampOf(s.started_at)}-${s.test_level}-${tailOf(s.run_id)}-summary.json`;
}

export interface Artifacts {
  manifests: Manifest[];
  summaries: Summary[];
  /** Every file under the artifacts directory. */
  files: string[];
}

export class Sandbox {
  readonly dirs: TestDirs;
  readonly root: string;
  /** TEST_ARTIFACTS_DIR. */
  readonly artifacts: string;
  /** --scenarios-dir for fixture scenarios. */
  readonly scenarios: string;
  /** PROBE_DIR: where fixture recipes leave what they saw. */
  readonly probe: string;
  /** A loopback endpoint nothing listens on: the default, so nothing can ever leave the machine. */
  private readonly deadEndpoint = `http://127.0.0.1:${refusedPort()}/telemetry`;

  constructor(prefix = "pk3s-run-") {
    this.dirs = new TestDirs(prefix);
    this.root = this.dirs.root;
    this.artifacts = join(this.root, "artifacts");
    this.scenarios = join(this.root, "scenarios");
    this.probe = join(this.root, "probe");
    mkdirSync(this.scenarios, { recursive: true });
    mkdirSync(this.probe, { recursive: true });
    mkdirSync(this.dirs.home, { recursive: true });
  }

  /** Write a fixture scenario `name` (a Makefile, optionally a scenario.json) under `parent`. */
  scenario(name: string, recipes: Recipes, options: { parent?: string; definition?: object } = {}): string {
    const dir = join(options.parent ?? this.scenarios, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "Makefile"), makefileText(recipes));
    if (options.definition) writeFileSync(join(dir, "scenario.json"), JSON.stringify(options.definition));
    return dir;
  }

  /** The clean environment (run.ts) with Bun on PATH, this sandbox's dirs, and `extra` last. */
  env(extra: Record<string, string | undefined> = {}): Env {
    const unset = Object.fromEntries(MAKE_STATE.map((k) => [k, undefined]));
    return baseEnv(this.dirs, {
      ...unset,
      PATH: `${BUN_DIR}:${process.env.PATH ?? "/usr/bin:/bin"}`,
      TEST_ARTIFACTS_DIR: this.artifacts,
      TELEMETRY_ENDPOINT: this.deadEndpoint,
      PROBE_DIR: this.probe,
      ...extra,
    });
  }

  /** Run a script (scripts/<name>.ts) to completion in this sandbox's environment. */
  run(name: string, args: string[], extra: Record<string, string | undefined> = {}): Promise<RunResult> {
    // A guard against a hung script, not a deadline: generous, since a loaded 2-core machine
    // running the whole suite can take half a minute for a small matrix (the test's own
    // timeout, 60 s under make unit, still applies).
    return run(name, args, this.env(extra), SCRIPT_GUARD_MS);
  }

  /** `make -C <repo> <args>` with this sandbox's environment. */
  async make(args: string[], extra: Record<string, string | undefined> = {}): Promise<RunResult> {
    const started = performance.now();
    const proc = Bun.spawn(["make", "--no-print-directory", "-C", REPO, ...args], {
      env: this.env(extra),
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const timer = setTimeout(() => proc.kill("SIGKILL"), SCRIPT_GUARD_MS);
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    clearTimeout(timer);
    return { code, stdout, stderr, ms: performance.now() - started, pid: proc.pid };
  }

  /** A file the fixtures wrote into the probe directory (null when missing). */
  probed(name: string): string | null {
    const path = join(this.probe, name);
    return existsSync(path) ? readFileSync(path, "utf8") : null;
  }

  /** Every manifest and summary written, each asserted valid against schemas/*.json. */
  read(): Artifacts {
    const files = filesUnder(this.artifacts);
    const parse = (path: string) => {
      const text = readFileSync(path, "utf8");
      expect(() => JSON.parse(text)).not.toThrow();
      return JSON.parse(text) as unknown;
    };
    const manifests: Manifest[] = [];
    const runs = join(this.artifacts, "infra-runs");
    for (const file of existsSync(runs) ? readdirSync(runs).sort() : []) {
      const json = parse(join(runs, file));
      expect(validateArtifact("manifest", json)).toEqual([]);
      manifests.push(json as Manifest);
    }
    const summaries: Summary[] = [];
    for (const file of existsSync(this.artifacts) ? readdirSync(this.artifacts).sort() : []) {
      if (!file.endsWith("-summary.json")) continue;
      const json = parse(join(this.artifacts, file));
      expect(validateArtifact("summary", json)).toEqual([]);
      expect(file).toBe(summaryName(json as Summary));
      summaries.push(json as Summary);
    }
    // Each manifest under its name: a matrix's layout when a summary lists it, else a direct run's.
    const listed = new Set(summaries.flatMap((s) => Object.values(s.scenario_results).map((e) => e.run_id)));
    for (const m of manifests) {
      const layout = listed.has(m.run_id) ? "matrix" : "direct";
      expect(files).toContain(join(this.artifacts, manifestName(m, layout)));
    }
    return { manifests, summaries, files };
  }

  /** The one summary written (asserts there is exactly one). */
  summary(): Summary {
    const { summaries } = this.read();
    expect(summaries).toHaveLength(1);
    return summaries[0] as Summary;
  }

  /** The manifest of scenario `name` (asserts there is exactly one). */
  manifest(name: string): Manifest {
    const found = this.read().manifests.filter((m) => m.scenario === name);
    expect(found).toHaveLength(1);
    return found[0] as Manifest;
  }

  /** The text of every file under `dir` (default: the artifacts directory), joined. */
  allText(dir = this.artifacts): string {
    return filesUnder(dir)
      .map((f) => readIfPresent(f))
      .join("\n");
  }

  async cleanup(): Promise<void> {
    await this.dirs.cleanup();
  }
}

/** A file's text, or "" when it went away after it was listed (a flusher's lock, a claimed event). */
export function readIfPresent(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return "";
    throw error;
  }
}

/** Run `body` with a fresh sandbox, always cleaned up (safe with test.concurrent). */
export async function withSandbox<T>(body: (sb: Sandbox) => Promise<T>): Promise<T> {
  const sb = new Sandbox();
  try {
    return await body(sb);
  } finally {
    await sb.cleanup();
  }
}

/** Live processes whose argument list contains `arg` exactly (e.g. a fixture's unique sleep). */
export function processesWithArg(arg: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (cmdline(pid).includes(arg) && running(pid)) pids.push(pid);
  }
  return pids;
}

/**
 * A recipe fragment that waits (bounded polling, 60 s at most) until the test creates
 * $(PROBE_DIR)/<file>: ordering proven by an event the test controls, never by a sleep.
 */
export function untilProbe(file: string): string {
  return `for i in $$(seq 1200); do [ -e "$(PROBE_DIR)/${file}" ] && break; sleep 0.05; done`;
}

/** A unique duration for `sleep`, so a test can find its own fixture's processes. */
export function uniqueSeconds(whole: number): string {
  return `${whole}.${String(Math.floor(Math.random() * 1e8)).padStart(8, "1")}`;
}

/** Reads a process's output incrementally, so a test can see lines before the process ends. */
export class StreamReader {
  text = "";
  readonly done: Promise<void>;

  constructor(stream: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder();
    this.done = (async () => {
      for await (const chunk of stream) this.text += decoder.decode(chunk, { stream: true });
    })();
  }

  /** Wait until `needle` has been read; returns the wall-clock time it was first seen. */
  async waitFor(needle: string, timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    while (!this.text.includes(needle)) {
      if (performance.now() > deadline) throw new Error(`timed out waiting for ${JSON.stringify(needle)}`);
      await Bun.sleep(10);
    }
    return performance.now();
  }
}

/** Start a script with its stdout/stderr read incrementally. */
export function startReading(
  name: string,
  args: string[],
  env: Env,
): { proc: Subprocess<"ignore", "pipe", "pipe">; stdout: StreamReader; stderr: StreamReader } {
  const proc = Bun.spawn([process.execPath, `scripts/${name}.ts`, ...args], {
    cwd: REPO,
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  return { proc, stdout: new StreamReader(proc.stdout), stderr: new StreamReader(proc.stderr) };
}

// ---- a minimal XML reader (enough to check the JUnit report is well-formed) ----------------

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decodeXml(raw: string, where: string): string {
  if (raw.includes("<")) throw new Error(`raw "<" in ${where}`);
  return raw.replace(/&([^;]*);?/g, (whole, name: string) => {
    if (!whole.endsWith(";")) throw new Error(`unterminated entity in ${where}`);
    if (name in ENTITIES) return ENTITIES[name] as string;
    const num = /^#(x[0-9a-fA-F]+|\d+)$/.exec(name);
    if (num) return String.fromCodePoint(Number(num[1]?.startsWith("x") ? `0${num[1]}` : num[1]));
    throw new Error(`unknown entity &${name}; in ${where}`);
  });
}

/** Parse a well-formed XML document (elements, attributes, text); throws on malformed input. */
export function parseXml(xml: string): XmlElement {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`XML: ${why} at offset ${i}`);
  };
  const skipSpace = () => {
    while (i < xml.length && /\s/.test(xml[i] as string)) i++;
  };
  if (xml.startsWith("<?xml")) {
    const end = xml.indexOf("?>");
    if (end < 0) fail("unterminated declaration");
    i = end + 2;
  }
  const element = (): XmlElement => {
    if (xml[i] !== "<") fail("expected <");
    i++;
    const name = /^[A-Za-z_][\w.-]*/.exec(xml.slice(i))?.[0] ?? fail("expected a tag name");
    i += name.length;
    const node: XmlElement = { name, attrs: {}, children: [], text: "" };
    for (;;) {
      skipSpace();
      if (xml.startsWith("/>", i)) {
        i += 2;
        return node;
      }
      if (xml[i] === ">") {
        i++;
        break;
      }
      const attr = /^([A-Za-z_][\w.:-]*)="([^"]*)"/.exec(xml.slice(i)) ?? fail(`bad attribute in <${name}>`);
      const key = attr[1] as string;
      if (Object.hasOwn(node.attrs, key)) fail(`duplicate attribute ${key}`);
      node.attrs[key] = decodeXml(attr[2] as string, `${name}@${key}`);
      i += attr[0].length;
    }
    for (;;) {
      const next = xml.indexOf("<", i);
      if (next < 0) fail(`unclosed <${name}>`);
      node.text += decodeXml(xml.slice(i, next), `text of <${name}>`);
      i = next;
      if (xml.startsWith("</", i)) {
        const close = `</${name}>`;
        if (!xml.startsWith(close, i)) fail(`expected ${close}`);
        i += close.length;
        return node;
      }
      node.children.push(element());
    }
  };
  skipSpace();
  const root = element();
  skipSpace();
  if (i !== xml.length) fail("content after the root element");
  return root;
}
