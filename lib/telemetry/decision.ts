// Decision: the operator's remembered telemetry answer (docs/privacy-and-telemetry.md › Consent).
//
//   <config>/pk3s-infra-telemetry/consent.json   {"enabled", "decided_at", "disclosure_version"}
//
// <config> is $XDG_CONFIG_HOME, else ~/.config. The file holds only the decision, when it was
// made and which version of the disclosure it answered: 0600 in a 0700 directory, written
// atomically through an exclusively created temp file, never through a symlink, read only when
// it is this user's own regular file (lib/util/fs.ts). When Infra has no decision of its own,
// productive-k3s-cli's answer counts: field telemetry.enabled of
// <config>/productive-k3s-cli/config.json — and nothing else of that file, which may hold a
// token: the parsed object is dropped at once, and no message quotes any of it.
// Loaded only by the root programs at a terminal and by `telemetry …` (never by pk3s-emit's
// queueing path).
import * as v from "valibot";
import { fs } from "../util/builtins.ts";
import { errorCode, readOwnFile, writeAtomic } from "../util/fs.ts";
import type { ConsentDecision, Remembered } from "./consent.ts";
import { DISCLOSURE_VERSION } from "./disclosure.ts";
import { dirProblem } from "./outbox.ts";
import { CONFIG_APP_DIR } from "./settings.ts";

export const DECISION_FILE = "consent.json";
/** productive-k3s-cli's own config, relative to the config directory. */
export const CLI_CONFIG = "productive-k3s-cli/config.json";
/** Bounded reads: the decision is a few dozen bytes; the CLI's config a few KB at most. */
const DECISION_MAX_BYTES = 4096;
const CLI_CONFIG_MAX_BYTES = 256 * 1024;

export const DecisionSchema = v.strictObject({
  enabled: v.boolean(),
  decided_at: v.pipe(v.string(), v.isoTimestamp(), v.endsWith("Z")),
  disclosure_version: v.pipe(v.number(), v.integer(), v.minValue(0)),
});
export type Decision = v.InferOutput<typeof DecisionSchema>;

/** Where the decision lives, for messages and status (null: no config directory is known). */
export function decisionDir(configHome: string | null): string | null {
  return configHome ? `${configHome}/${CONFIG_APP_DIR}` : null;
}

export function decisionPath(configHome: string | null): string | null {
  const dir = decisionDir(configHome);
  return dir ? `${dir}/${DECISION_FILE}` : null;
}

export function cliConfigPath(configHome: string | null): string | null {
  return configHome ? `${configHome}/${CLI_CONFIG}` : null;
}

/** A read that found nothing usable says why (missing is not a problem). */
export type Recalled<T> = { value: T } | { value: null; problem?: string };

/** A directory problem that only means "not created yet". */
const isMissing = (problem: string) => problem.startsWith("cannot be examined (ENOENT)");

/** Refused when writable by group or others: whoever could write it could answer for the user. */
function writableByOthers(path: string): string | null {
  try {
    const mode = fs().lstatSync(path).mode;
    return (mode & 0o022) === 0
      ? null
      : `writable by others (mode ${(mode & 0o7777).toString(8).padStart(4, "0")})`;
  } catch {
    return null; // gone meanwhile: the read below says so
  }
}

/** Infra's own remembered decision, if any (a missing file is no decision, not a problem). */
export function readDecision(configHome: string | null): Recalled<Decision> {
  const dir = decisionDir(configHome);
  if (!dir) return { value: null };
  const problem = dirProblem(dir);
  if (problem)
    return isMissing(problem) ? { value: null } : { value: null, problem: `its directory ${problem}` };
  // The directory is this user's own (checked above): nobody else can swap the file meanwhile.
  const read = readOwnFile(`${dir}/${DECISION_FILE}`, DECISION_MAX_BYTES);
  if (!read.ok) return read.missing ? { value: null } : { value: null, problem: read.problem };
  const writable = writableByOthers(`${dir}/${DECISION_FILE}`);
  if (writable) return { value: null, problem: writable };
  let json: unknown;
  try {
    json = JSON.parse(read.text);
  } catch {
    return { value: null, problem: "not valid JSON" };
  }
  const parsed = v.safeParse(DecisionSchema, json);
  return parsed.success ? { value: parsed.output } : { value: null, problem: "not a decision record" };
}

