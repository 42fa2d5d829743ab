// Classify: a scenario target's outcome from its exit code and output (docs/privacy-and-telemetry.md › Test artifacts). Pure.
//   exit 0 → pass; a "[SKIP] ..." line, or exit code 3 → skip; anything else → fail.
// The skip reason is the first [SKIP] line with the prefix and "<scenario> <target>" removed.
// The runner starts make, and make exits 2 whatever its recipe exited with: a recipe's exit 3
// reaches us as make's error line ("make: *** [Makefile:2: t] Error 3"), read here: the line that
// stopped make, followed down through nested $(MAKE)s (the outer one only says 2), in any
// language ("Fehler 3" too: only the shape of the line is matched). The same line gives a
// failure its reason: the recipe's own exit status ("exit 1"), not make's 2.

export type ScenarioResult = "pass" | "skip" | "fail";

export interface Classification {
  result: ScenarioResult;
  /** Raw (unsanitised) reason: callers pass it through the privacy sanitiser. */
  skipReason: string | null;
}

export const SKIP_EXIT_CODE = 3;
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g;
const SKIP_LINE = /^\s*\[SKIP\]\s*(.*)$/;
/** make's report of a failed recipe: "make[1]: *** [Makefile:2: t] Error 3" (any language, gmake). */
const MAKE_ERROR = /^\S*make(?:\[(\d+)\])?: \*\*\* \[[^\]\n]*\] \S+ (\d+)\s*$/gm;
const MAKE_EXIT_CODE = 2;
/** Any line make prints when it stops: "make: *** <what>". */
const MAKE_STOP = /^\S*make(?:\[\d+\])?: \*\*\* (.*?)\s*$/;

/** Is `line` one of make's "***" lines (a failed recipe, a missing rule)? */
export function isMakeErrorLine(line: string): boolean {
  return MAKE_STOP.test(line.replace(ANSI, ""));
}

/**
 * Why a scenario failed, in words: the recipe's exit status ("exit 1") read from make's error
 * line; else what make said when it stopped (a missing rule, a killed recipe); else make's code.
 */
export function failReason(exitCode: number | null, output: string): string {
  if (exitCode === null) return "make did not exit normally";
  if (exitCode === MAKE_EXIT_CODE) {
    const code = recipeExitCode(output);
    if (code !== null) return `exit ${code}`;
    const said = output
      .replace(ANSI, "")
      .split(/\r?\n/)
      .map((line) => MAKE_STOP.exec(line)?.[1])
      .filter((what) => what !== undefined)
      .at(-1);
    if (said) {
      const killed = /^\[[^\]\n]*\] (.+)$/.exec(said);
      return killed ? `recipe stopped: ${killed[1]}` : `make: ${said.replace(/\.?\s+Stop\.$/, "")}`;
    }
  }
  return `make exited with code ${exitCode}`;
}

/**
 * The exit code of the recipe that stopped make: the last "***" line is the one that stopped
 * it; when that says 2 (a sub-make failed), follow the chain of sub-make lines just before it,
 * one level deeper each, to the recipe at its bottom. Earlier lines (an ignored "-$(MAKE)", a
 * "make -k" that went on) are not part of that chain.
 */
export function recipeExitCode(output: string): number | null {
  const lines = [...output.replace(ANSI, "").matchAll(MAKE_ERROR)].map((match) => ({
    depth: match[1] === undefined ? 0 : Number(match[1]),
    code: Number(match[2]),
  }));
  let i = lines.length - 1;
  if (i < 0) return null;
  while (i > 0) {
    const current = lines[i] as { depth: number; code: number };
    const before = lines[i - 1] as { depth: number; code: number };
    if (current.code !== MAKE_EXIT_CODE || before.depth !== current.depth + 1) break;
    i--;
  }
  return (lines[i] as { code: number }).code;
}

/** The reason on the first [SKIP] line, or null when there is none. */
export function skipReasonFrom(output: string, scenario: string, target: string): string | null {
  for (const rawLine of output.split(/\r?\n/)) {
    const match = SKIP_LINE.exec(rawLine.replace(ANSI, ""));
    if (!match) continue;
    let reason = (match[1] ?? "").trim();
    // The reference prints "[SKIP] <scenario> <target>"; a bare scenario name is only dropped
    // when followed by a colon, so "multipass not installed" keeps its first word.
    for (const prefix of [`${scenario} ${target}`, `${scenario}:`]) {
      if (reason === prefix) reason = "";
      else if (reason.startsWith(prefix)) {
        const rest = reason.slice(prefix.length);
        if (prefix.endsWith(":") || /^[\s:]/.test(rest)) {
          reason = rest.trim();
          break;
        }
      }
    }
    // a separator after [SKIP] goes ("[SKIP]: x", "[SKIP] - x"), a flag stays ("--disable=x")
    return reason.replace(/^(?::\s*|[-–](?:\s+|$))/, "");
  }
  return null;
}

export function classify(
  exitCode: number | null,
  output: string,
  scenario: string,
  target: string,
): Classification {
  if (exitCode === 0) return { result: "pass", skipReason: null };
  const reason = skipReasonFrom(output, scenario, target);
  if (reason !== null) return { result: "skip", skipReason: reason || "skipped" };
  if (
    exitCode === SKIP_EXIT_CODE ||
    (exitCode === MAKE_EXIT_CODE && recipeExitCode(output) === SKIP_EXIT_CODE)
  ) {
    return { result: "skip", skipReason: "exit code 3" };
  }
  return { result: "fail", skipReason: null };
}

/** Summary order: any fail → fail, else any pass → pass, else skip. */
export function overallResult(results: readonly ScenarioResult[]): ScenarioResult {
  if (results.includes("fail")) return "fail";
  if (results.includes("pass")) return "pass";
  return results.length === 0 ? "fail" : "skip";
}
