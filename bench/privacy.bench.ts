// Sanitiser figures (make bench; docs/privacy-and-telemetry.md › Free text: what is kept): the first
// free-text sanitize in a fresh process — the rules, the free-text model, the vocabulary and the
// English dictionary loading — against the first rules-only sanitize, both in a probe compiled
// like the binaries (bun build --compile --splitting --bytecode); and the steady-state cost per
// reason over the repository's corpora, free text against rules only. Medians; nothing here is
// asserted by a test.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { sanitize, sanitizeText } from "../lib/privacy/sanitize.ts";
import { fmtMs, median, printTable, type Row, timedOk } from "./lib.ts";

const REPO = resolve(import.meta.dir, "..");
const work = mkdtempSync(join(tmpdir(), "pk3s-bench-privacy-"));
const rows: Row[] = [];
const REASON = "kubelet on worker-db01 timed out after 1m30s waiting for coredns-5d78c9869d-x2kqz";

/** A probe binary: the first call of `fn` on REASON, in ms, printed as JSON. */
async function probe(fn: "sanitize" | "sanitizeText"): Promise<string> {
  const source = join(work, `probe-${fn}.ts`);
  writeFileSync(
    source,
    `import { ${fn} } from ${JSON.stringify(join(REPO, "lib/privacy/sanitize.ts"))};
const started = performance.now();
${fn}(${JSON.stringify(REASON)});
console.log(JSON.stringify(performance.now() - started));\n`,
  );
  const out = join(work, `probe-${fn}`);
  await timedOk(
    [
      process.execPath,
      "build",
      "--compile",
      "--splitting",
      "--minify",
      "--bytecode",
      "--format=esm",
      source,
      "--outfile",
      out,
    ],
    { env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, cwd: REPO, timeoutMs: 120_000 },
  );
  return out;
}

async function firstCall(): Promise<void> {
  const runs = 15;
  const figures: Record<string, number> = {};
  for (const fn of ["sanitize", "sanitizeText"] as const) {
    const bin = await probe(fn);
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const result = await timedOk([bin], { env: { PATH: "/usr/bin:/bin" } });
      samples.push(Number(result.stdout.trim()));
    }
    figures[fn] = median(samples);
  }
  const rulesOnly = figures.sanitize ?? Number.NaN;
  const freeText = figures.sanitizeText ?? Number.NaN;
  rows.push({
    figure: "first sanitize, fresh process (rules only)",
    value: fmtMs(rulesOnly),
    target: "",
    verdict: "info",
    note: `${runs} runs of a compiled probe`,
  });
  rows.push({
    figure: "first sanitizeText, fresh process (+ model, lists)",
    value: fmtMs(freeText),
    target: "< 100 ms",
    verdict: freeText < 100 ? "PASS" : "MISS",
    note: `dictionary and vocabulary load: +${fmtMs(freeText - rulesOnly)}`,
  });
}

function steadyState(): void {
  const testdata = (name: string) => readFileSync(join(REPO, "test", "testdata", name), "utf8");
  const reasons = [
    ...testdata("benign-reasons.txt")
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith("#")),
    ...(JSON.parse(testdata("leaks.json")).leaks as { text: string }[]).map((l) => l.text),
  ];
  const perReason = (fn: (text: string) => string): number => {
    for (const r of reasons) fn(r); // warm-up: lists loaded, code compiled
    const samples: number[] = [];
    for (let round = 0; round < 15; round++) {
      const started = performance.now();
      for (const r of reasons) fn(r);
      samples.push(((performance.now() - started) * 1000) / reasons.length);
    }
    return median(samples);
  };
  const rulesOnly = perReason((t) => sanitize(t));
  const freeText = perReason((t) => sanitizeText(t));
  const us = (n: number) => `${n.toFixed(0)} µs`;
  rows.push({
    figure: "sanitize per reason, steady state",
    value: us(rulesOnly),
    target: "",
    verdict: "info",
    note: `${reasons.length} corpus reasons, 15 rounds`,
  });
  rows.push({
    figure: "sanitizeText per reason, steady state",
    value: us(freeText),
    target: "< 1000 µs",
    verdict: freeText < 1000 ? "PASS" : "MISS",
    note: `free-text stage: +${us(freeText - rulesOnly)}`,
  });
}

try {
  await firstCall();
  steadyState();
  printTable("Sanitiser (medians)", rows);
} finally {
  rmSync(work, { recursive: true, force: true });
}