/** productive-k3s-cli's answer: `telemetry.enabled` when it is true or false, else none. */
export function readCliAnswer(configHome: string | null): Recalled<boolean> {
  const path = cliConfigPath(configHome);
  if (!path) return { value: null };
  // A regular file of this user's, small: nothing else is read (it may hold a token).
  const read = readOwnFile(path, CLI_CONFIG_MAX_BYTES);
  if (!read.ok) return read.missing ? { value: null } : { value: null, problem: read.problem };
  // The parse error is not kept: its message may quote the file, which may hold a token.
  let enabled: unknown;
  try {
    enabled = (JSON.parse(read.text) as { telemetry?: { enabled?: unknown } } | null)?.telemetry?.enabled;
  } catch {
    return { value: null, problem: "not valid JSON" };
  }
  return typeof enabled === "boolean" ? { value: enabled } : { value: null };
}

/** What remembered answers amount to for consent resolution: Infra's own, else the CLI's. */
export function rememberedFrom(decision: Decision | null, cliAnswer: boolean | null): Remembered | null {
  if (decision) {
    return {
      by: "infra",
      enabled: decision.enabled,
      decidedAt: decision.decided_at,
      current: decision.disclosure_version === DISCLOSURE_VERSION,
    };
  }
  return cliAnswer === null ? null : { by: "productive-k3s-cli", enabled: cliAnswer };
}

/** What an earlier answer decides (step 4 of the consent rules); null when there is none. */
export function decideRemembered(remembered: Remembered | null): ConsentDecision | null {
  if (!remembered) return null;
  const answer = remembered.enabled ? "yes" : "no";
  if (remembered.by === "productive-k3s-cli") {
    const reason = `your answer to productive-k3s-cli (${answer})`;
    return { ask: false, consent: { enabled: remembered.enabled, source: "productive-k3s-cli", reason } };
  }
  if (!remembered.current) return { ask: true, why: "disclosure-changed" };
  const reason = `your remembered answer (${answer}, ${remembered.decidedAt})`;
  return { ask: false, consent: { enabled: remembered.enabled, source: "remembered", reason } };
}

/** What consent resolution sees (consent.ts); the CLI's file is read only when Infra has no answer. */
export function recall(configHome: string | null): ConsentDecision | null {
  const own = readDecision(configHome).value;
  return decideRemembered(rememberedFrom(own, own ? null : readCliAnswer(configHome).value));
}

export class DecisionError extends Error {
  override readonly name = "DecisionError";
}

/** Create the decision's directory (0700, parents as needed) unless it exists; then check it. */
function ensureDir(dir: string): void {
  try {
    fs().mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    if (errorCode(error) !== "EEXIST") {
      throw new DecisionError(`cannot create ${JSON.stringify(dir)} (${errorCode(error) ?? "error"})`, {
        cause: error,
      });
    }
  }
  const problem = dirProblem(dir);
  if (problem) throw new DecisionError(`cannot use ${JSON.stringify(dir)}: it ${problem}`);
}

/** Remember `enabled` for this disclosure; returns the file written. Throws DecisionError. */
export function rememberDecision(configHome: string | null, enabled: boolean, now = new Date()): string {
  const dir = decisionDir(configHome);
  if (!dir) throw new DecisionError("no config directory: set HOME or XDG_CONFIG_HOME");
  ensureDir(dir);
  const decision: Decision = {
    enabled,
    decided_at: now.toISOString(),
    disclosure_version: DISCLOSURE_VERSION,
  };
  const final = `${dir}/${DECISION_FILE}`;
  try {
    // A temp file created exclusively without following links, renamed over the old file (a
    // rename replaces a symlink there instead of writing through it).
    writeAtomic(`${dir}/.${DECISION_FILE}.${process.pid}.tmp`, final, `${JSON.stringify(decision)}\n`);
  } catch (error) {
    throw new DecisionError(`cannot write ${JSON.stringify(final)} (${errorCode(error) ?? "error"})`, {
      cause: error,
    });
  }
  return final;
}

/** Forget the decision (the entry itself, never a link's target); false when there was none. */
export function forgetDecision(configHome: string | null): boolean {
  const dir = decisionDir(configHome);
  if (!dir) return false;
  const problem = dirProblem(dir);
  if (problem) {
    if (isMissing(problem)) return false;
    throw new DecisionError(`cannot use ${JSON.stringify(dir)}: it ${problem}`);
  }
  const final = `${dir}/${DECISION_FILE}`;
  try {
    fs().unlinkSync(final);
    return true;
  } catch (error) {
    if (errorCode(error) === "ENOENT") return false;
    throw new DecisionError(`cannot remove ${JSON.stringify(final)} (${errorCode(error) ?? "error"})`, {
      cause: error,
    });
  }
}
