import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import {
  DEFAULT_MAX_LENGTH,
  ELLIPSIS,
  isHighEntropy,
  isHostName,
  isIPv4,
  isIPv6,
  isPlainWords,
  PLACEHOLDERS,
  sanitize,
  sanitizeFully,
  sanitizeName,
  sanitizeText,
} from "../lib/privacy/sanitize.ts";
import { noisyText } from "./support/arbitraries.ts";

// ---------------------------------------------------------------------------------------------
// Corpora (test/testdata/): exact input → output pairs; leaks — placeholders expected, pieces
// that must be gone; benign strings that must come out unchanged.

const testdata = (name: string) => JSON.parse(readFileSync(join(import.meta.dir, "testdata", name), "utf8"));
const EXACT: Array<[input: string, output: string]> = (
  testdata("sanitize-exact.json").rows as Array<{ in: string; out: string }>
).map((r) => [r.in, r.out]);
const LEAKS: Array<[input: string, placeholders: string[], gone: string[]]> = (
  testdata("sanitize-leaks.json").rows as Array<{ in: string; placeholders: string[]; gone: string[] }>
).map((r) => [r.in, r.placeholders, r.gone]);
const BENIGN: string[] = testdata("sanitize-benign.json").rows;

// ---------------------------------------------------------------------------------------------

describe("sanitize: exact corpus", () => {
  test.each(EXACT)("%p", (input, output) => {
    expect(sanitize(input)).toBe(output);
  });
});

describe("sanitize: leak corpus", () => {
  test.each(LEAKS)("%p", (input, placeholders, gone) => {
    const out = sanitize(input);
    for (const p of placeholders) expect(out).toContain(p);
    for (const g of gone) expect(out).not.toContain(g);
  });
});

describe("sanitize: benign corpus stays unchanged", () => {
  test.each(BENIGN.map((b) => [b]))("%p", (input) => {
    expect(sanitize(input)).toBe(input);
  });
});

describe("sanitize: corpus-wide properties", () => {
  const all = [...EXACT.map((r) => r[0]), ...LEAKS.map((r) => r[0]), ...BENIGN];

  test("the corpus is large", () => {
    expect(all.length).toBeGreaterThanOrEqual(150);
  });

  test("every placeholder is produced by some corpus row (<name> by the free-text stage)", () => {
    const outputs = all.map((s) => `${sanitize(s)} ${sanitizeText(s)}`).join(" ");
    for (const p of PLACEHOLDERS) expect(outputs).toContain(p);
  });

  test("idempotent on the corpus", () => {
    for (const s of all) expect(sanitize(sanitize(s))).toBe(sanitize(s));
  });

  test("ANSI codes and backslashes leave JSON that round-trips with no control characters", () => {
    for (const s of [...all, 'a\\b\x1b[2Kc\\\\d\u0000"e\x1b]0;x\x07', "C:\\x\\y \x1b[0m\\u0041"]) {
      const out = sanitize(s);
      const round = JSON.parse(JSON.stringify({ r: out })) as { r: string };
      expect(round.r).toBe(out);
      expect(out).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
    }
  });
});

describe("sanitize: length cap", () => {
  test("default cap is 300 plus the ellipsis", () => {
    const out = sanitize("x".repeat(1000));
    expect(out.length).toBe(DEFAULT_MAX_LENGTH + 1);
    expect(out.endsWith(ELLIPSIS)).toBe(true);
  });

  test("short strings are not cut", () => {
    expect(sanitize("a".repeat(300))).toBe("a".repeat(300));
    expect(sanitize("abc", { maxLength: 3 })).toBe("abc");
  });

  test("custom cap", () => {
    expect(sanitize("abcdefghij", { maxLength: 4 })).toBe(`abcd${ELLIPSIS}`);
  });

  test("the cap is applied after replacement: a long path shrinks instead of being cut", () => {
    const input = `key /home/alice/${"x".repeat(400)}/id_ed25519 denied`;
    expect(sanitize(input)).toBe("key <path> denied");
  });

  test("a placeholder is never cut in half", () => {
    // "account " is 8 characters; a cut at 10 would land inside <account-id>
    const out = sanitize("account 123456789012 denied", { maxLength: 10 });
    expect(out).toBe(`account${ELLIPSIS}`);
    for (let max = 1; max < 40; max++) {
      const cut = sanitize("ssh ubuntu@10.20.30.40 and node-a.corp.example.com", { maxLength: max });
      expect(cut.length).toBeLessThanOrEqual(max + 1);
      const body = cut.endsWith(ELLIPSIS) ? cut.slice(0, -1) : cut;
      expect(body).not.toMatch(/<[a-z-]*$/);
    }
  });

  test("a cut that creates a new identifier is sanitised again", () => {
    // 13 digits are not an account id; cut to 12 they would be
    const out = sanitize("1234567890123", { maxLength: 12 });
    expect(out).not.toContain("123456789012");
    expect(sanitize(out, { maxLength: 12 })).toBe(out);
  });

  test("invalid caps fall back to the default", () => {
    const long = "y".repeat(400);
    for (const maxLength of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(sanitize(long, { maxLength }).length).toBe(DEFAULT_MAX_LENGTH + 1);
    }
  });
});

