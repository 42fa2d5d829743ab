// The privacy corpus through every channel (docs/privacy-and-telemetry.md › What is replaced,
// › What is kept): leak attempts of every kind (test/testdata/leaks.json) and ordinary reasons
// (test/testdata/benign-reasons.txt) as [SKIP] lines of real scenarios under a real
// pk3s-run-matrix with telemetry on and a loopback receiver. Nothing of a leak may reach a
// manifest, the summary, the JUnit file, the step summary, the outbox or a request; every
// benign reason must be recorded verbatim. The same run is repeated under a fake identity
// (`unshare -u` with host name "lab", user "ops", home /home/ops), with leak attempts built
// from that identity in every spelling.
import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { machineIdentifiers } from "../lib/privacy/guard.ts";
import { sanitize } from "../lib/privacy/sanitize.ts";
import { fill, identityForms } from "./support/identity.ts";
import { startReceiver } from "./support/receiver.ts";
import { withSandbox } from "./support/sandbox.ts";

interface Leak {
  kind: string;
  text: string;
  gone: string[];
}
const corpus = JSON.parse(readFileSync(join(import.meta.dir, "testdata", "leaks.json"), "utf8")) as {
  leaks: Leak[];
  own: Leak[];
};
const BENIGN = readFileSync(join(import.meta.dir, "testdata", "benign-reasons.txt"), "utf8")
  .split("\n")
  .filter((line) => line !== "" && !line.startsWith("#"));

/** This machine's identity (its first external IPv4 interface) in the spellings the `own` corpus uses. */
function machineForms(host: string, user: string, home: string): Record<string, string> {
  const iface = Object.values(
    require("node:os").networkInterfaces() as Record<
      string,
      { address: string; family: string; internal: boolean; mac: string }[]
    >,
  )
    .flat()
    .find((i) => !i.internal && i.family === "IPv4");
  return identityForms({
    host,
    user,
    home,
    ip: iface?.address ?? "192.0.2.77",
    mac: iface?.mac ?? "02:fc:00:00:00:77",
  });
}

describe("the corpus files", () => {
  test("every kind of the issue is represented, and there are 60+ benign reasons", () => {
    const kinds = new Set(corpus.leaks.map((l) => l.kind));
    for (const kind of [
      "cloud-id",
      "account",
      "ssh",
      "host",
      "ip",
      "mac",
      "path",
      "user",
      "email",
      "url",
      "secret",
      "disguised",
    ]) {
      expect(kinds.has(kind)).toBe(true);
    }
    expect(corpus.leaks.length).toBeGreaterThanOrEqual(90);
    expect(BENIGN.length).toBeGreaterThanOrEqual(100);
  });
  test.each(corpus.leaks.map((l) => [l.text, l.gone] as const))("sanitize(%p) drops %p", (text, gone) => {
    const out = sanitize(text);
    for (const piece of gone) expect(out).not.toContain(piece);
  });
  test.each(BENIGN.map((b) => [b]))("sanitize(%p) keeps it verbatim", (text) => {
    expect(sanitize(text)).toBe(text);
  });
});

/** Run the corpus as a matrix; returns everything every channel carried, per scenario. */
async function runCorpus(
  leaks: Leak[],
  wrap: (argv: string[]) => string[],
  extraEnv: Record<string, string>,
) {
  return withSandbox(async (sb) => {
    const receiver = startReceiver();
    try {
      const names: string[] = [];
      const add = (name: string, reason: string) => {
        const dir = sb.scenario(name, { "scenario-test-static": ["@cat reason.txt; exit 3"] });
        writeFileSync(join(dir, "reason.txt"), `[SKIP] ${reason}\n`);
        names.push(name);
      };
      for (const [i, leak] of leaks.entries()) add(`leak-${i}`, leak.text);
      for (const [i, reason] of BENIGN.entries()) add(`benign-${i}`, reason);
      const junit = join(sb.root, "junit.xml");
      const stepSummary = join(sb.root, "step-summary.md");
      writeFileSync(stepSummary, "");
      const env = sb.env({
        TELEMETRY_ENABLED: "true",
        TELEMETRY_ENDPOINT: receiver.url,
        GITHUB_STEP_SUMMARY: stepSummary,
        ...extraEnv,
      });
      const argv = [
        process.execPath,
        "scripts/run-matrix.ts",
        "static",
        ...names,
        "--scenarios-dir",
        sb.scenarios,
        "--junit",
        junit,
        "--jobs",
        "2",
      ];
      const proc = Bun.spawn(wrap(argv), {
        cwd: join(import.meta.dir, ".."),
        env,
        stdout: "pipe",
        stderr: "pipe",
      });
      const [stdout, stderr] = await Promise.all([
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
      ]);
      await proc.exited;
      const { manifests } = sb.read();
      const artifacts = [sb.allText(), readFileSync(junit, "utf8"), readFileSync(stepSummary, "utf8")].join(
        "\n",
      );
      const outbox = sb.allText(sb.dirs.outbox);
      const requests = receiver.requests.map((r) => `${JSON.stringify(r.headers)}\n${r.body}`).join("\n");
      const reasons = new Map(manifests.map((m) => [m.scenario, m.skip_reason ?? null]));
      const manifestText = new Map(manifests.map((m) => [m.scenario, JSON.stringify(m)]));
      return { artifacts, outbox, requests, reasons, manifestText, names, stdout, stderr, manifests };
    } finally {
      receiver.stop();
    }
  });
}