describe("sanitize: large and adversarial inputs complete", () => {
  const big = 100_000;
  const inputs: Array<[string, string]> = [
    ["one long word", "a".repeat(big)],
    ["dots", "a.".repeat(big / 2)],
    ["digits and dots", "1.".repeat(big / 2)],
    ["colons", "a:".repeat(big / 2)],
    ["hex colons", "ab:".repeat(big / 3)],
    ["at signs", "a@".repeat(big / 2)],
    ["slashes", "/a".repeat(big / 2)],
    ["backslashes", "\\a".repeat(big / 2)],
    ["spaced path words", `/x ${"a/ ".repeat(big / 3)}`],
    ["drive and words", `C:\\a ${"b ".repeat(big / 2)}`],
    ["key separators", "password=".repeat(big / 9)],
    ["begin without end", "-----BEGIN PRIVATE KEY----- ".repeat(big / 28)],
    ["escape starts", "\x1b]".repeat(big / 2)],
    ["mixed leak", "ssh ubuntu@10.20.30.40 /home/alice ".repeat(big / 35)],
    ["token characters", "aB3+/=_-".repeat(big / 8)],
    ["hyphens", "-".repeat(big)],
    ["ipv4 like", "1.2.3.".repeat(big / 6)],
  ];
  test.each(inputs)("%s", (_name, input) => {
    const out = sanitize(input);
    expect(out.length).toBeLessThanOrEqual(DEFAULT_MAX_LENGTH + 1);
    const full = sanitize(input, { maxLength: 1_000_000 });
    expect(full).not.toMatch(/[\x00-\x1f]/);
    expect(sanitize(full, { maxLength: 1_000_000 })).toBe(full);
  });
});

describe("helpers", () => {
  test.each([
    ["node-a.corp.example.com", true],
    ["db01.local", true],
    ["ip-10-0-0-1.ec2.internal", true],
    ["node7.dc2.acme", true],
    ["example.com", true],
    ["_ldap._tcp.example.com", true],
    ["cluster.json", false],
    ["values.yaml", false],
    ["id_ed25519.pub", false],
    ["node.js", false],
    ["v1.30.2", false],
    ["1.29", false],
    ["values.yaml.example", false],
    ["foo.tar.gz", false],
    ["e.g", false],
    ["U.S.A", false],
    ["github.com", false],
    ["-bad.example.com", false],
  ] as Array<[string, boolean]>)("isHostName(%p) = %p", (name, expected) => {
    expect(isHostName(name)).toBe(expected);
  });

  test("isIPv4 / isIPv6", () => {
    expect(isIPv4("10.20.30.40")).toBe(true);
    expect(isIPv4("256.1.1.1")).toBe(false);
    expect(isIPv4("1.2.3")).toBe(false);
    expect(isIPv6("fe80::1")).toBe(true);
    expect(isIPv6("2001:db8:0:0:0:0:2:1")).toBe(true);
    expect(isIPv6("::ffff:10.0.0.1")).toBe(true);
    expect(isIPv6("1:2:3")).toBe(false);
    expect(isIPv6("1::2::3")).toBe(false);
    expect(isIPv6("12:30:45")).toBe(false);
    expect(isIPv6("::")).toBe(false);
  });

  test("isHighEntropy", () => {
    expect(isHighEntropy("9f86d081884c7d659a2feaa0c55ad015")).toBe(true);
    expect(isHighEntropy("deadbeefdeadbeefdeadbeefdeadbeef")).toBe(false);
    expect(isHighEntropy("a".repeat(64))).toBe(false);
    expect(isHighEntropy("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")).toBe(true);
    expect(isHighEntropy("Zx8Qp2Lm9Vt4Rk7Wn3Hs6Jd1Fb5Gc0Ya")).toBe(true);
    expect(isHighEntropy("single-node-arm-with-longhorn-and-rancher")).toBe(false);
    expect(isHighEntropy("AbstractSingletonProxyFactoryBean")).toBe(false);
    expect(isHighEntropy("short1A")).toBe(false);
  });
});