/**
 * The leak attempts that got through: a piece of one found in its own scenario's manifest, or —
 * when no other corpus line contains that piece (the benign "the ops team…" does contain "ops")
 * — anywhere in the artifacts, JUnit, step summary, outbox or requests.
 */
function score(leaks: Leak[], result: Awaited<ReturnType<typeof runCorpus>>) {
  const texts = [...leaks.map((l) => l.text), ...BENIGN];
  // ids are random: one may spell a short piece such as "db01" by chance
  // (and so may the short id in a file name: <stamp>-<level>-<short id>-<scenario>.json)
  const withoutIds = (text: string) =>
    text
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "<uuid>")
      .replace(/(\d{8}-\d{6}-(?:static|contract|live)-)[0-9a-f]+/g, "$1<short-id>");
  const everywhere = withoutIds(`${result.artifacts}\n${result.outbox}\n${result.requests}`);
  const leaked = leaks.filter((leak, i) => {
    const own = withoutIds(result.manifestText.get(`leak-${i}`) ?? "");
    return leak.gone.some((g) => {
      if (own.includes(g)) return true;
      const shared = texts.some((t) => t !== leak.text && t.includes(g));
      return !shared && everywhere.includes(g);
    });
  });
  const kept = BENIGN.filter((b, i) => result.reasons.get(`benign-${i}`) === b);
  return { leaked, kept };
}

describe("every channel, on this machine", () => {
  test("no leak attempt reaches an artifact, the outbox or a request; every benign reason is recorded verbatim", async () => {
    const result = await runCorpus(corpus.leaks, (argv) => argv, {});
    expect(result.manifests.length).toBe(corpus.leaks.length + BENIGN.length);
    const { leaked, kept } = score(corpus.leaks, result);
    expect(leaked.map((l) => l.text)).toEqual([]);
    expect(BENIGN.filter((b, i) => result.reasons.get(`benign-${i}`) !== b)).toEqual([]);
    expect(kept.length).toBe(BENIGN.length);
  }, 240_000);
});

describe("every channel, under a fake identity (unshare -u, host lab, user ops)", () => {
  const canUnshare = Bun.spawnSync(["unshare", "-u", "true"]).exitCode === 0;
  test("this machine's own names in every spelling never pass; ordinary words stay", async () => {
    expect(canUnshare).toBe(true);
    const forms = machineForms("lab", "ops", "/home/ops");
    const own = corpus.own.map((l) => ({
      ...l,
      text: fill(l.text, forms),
      gone: l.gone.map((g) => fill(g, forms)),
    }));
    const leaks = [...corpus.leaks, ...own];
    const wrap = (argv: string[]) => [
      "unshare",
      "-u",
      "sh",
      "-c",
      'hostname lab && exec "$@"',
      "sh",
      ...argv,
    ];
    const result = await runCorpus(leaks, wrap, {
      USER: "ops",
      LOGNAME: "ops",
      HOME: "/home/ops",
      HOSTNAME: "lab",
    });
    expect(machineIdentifiers().length).toBeGreaterThan(0);
    if (result.manifestText.size !== leaks.length + BENIGN.length)
      console.error(
        [...result.manifestText.keys()].slice(0, 5),
        result.manifests.length,
        result.stdout.slice(0, 1500),
      );
    expect(result.manifestText.size).toBe(leaks.length + BENIGN.length);
    const { leaked } = score(leaks, result);
    expect(leaked.map((l) => l.text)).toEqual([]);
    expect(BENIGN.filter((b, i) => result.reasons.get(`benign-${i}`) !== b)).toEqual([]);
  }, 240_000);
});