describe("sanitizeName", () => {
  test.each([
    ["single-node-arm", "single-node-arm"],
    ["aws-single-node", "aws-single-node"],
    ["onprem basic (arm)", "onprem-basic-arm"],
    ["node-a.corp.example.com", "host"],
    ["scenario on 10.0.0.1", "scenario-on-ip"],
    ["  ", "unknown"],
    ["", "unknown"],
    ["!!!", "unknown"],
    ["-leading-and-trailing-", "leading-and-trailing"],
    ["v1.30.2+k3s1", "v1.30.2-k3s1"],
    ["emoji 🎉 name", "emoji-name"],
    ["a\x1b[31mb", "ab"],
  ])("%p → %p", (input, output) => {
    expect(sanitizeName(input)).toBe(output);
  });

  test("at most 64 characters, identifier characters only, starts and ends alphanumeric", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (s) => {
        const name = sanitizeName(s);
        expect(name.length).toBeGreaterThan(0);
        expect(name.length).toBeLessThanOrEqual(64);
        expect(name).toMatch(/^(?:unknown|[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)$/);
        expect(sanitizeName(name)).toBe(name);
      }),
    );
  }, 60_000);

  test("a long name is cut to 64", () => {
    expect(sanitizeName("a".repeat(100))).toBe("a".repeat(64));
  });
});

// ---------------------------------------------------------------------------------------------
// Property tests: random benign text interleaved with generated canaries

const hex = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${min},${max}}$`));
const canaryWord = fc.stringMatching(/^[a-z0-9]{4,8}$/).map((s) => `cq${s}`);
const CANARY_TLDS = [
  "internal",
  "local",
  "corp",
  "lan",
  "example",
  "test",
  "com",
  "net",
  "io",
  "cloud",
  "arpa",
];

interface Canary {
  text: string;
  /** substrings that must not survive */
  secrets: string[];
}

// addresses that name no machine (loopback, 0.0.0.0, k3s's defaults) are kept by design
const ipv4 = fc.ipV4().filter((ip) => !/^(?:127\.|0\.0\.0\.0$|10\.4[23]\.0\.(?:0|1|10)$)/.test(ip));
const ipv6 = fc.oneof(
  // realistic: 8 groups, optionally one run of groups compressed, always with a digit
  fc
    .tuple(fc.array(hex(1, 4), { minLength: 8, maxLength: 8 }), fc.nat(5), fc.nat(4))
    .map(([groups, start, len]) => {
      const g = [...groups];
      g[0] = `${(Number.parseInt(g[0] ?? "1", 16) % 0xfff) + 1}`; // a digit, non-zero
      if (len === 0) return g.join(":");
      return `${g.slice(0, start + 1).join(":")}::${g.slice(start + 1 + len).join(":")}`.replace(/:$/, "");
    })
    .filter((a) => isIPv6(a)),
  fc.ipV6().filter((a) => /\d/.test(a) && a !== "::"),
);
const fqdn = fc
  .tuple(canaryWord, fc.array(canaryWord, { minLength: 0, maxLength: 2 }), fc.constantFrom(...CANARY_TLDS))
  .map(([first, middle, tld]) => [first, ...middle, tld].join("."));

const canary: fc.Arbitrary<Canary> = fc.oneof(
  ipv4.map((ip) => ({ text: ip, secrets: [ip] })),
  fc
    .tuple(ipv4, fc.constantFrom("", ":22", "/24", ":6443"))
    .map(([ip, suffix]) => ({ text: ip + suffix, secrets: [ip] })),
  ipv6.map((ip) => ({ text: ip, secrets: [ip] })),
  fc
    .tuple(ipv6, fc.constantFrom("%eth0", "/64", ""))
    .map(([ip, suffix]) => ({ text: `[${ip}${suffix.startsWith("%") ? suffix : ""}]:22`, secrets: [ip] })),
  fqdn.map((h) => ({ text: h, secrets: [h, h.split(".")[0] ?? h] })),
  fc
    .tuple(canaryWord, fc.oneof(fqdn, ipv4, canaryWord))
    .map(([u, h]) => ({ text: `${u}@${h}`, secrets: [u, h] })),
  fc
    .tuple(canaryWord, fc.oneof(fqdn, ipv4), fc.constantFrom(":22", ":/srv/x", ":~/y", ""))
    .map(([u, h, s]) => ({
      text: `ssh://${u}@${h}${s.startsWith(":/") || s.startsWith(":~") ? "" : s}`,
      secrets: [u, h],
    })),
  fc
    .tuple(canaryWord, fc.oneof(fqdn, ipv4), canaryWord)
    .map(([u, h, p]) => ({ text: `${u}@${h}:/data/${p}`, secrets: [u, h, p] })),
  fc
    .tuple(canaryWord, fc.array(fc.stringMatching(/^[a-z0-9._-]{1,10}$/), { maxLength: 3 }))
    .map(([u, rest]) => ({ text: ["/home", u, ...rest].join("/"), secrets: [`/home/${u}`, u] })),
  fc.tuple(canaryWord, canaryWord).map(([u, f]) => ({ text: `C:\\Users\\${u}\\${f}`, secrets: [u, f] })),
  fc.tuple(canaryWord, canaryWord).map(([u, f]) => ({ text: `~${u}/${f}`, secrets: [u, f] })),
  fc.stringMatching(/^[0-9]{12}$/).map((id) => ({ text: id, secrets: [id] })),
  fc
    .stringMatching(/^[0-9]{4}-[0-9]{4}-[0-9]{4}$/)
    .map((id) => ({ text: id, secrets: [id, id.replaceAll("-", "")] })),
  fc
    .tuple(fc.constantFrom("AKIA", "ASIA"), fc.stringMatching(/^[A-Z0-9]{16}$/))
    .map(([p, k]) => ({ text: p + k, secrets: [p + k, k] })),
  fc
    .tuple(fc.array(hex(2, 2), { minLength: 6, maxLength: 6 }), fc.constantFrom(":", "-"), fc.boolean())
    .map(([b, sep, up]) => {
      const mac = b.join(sep);
      const text = up ? mac.toUpperCase() : mac;
      return { text, secrets: [text] };
    }),
  fc
    .stringMatching(/^[A-Za-z0-9][A-Za-z0-9._~+/-]{19,40}$/)
    .map((t) => ({ text: `Bearer ${t}`, secrets: [t] })),
  fc
    .tuple(
      fc.constantFrom("password", "token", "api_key", "SECRET", "TELEMETRY_BEARER_TOKEN"),
      fc.stringMatching(/^[A-Za-z0-9]{6,20}$/),
    )
    .map(([k, v]) => ({ text: `${k}=${v}`, secrets: [`=${v}`] })),
  hex(40, 64).map((h) => ({ text: h, secrets: [h] })),
  fc.uuid().map((u) => ({ text: u, secrets: [u, u.slice(0, 8)] })),
  fc.tuple(canaryWord, fqdn).map(([u, h]) => ({ text: `https://${h}/${u}?x=1`, secrets: [h, u] })),
);

const BENIGN_WORDS = [
  "missing",
  "cloud",
  "credentials",
  "in",
  "demo-skip",
  "multipass",
  "not",
  "installed",
  "k3s",
  "v1.30.2+k3s1",
  "published",
  "requires",
  "an",
  "arm64",
  "host",
  "generated/cluster.json",
  "OpenTofu",
  "1.8.0",
  "cluster.json",
  "values.yaml",
  "Makefile",
  "id_ed25519.pub",
  "1.29",
  "node.js",
  "20.11",
  "timeout",
  "after",
  "30s",
  "exit",
  "code",
  "3",
  "single-node-arm",
  "server-agent",
  "nodes",
  "expected",
  "ready",
  "cert_manager",
  "longhorn",
  "rancher",
  "registry",
  "[SKIP]",
  "ssh",
  "key",
  "account",
  "the",
];
const benignText = fc
  .array(fc.constantFrom(...BENIGN_WORDS), { minLength: 0, maxLength: 4 })
  .map((w) => w.join(" "));
const separator = fc.constantFrom(
  " ",
  ", ",
  " (",
  ") ",
  "; ",
  "\n",
  "\t",
  ' "',
  '" ',
  ": ",
  " = ",
  " \x1b[31m",
  "\x1b[0m ",
);

const mixed = fc
  .array(fc.tuple(benignText, separator, canary, separator), { minLength: 1, maxLength: 6 })
  .map((parts) => ({
    text: parts.map(([b, s1, c, s2]) => `${b}${s1}${c.text}${s2}`).join(""),
    secrets: parts.flatMap(([, , c]) => c.secrets),
  }));

describe("sanitize: properties", () => {
  test("no generated canary survives", () => {
    fc.assert(
      fc.property(mixed, ({ text, secrets }) => {
        const out = sanitize(text, { maxLength: 100_000 }).toLowerCase();
        for (const s of secrets) expect(out).not.toContain(s.toLowerCase());
      }),
      { numRuns: 400 },
    );
  });

  test("idempotent and capped on canary mixes", () => {
    fc.assert(
      fc.property(mixed, fc.integer({ min: 1, max: 400 }), ({ text }, maxLength) => {
        const once = sanitize(text, { maxLength });
        expect(sanitize(once, { maxLength })).toBe(once);
        expect(once.length).toBeLessThanOrEqual(maxLength + 1);
      }),
      { numRuns: 300 },
    );
  });

  test("idempotent, capped and control-free on arbitrary strings", () => {
    const noisy = noisyText([
      "a",
      "1",
      ".",
      ":",
      "/",
      "\\",
      "@",
      "-",
      "_",
      " ",
      "\x1b",
      "[",
      "\n",
      "<",
      ">",
      "~",
      "=",
    ]);
    fc.assert(
      fc.property(noisy, (s) => {
        const once = sanitize(s);
        expect(sanitize(once)).toBe(once);
        expect(once.length).toBeLessThanOrEqual(DEFAULT_MAX_LENGTH + 1);
        expect(once).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
        expect(once).toBe(once.trim());
        expect(JSON.parse(JSON.stringify(once))).toBe(once);
      }),
      { numRuns: 500 },
    );
  });

  test("benign text alone is unchanged", () => {
    fc.assert(
      fc.property(benignText, (s) => {
        expect(sanitize(s)).toBe(s);
      }),
    );
  });
});

describe("sanitize: token formats plain words can spell skip the shortcut", () => {
  test.each([
    "sk-a-aaa-aaa-aaaaaaa-aa",
    "ci-sk-aaaaaaaaaaaaaaaaaaaaaa",
    "glpat-aaaaaaaaaaaaaaaaaaaaaa",
    "xoxb-aaaaaaaaaaaa",
  ])("%p is a secret, as the full rules say", (text) => {
    expect(sanitize(text)).toBe(sanitizeFully(text));
    expect(sanitize(text)).toContain("<secret>");
  });
});

describe("sanitize: the plain-words shortcut agrees with the full rules", () => {
  const plainWords = fc
    .array(fc.stringMatching(/^[a-f]{1,3}$|^[a-z]{1,9}$/), { minLength: 1, maxLength: 6 })
    .map((words) => words.join("-"));
  test("every text the shortcut returns as-is comes out of the full rules unchanged", () => {
    fc.assert(
      fc.property(plainWords, (text) => {
        if (!isPlainWords(text)) return;
        expect(sanitizeFully(text)).toBe(text);
      }),
      { numRuns: 3000 },
    );
  });
  test("isPlainWords is exactly its two regexes; sanitizeName keeps plain words as they are", () => {
    const reference = (text: string) =>
      text.length <= 31 &&
      /^[a-z]+(?:-[a-z]+)*$/.test(text) &&
      !/^[a-f]{2}(?:-[a-f]{2}){5}$/.test(text) &&
      !/(?:^|-)(?:sk|glpat|xox[a-z])-/.test(text);
    const text = fc.oneof(
      plainWords,
      fc.string({
        unit: fc.constantFrom("a", "b", "f", "g", "z", "-", "A", "0", ".", " ", "é"),
        maxLength: 34,
      }),
      fc
        .array(fc.stringMatching(/^[a-z]{2}$/), { minLength: 6, maxLength: 6 })
        .map((pairs) => pairs.join("-")),
      fc
        .tuple(fc.constantFrom("", "ci-"), fc.constantFrom("sk", "glpat", "xoxb", "xox", "sky"), plainWords)
        .map(([lead, prefix, words]) => `${lead}${prefix}-${words}`),
      fc.string({ maxLength: 20 }),
    );
    fc.assert(
      fc.property(text, (t) => {
        expect(isPlainWords(t)).toBe(reference(t));
        if (isPlainWords(t)) expect(sanitizeName(t)).toBe(t);
      }),
      { numRuns: 5000 },
    );
  });
  test.each([
    ["run-scenario", true],
    ["onprem-basic-arm", true],
    ["de-ad-be-ef-ca-fe", false],
    ["ip-10-0-0-1", false],
    ["node-a.corp", false],
    ["a-very-long-hyphenated-name-over-limit", false],
    ["Multipass", false],
    ["ab-cd-ef-ab-cd-ef", false],
    ["ab-cd-ef-ab-cd-eg", true],
    ["abc-de-fa-bc-de-f", true],
    ["-run", false],
    ["run-", false],
    ["run--scenario", false],
    ["", false],
  ])("isPlainWords(%p) = %p", (text, want) => expect(isPlainWords(text)).toBe(want));
});
