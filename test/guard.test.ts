import { describe, expect, test } from "bun:test";
import * as os from "node:os";
import fc from "fast-check";
import {
  GENERIC_WORDS,
  guardText,
  guardValue,
  guardValueFully,
  type Identifier,
  type IdentifierKind,
  machineIdentifiers,
  makeIdentifier,
  mayContainIdentifier,
  mayHoldAddress,
  nodeSystem,
  type SystemInfo,
} from "../lib/privacy/guard.ts";
import { PLACEHOLDERS } from "../lib/privacy/sanitize.ts";

const HOST = "canary-host-7q.example.internal";
const SHORT_HOST = "canary-host-7q";
const USER = "canaryuser7q";
const HOME = "/home/canaryuser7q";
const TOKEN = "tok-CANARY-7q-9f8e7d6c5b4a";
const IP4 = "10.77.3.21";
const IP6 = "fe80::1c2b:3dff:fe4e:5f60";
const IP6_FULL = "fe80:0:0:0:1c2b:3dff:fe4e:5f60";
const MAC = "1e:2b:3d:4e:5f:60";

const ENV = { HOSTNAME: HOST, USER, HOME, TELEMETRY_BEARER_TOKEN: TOKEN };

function fakeSystem(over: Partial<SystemInfo> = {}): SystemInfo {
  return {
    hostname: () => HOST,
    username: () => USER,
    homedir: () => HOME,
    networkInterfaces: () => ({
      lo: [
        { address: "127.0.0.1", family: "IPv4", internal: true, mac: "00:00:00:00:00:00" },
        { address: "::1", family: "IPv6", internal: true, mac: "00:00:00:00:00:00" },
      ],
      eth0: [
        { address: IP4, family: "IPv4", internal: false, mac: MAC },
        { address: `${IP6}%eth0`, family: "IPv6", internal: false, mac: MAC },
      ],
      docker0: undefined,
    }),
    ...over,
  };
}

const IDS = machineIdentifiers(ENV, fakeSystem());
const CANARIES = [HOST, SHORT_HOST, USER, HOME, TOKEN, IP4, IP6, IP6_FULL, MAC];

function expectNoCanary(text: string): void {
  const lower = text.toLowerCase();
  for (const c of CANARIES) expect(lower).not.toContain(c.toLowerCase());
  expect(lower).not.toContain(MAC.replaceAll(":", "-"));
}

describe("machineIdentifiers", () => {
  test("collects host, short host, user, home, addresses, MACs and the token with their placeholders", () => {
    const pairs = IDS.map((id) => `${id.kind} ${id.placeholder} ${id.value}`);
    expect(pairs).toEqual(
      expect.arrayContaining([
        `host <host> ${HOST}`,
        `host <host> ${SHORT_HOST}`,
        `user <user> ${USER}`,
        `home <path> ${HOME}`,
        `ip <ip> ${IP4}`,
        `ip <ip> ${IP6}%eth0`,
        `ip <ip> ${IP6}`,
        `ip <ip> ${IP6_FULL}`,
        `mac <mac> ${MAC}`,
        `mac <mac> ${MAC.replaceAll(":", "-")}`,
        `secret <secret> ${TOKEN}`,
      ]),
    );
  });

  test("skips loopback interfaces, duplicates, and is sorted longest first", () => {
    const values = IDS.map((id) => id.value);
    expect(values).not.toContain("127.0.0.1");
    expect(values).not.toContain("::1");
    expect(values).not.toContain("00:00:00:00:00:00");
    expect(new Set(values.map((v) => v.toLowerCase())).size).toBe(values.length);
    for (let i = 1; i < values.length; i++) {
      expect((values[i - 1] ?? "").length).toBeGreaterThanOrEqual((values[i] ?? "").length);
    }
    expect(values.indexOf(HOME)).toBeLessThan(values.indexOf(USER));
  });

  test("drops empty, short and generic values", () => {
    const ids = machineIdentifiers(
      {
        HOSTNAME: "localhost",
        USER: "root",
        LOGNAME: "ab",
        USERNAME: "",
        HOME: "/root",
        USERPROFILE: "C:\\",
        TELEMETRY_BEARER_TOKEN: "",
      },
      fakeSystem({
        hostname: () => "vm",
        username: () => "runner",
        homedir: () => "/",
        networkInterfaces: () => ({}),
      }),
    );
    expect(ids).toEqual([]);
  });

  test.each(PLACEHOLDERS.map((p) => [p.slice(1, -1), p]))(
    "a machine and user called %p leave every placeholder whole (%p …)",
    (name) => {
      const ids = machineIdentifiers({}, fakeSystem({ hostname: () => name, username: () => name }));
      expect(ids.some((id) => id.kind !== "ip" && id.kind !== "mac" && id.value === name)).toBe(false);
      const text = PLACEHOLDERS.join(" ");
      expect(guardValue(text, ids).value).toBe(text);
    },
  );

  test("service accounts and groups are no one's: a runner user called www-data or wheel is kept", () => {
    for (const name of ["www-data", "wheel", "postgres", "gitlab-runner"]) {
      const ids = machineIdentifiers({}, fakeSystem({ username: () => name }));
      expect(ids.some((id) => id.kind === "user")).toBe(false);
    }
  });

  test("every kept word is meaningful: no generic word and nothing under 3 characters", () => {
    for (const id of IDS) {
      expect(id.value.length).toBeGreaterThanOrEqual(3);
      expect(GENERIC_WORDS.has(id.value.toLowerCase())).toBe(false);
    }
  });

  test("reads every documented variable", () => {
    const ids = machineIdentifiers(
      {
        HOSTNAME: "envhost-a1",
        COMPUTERNAME: "WINBOX-B2",
        USER: "envuser-c3",
        LOGNAME: "logname-d4",
        USERNAME: "winuser-e5",
        SUDO_USER: "sudoer-f6",
        HOME: "/home/envhome-g7/",
        USERPROFILE: "C:\\Users\\winhome-h8",
        TELEMETRY_BEARER_TOKEN: "token-i9",
      },
      fakeSystem({
        hostname: () => "oshost-j0",
        username: () => "osuser-k1",
        homedir: () => "/srv/oshome-l2",
      }),
    );
    const values = ids.map((id) => id.value);
    for (const v of [
      "envhost-a1",
      "WINBOX-B2",
      "envuser-c3",
      "logname-d4",
      "winuser-e5",
      "sudoer-f6",
      "/home/envhome-g7",
      "C:\\Users\\winhome-h8",
      "C:/Users/winhome-h8",
      "token-i9",
      "oshost-j0",
      "osuser-k1",
      "/srv/oshome-l2",
    ]) {
      expect(values).toContain(v);
    }
  });

  test("a failing os.userInfo() or networkInterfaces() does not throw", () => {
    const broken = fakeSystem({
      username: () => {
        throw new Error("no passwd entry");
      },
      networkInterfaces: () => {
        throw new Error("no interfaces");
      },
    });
    const ids = machineIdentifiers({ USER: "fallback-user9" }, broken);
    expect(ids.map((id) => id.value)).toContain("fallback-user9");
  });

  test("identifier values are never serialised or printed", () => {
    const shown = [
      JSON.stringify(IDS),
      Bun.inspect(IDS),
      String(IDS),
      JSON.stringify(Object.keys(IDS[0] ?? {})),
    ];
    for (const s of shown) expectNoCanary(s);
    expect(JSON.stringify(IDS)).toContain('"kind":"secret"');
  });

  test("identifiers are frozen", () => {
    const id = makeIdentifier("user", "someone-x");
    expect(Object.isFrozen(id)).toBe(true);
    expect(id.value).toBe("someone-x");
    expect(id.placeholder).toBe("<user>");
  });
});

describe("guardValue", () => {
  const input = {
    host: HOST,
    sentence: `built on ${SHORT_HOST} by ${USER}.`,
    shouting: SHORT_HOST.toUpperCase(),
    home: `${HOME}/.kube/config`,
    nested: {
      list: [
        `token ${TOKEN}`,
        `ip ${IP4}:22`,
        `mac ${MAC.toUpperCase()}`,
        `v6 ${IP6}%eth0`,
        `full ${IP6_FULL}`,
      ],
      deeper: [{ [`${USER}-laptop`]: `${USER}_backup` }],
    },
    [HOME]: { [SHORT_HOST]: 1 },
    benign: `x${USER} ${IP4}0 k3s cluster scenario`,
    count: 3,
    flag: true,
    nothing: null,
  };

  test("replaces identifiers in values and keys, in a copy, and counts them", () => {
    const { value, hits } = guardValue<unknown>(input, IDS);
    expect(value).toEqual({
      host: "<host>",
      sentence: "built on <host> by <user>.",
      shouting: "<host>",
      home: "<path>/.kube/config",
      nested: {
        list: ["token <secret>", "ip <ip>:22", "mac <mac>", "v6 <ip>", "full <ip>"],
        deeper: [{ "<user>-laptop": "<user>_backup" }],
      },
      "<path>": { "<host>": 1 },
      benign: `x${USER} ${IP4}0 k3s cluster scenario`,
      count: 3,
      flag: true,
      nothing: null,
    });
    expect(hits).toBe(14);
    expect(input.host).toBe(HOST); // the input is untouched
  });

  test("whole words only for host and user names", () => {
    expect(guardValue(`${USER}x`, IDS)).toEqual({ value: `${USER}x`, hits: 0 });
    expect(guardValue(`a${SHORT_HOST}`, IDS)).toEqual({ value: `a${SHORT_HOST}`, hits: 0 });
    expect(guardValue(`(${USER})`, IDS)).toEqual({ value: "(<user>)", hits: 1 });
  });

  test("an address is not replaced inside a longer number", () => {
    expect(guardValue(`${IP4}5 and 1${IP4}`, IDS).hits).toBe(0);
    expect(guardValue(`${IP4}.`, IDS)).toEqual({ value: "<ip>.", hits: 1 });
  });

  test("home directories match case-insensitively, tokens exactly", () => {
    expect(guardValue(HOME.toUpperCase(), IDS).value).toBe("<path>");
    expect(guardValue(TOKEN.toLowerCase(), IDS).hits).toBe(0);
  });

  test("no identifiers, nothing to do", () => {
    expect(guardValue({ a: HOST }, [])).toEqual({ value: { a: HOST }, hits: 0 });
  });

  test("a number containing the token becomes the placeholder", () => {
    const ids = [makeIdentifier("secret", "987654321")];
    expect(guardValue<unknown>({ n: 19876543210, m: 5 }, ids)).toEqual({
      value: { n: "1<secret>0", m: 5 },
      hits: 1,
    });
  });

  test("a __proto__ key stays a plain property", () => {
    const parsed = JSON.parse(`{"__proto__": {"${USER}": 1}}`) as Record<string, unknown>;
    const { value } = guardValue(parsed, IDS);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(JSON.stringify(value)).toBe('{"__proto__":{"<user>":1}}');
  });
});

describe("guardText", () => {
  test("keeps valid JSON and its layout, and agrees with guardValue", () => {
    const value = {
      reason: `ssh ${USER}@${HOST} failed\n\tsee ${HOME}/log`,
      [USER]: [IP4, TOKEN, 1.5, false],
      quoted: `"${SHORT_HOST}" \\ back\\slash`,
    };
    const serialised = JSON.stringify(value, null, 2);
    const { text, hits } = guardText(serialised, IDS);
    expectNoCanary(text);
    const parsed = JSON.parse(text) as unknown;
    const expected = guardValue(value, IDS);
    expect(parsed).toEqual(expected.value);
    expect(hits).toBe(expected.hits);
    expect(text.split("\n").length).toBe(serialised.split("\n").length);
  });

  test("untouched literals keep their original escaping", () => {
    const serialised = '{"a":"\\u0041bc","b":"\\/x","c":"on canary-host-7q"}';
    const { text, hits } = guardText(serialised, IDS);
    expect(text).toBe('{"a":"\\u0041bc","b":"\\/x","c":"on <host>"}');
    expect(hits).toBe(1);
  });

  test("an identifier next to an escape sequence is still a whole word", () => {
    const { text, hits } = guardText(JSON.stringify({ a: `line\n${USER}\ttab` }), IDS);
    expect(hits).toBe(1);
    expect(JSON.parse(text)).toEqual({ a: "line\n<user>\ttab" });
  });

  test("a unicode-escaped identifier is found", () => {
    const escaped = [...USER].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("");
    const { text, hits } = guardText(`{"u":"${escaped}"}`, IDS);
    expect(hits).toBe(1);
    expect(text).toBe('{"u":"<user>"}');
  });

  test("Windows home directories: escaped, double-escaped (embedded JSON) and slash forms", () => {
    const home = "C:\\Users\\CanaryWin7q";
    const ids = machineIdentifiers({ USERPROFILE: home }, fakeSystem({ homedir: () => home }));
    const inner = JSON.stringify({ home: `${home}\\AppData` });
    const value = { a: `${home}\\x`, b: inner, c: "C:/Users/CanaryWin7q/y", d: home.toLowerCase() };
    const serialised = JSON.stringify(value);
    expect(serialised).toContain("C:\\\\Users\\\\CanaryWin7q");
    const { text, hits } = guardText(serialised, ids);
    expect(hits).toBe(4);
    expect(text.toLowerCase()).not.toContain("canarywin7q");
    const parsed = JSON.parse(text) as Record<string, string>;
    expect(parsed.a).toBe("<path>\\x");
    expect(JSON.parse(parsed.b ?? "")).toEqual({ home: "<path>\\AppData" });
    expect(parsed.c).toBe("<path>/y");
  });

  test("a numeric token outside strings becomes a JSON string", () => {
    const ids = [makeIdentifier("secret", "987654321")];
    const { text, hits } = guardText('{"n": 19876543210, "m": [987654321, 5]}', ids);
    expect(hits).toBe(2);
    expect(JSON.parse(text)).toEqual({ n: "1<secret>0", m: ["<secret>", 5] });
  });

  test("invalid JSON is still cleaned, best effort", () => {
    const { text, hits } = guardText(`not json ${USER} "${HOST}`, IDS);
    expect(hits).toBe(2);
    expectNoCanary(text);
  });

  test("no identifiers, nothing to do", () => {
    const s = JSON.stringify({ a: HOST });
    expect(guardText(s, [])).toEqual({ text: s, hits: 0 });
  });
});

describe("the real machine", () => {
  const ids = machineIdentifiers();

  test("the real host name is caught when it is meaningful, and dropped otherwise", () => {
    const name = os.hostname();
    const meaningful = name.length >= 3 && !GENERIC_WORDS.has(name.toLowerCase());
    const { text } = guardText(JSON.stringify({ built_on: name, note: `on ${name}.` }), ids);
    if (meaningful) {
      expect(text).toBe('{"built_on":"<host>","note":"on <host>."}');
    } else {
      expect(ids.some((id) => id.kind === "host" && id.value === name)).toBe(false);
      expect(text).toContain(name);
    }
  });

  test("every real non-loopback interface address is caught", () => {
    const addresses = Object.values(os.networkInterfaces())
      .flatMap((list) => list ?? [])
      .filter((i) => !i.internal)
      .map((i) => i.address);
    const { value } = guardValue({ addresses }, ids);
    expect(value.addresses).toEqual(addresses.map(() => "<ip>"));
  });

  test("the real user and home directory are caught unless generic", () => {
    const home = os.homedir();
    const user = os.userInfo().username;
    const { value } = guardValue(
      { home: `${home}/x`, user: `by ${user}` },
      machineIdentifiers({}, nodeSystem),
    );
    const genericHome = ["/", "/root", "/home", "/tmp"].includes(home);
    expect(value.home).toBe(genericHome ? `${home}/x` : "<path>/x");
    const genericUser = user.length < 3 || GENERIC_WORDS.has(user.toLowerCase());
    expect(value.user).toBe(genericUser ? `by ${user}` : "by <user>");
  });
});

// ---------------------------------------------------------------------------------------------
// Property: random JSON documents with canaries in keys and values

const canaryText = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(...CANARIES, HOST.toUpperCase(), `${HOME}/x`, `C:${HOME}`),
  fc
    .tuple(fc.string({ maxLength: 8 }), fc.constantFrom(...CANARIES), fc.string({ maxLength: 8 }))
    .map(([a, c, b]) => `${a} ${c} ${b}`),
);

const doc = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    canaryText,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("node"), { maxLength: 4 }),
    fc.dictionary(canaryText, tie("node"), { maxKeys: 4 }),
  ),
})).node;

describe("guard: properties", () => {
  test("no canary survives, JSON stays valid, guardText agrees with guardValue", () => {
    fc.assert(
      fc.property(doc, fc.boolean(), (value, pretty) => {
        const serialised = pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value);
        const { text, hits } = guardText(serialised, IDS);
        expectNoCanary(text);
        const parsed = JSON.parse(text) as unknown;
        const expected = guardValue(value, IDS);
        expect(hits).toBe(expected.hits);
        expect(parsed).toEqual(JSON.parse(JSON.stringify(expected.value)));
        // guarding twice finds nothing more
        expect(guardText(text, IDS).hits).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  test("an identifier's value never changes how identifiers serialise or print", () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom("HOSTNAME", "USER", "HOME", "TELEMETRY_BEARER_TOKEN"), fc.string()),
        (env) => {
          const ids: Identifier[] = machineIdentifiers(env, fakeSystem());
          const blank = ids.map((id) => makeIdentifier(id.kind, "x"));
          expect(JSON.stringify(ids)).toBe(JSON.stringify(blank));
          expect(Bun.inspect(ids)).toBe(Bun.inspect(blank));
        },
      ),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The pre-checks: guardValue skips the regex only where it could not have matched

/** Values whose case mappings cross into ASCII or change length: the pre-check's hard cases. */
const TRICKY = ["alıce", "ſam", "\u212Aate", "İlker", "Straße", "ΣΑΣ", "σας", "Ǆemal", "ﬁona"];

const kindArb = fc.constantFrom<IdentifierKind>("host", "user", "home", "ip", "mac", "secret");
const valueArb = fc.oneof(
  fc.constantFrom(...CANARIES, ...TRICKY, "C:\\Users\\bob", 'we"ird', "tab\there"),
  fc.string({ minLength: 3, maxLength: 10 }),
  fc.string({ minLength: 3, maxLength: 10, unit: "binary" }),
);
const idsArb = fc
  .array(fc.tuple(kindArb, valueArb), { maxLength: 5 })
  .map((pairs) =>
    pairs.map(([kind, value]) => makeIdentifier(kind, value)).sort((a, b) => b.value.length - a.value.length),
  );

/** A string built around the identifiers' values: case flips, escapes, neighbours. */
function textAround(ids: readonly Identifier[]) {
  const parts = [...ids.map((id) => id.value), ...TRICKY, ...TRICKY.map((t) => t.toUpperCase())];
  const pick = parts.length > 0 ? fc.constantFrom(...parts) : fc.constant("");
  const piece = fc.oneof(
    fc.string({ maxLength: 6 }),
    fc.string({ maxLength: 4, unit: "binary" }),
    pick,
    pick.map((p) => p.toUpperCase()),
    pick.map((p) => p.toLowerCase()),
    pick.map((p) => JSON.stringify(p).slice(1, -1)),
    // disguises the guard's folded comparison sees through
    pick.map((p) =>
      [...p].map((c) => (c >= "!" && c <= "~" ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join(""),
    ),
    pick.map((p) => p.replaceAll("/", "%2F").replaceAll("@", "%40").replaceAll(".", "%2E")),
    pick.map((p) => p.replaceAll("a", "\u0430").replaceAll("o", "\u043e")),
    pick.map((p) => p.split("").join("\u200b")),
  );
  return fc.array(piece, { maxLength: 5 }).map((pieces) => pieces.join(""));
}

describe("guardValue's pre-check (mayContainIdentifier)", () => {
  test("guardValue equals guardValueFully: same copy, same hits", () => {
    fc.assert(
      fc.property(
        idsArb.chain((ids) =>
          fc.tuple(fc.constant(ids), fc.dictionary(textAround(ids), textAround(ids), { maxKeys: 4 })),
        ),
        ([ids, value]) => {
          expect(guardValue(value, ids)).toEqual(guardValueFully(value, ids));
        },
      ),
      { numRuns: 1000 },
    );
  });

  test("it is only false where the regex finds nothing", () => {
    fc.assert(
      fc.property(
        idsArb.chain((ids) => fc.tuple(fc.constant(ids), textAround(ids))),
        ([ids, text]) => {
          if (!mayContainIdentifier(text, ids)) expect(guardValueFully(text, ids).hits).toBe(0);
        },
      ),
      { numRuns: 2000 },
    );
  });

  test("an ASCII spelling of a non-ASCII identifier (ı, ſ, Kelvin sign) is still caught", () => {
    for (const [value, text] of [
      ["alıce", "ALICE"],
      ["ſam", "by SAM"],
      ["\u212Aate", "kate"],
    ] as const) {
      const ids = [makeIdentifier("user", value)];
      expect(guardValueFully(text, ids).hits).toBe(1);
      expect(guardValue(text, ids)).toEqual(guardValueFully(text, ids));
    }
  });

  test("the canaries of this file: caught with and without the pre-check", () => {
    expect(guardValue(input(), IDS)).toEqual(guardValueFully(input(), IDS));
    expect(mayContainIdentifier("run-scenario", IDS)).toBe(false);
    expect(mayContainIdentifier(`x ${SHORT_HOST.toUpperCase()} y`, IDS)).toBe(true);
  });
});

function input(): unknown {
  return { a: `built on ${SHORT_HOST}`, b: [`${IP4}:22`, MAC.toUpperCase()], [USER]: TOKEN, c: "plain" };
}

describe("mayHoldAddress: addresses and MACs need a digit, a ':' or five '-'", () => {
  const mac = fc
    .array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0xaa, 0xbc, 0xde, 0xef)), {
      minLength: 6,
      maxLength: 6,
    })
    .map((bytes) => bytes.map((b) => b.toString(16).padStart(2, "0")).join(":"));
  const address = fc.oneof(
    fc.ipV4(),
    fc.ipV6(),
    fc.tuple(fc.ipV6(), fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/)).map(([a, zone]) => `${a}%${zone}`),
  );
  const interfaces = fc.array(fc.tuple(address, mac), { minLength: 1, maxLength: 4 });

  test("every interface identifier (all forms) makes any text around it an address candidate", () => {
    fc.assert(
      fc.property(interfaces, fc.string(), fc.string(), (list, before, after) => {
        const system = fakeSystem({
          networkInterfaces: () => ({
            eth0: list.map(([addr, m]) => ({ address: addr, family: "x", internal: false, mac: m })),
          }),
        });
        const ids = machineIdentifiers({}, system).filter((id) => id.kind === "ip" || id.kind === "mac");
        expect(ids.length).toBeGreaterThan(0);
        for (const id of ids) {
          const once = JSON.stringify(id.value).slice(1, -1);
          for (const variant of [id.value, once, id.value.toUpperCase(), id.value.toLowerCase()]) {
            expect(mayHoldAddress(`${before}${variant}${after}`)).toBe(true);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  test("for names that cannot hold one, the identifiers without interfaces guard the same", () => {
    const nameArb = fc.oneof(
      fc.stringMatching(/^[A-Za-z._-]{0,40}$/),
      fc.constantFrom("run-scenario", "multipass", "onprem-basic-arm", SHORT_HOST, USER, `${USER}-x`),
    );
    fc.assert(
      fc.property(interfaces, nameArb, nameArb, (list, command, scenario) => {
        const system = fakeSystem({
          networkInterfaces: () => ({
            eth0: list.map(([addr, m]) => ({ address: addr, family: "x", internal: false, mac: m })),
          }),
        });
        if (mayHoldAddress(command) || mayHoldAddress(scenario)) return;
        const all = machineIdentifiers(ENV, system);
        const named = machineIdentifiers(ENV, system, { addresses: false });
        expect(named.every((id) => id.kind !== "ip" && id.kind !== "mac")).toBe(true);
        expect(guardValue({ command, scenario }, named)).toEqual(guardValueFully({ command, scenario }, all));
      }),
      { numRuns: 500 },
    );
  });

  test("ordinary names are not candidates; digits, ':' and five '-' are", () => {
    expect(mayHoldAddress("run-scenario")).toBe(false);
    expect(mayHoldAddress("onprem-basic-arm")).toBe(false);
    expect(mayHoldAddress("aa-bb-cc-dd-ee")).toBe(false);
    expect(mayHoldAddress("aa-bb-cc-dd-ee-ff")).toBe(true);
    expect(mayHoldAddress("k3s")).toBe(true);
    expect(mayHoldAddress("fe80::")).toBe(true);
  });
});

test("home directories lose exactly their trailing separators (what /[\\\\/]+$/ removes)", () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom("a", "B", "/", "\\", ":"), maxLength: 12 }), (tail) => {
      const home = `/x${tail}`;
      const ids = machineIdentifiers({}, fakeSystem({ homedir: () => home }));
      const trimmed = home.replace(/[\\/]+$/, "");
      const expected = [trimmed, ...(trimmed.includes("\\") ? [trimmed.replaceAll("\\", "/")] : [])].filter(
        (h) => h.length >= 3,
      );
      const homes = ids.filter((id) => id.kind === "home").map((id) => id.value);
      expect(new Set(homes)).toEqual(new Set(expected));
    }),
    { numRuns: 1000 },
  );
});

describe("this machine's identifiers in other spellings, and ordinary-word names", () => {
  const lab = machineIdentifiers(
    {},
    fakeSystem({
      hostname: () => "lab",
      username: () => "ops",
      homedir: () => "/home/ops",
      networkInterfaces: () => ({
        eth0: [{ address: "10.0.1.70", family: "IPv4", internal: false, mac: "02:42:ac:11:00:02" }],
      }),
    }),
  );
  const guarded = (text: string) => guardValue(text, lab).value;
  test.each([
    ["node-10-0-1-70 not ready", "node-<ip> not ready"],
    ["ip-10_0_1_70", "ip-<ip>"],
    ["route 0a000146", "route <ip>"],
    ["as a number 167772486", "as a number <ip>"],
    ["eth0 0242AC110002", "eth0 <mac>"],
    ["eth0 0242.ac11.0002", "eth0 <mac>"],
    ["eth0 02-42-AC-11-00-02", "eth0 <mac>"],
    ["ssh ops@lab failed", "ssh <user>@<host> failed"],
    ["lab:22 refused", "<host>:22 refused"],
    ["unreachable (lab)", "unreachable (<host>)"],
    ["lab", "<host>"],
    ["user=ops", "user=<user>"],
    ["/srv/ops/cache", "/srv/<user>/cache"],
    ["\uff4c\uff41\uff42:22 refused", "<host>:22 refused"],
    ["l\u0430b:22 refused", "<host>:22 refused"],
    ["%2Fhome%2Fops%2F.kube", "<path>/.kube"],
    ["fatal: [lab]: UNREACHABLE!", "fatal: [<host>]: UNREACHABLE!"],
    ["context 'lab' not found", "context '<host>' not found"],
    ["TELEMETRY_SESSION_ID=lab is not an opaque id", "TELEMETRY_SESSION_ID=<host> is not an opaque id"],
    ["owned by ops:ops, expected root:root", "owned by <user>:<user>, expected root:root"],
    ["cluster name k3s_lab_dev already registered", "cluster name k3s_<host>_dev already registered"],
    ["lab-node-2 not ready", "<host>-node-2 not ready"],
    ["Connection to lab closed by remote host.", "Connection to <host> closed by remote host."],
    ["ping: lab: 100% packet loss", "ping: <host>: 100% packet loss"],
    ["[sudo] password for ops: timed out", "[sudo] password for <user>: timed out"],
    ["home directory of ops is not writable", "home directory of <user> is not writable"],
    ["lock held by ops (pid 4411)", "lock held by <user> (pid 4411)"],
    ["could not reach lab", "could not reach <host>"],
    ["apt lock held by ops since 10:42 UTC", "apt lock held by <user> since 10:42 UTC"],
    ["ops: Permission denied (publickey).", "<user>: Permission denied (publickey)."],
    ["who: ops pts/1 2024-06-10", "who: <user> pts/1 2024-06-10"],
    ["JOB_NAME=nightly/ops-branch aborted", "JOB_NAME=nightly/<user>-branch aborted"],
    ["owned by <user>:ops", "owned by <user>:<user>"],
    ["FAILED SU (to root) ops on pts/1", "FAILED SU (to root) <user> on pts/1"],
    ["agent pk3s-infra-telemetry/0.4.1 (lab; ops)", "agent pk3s-infra-telemetry/0.4.1 (<host>; <user>)"],
  ])("%p → %p", (text, want) => {
    expect(guarded(text)).toBe(want);
  });
  test.each([
    "the ops team must approve live runs",
    "lab network is not configured",
    "dev/ops review pending",
    "ops and lab are words",
    "waiting for ops approval before the live run",
    "a lab-grade network is required",
    "send the report to the ops team",
    "blocked until lab hardware is back",
    "ops-approved images only",
    "waiting for the ops team since Monday",
  ])("%p stays", (text) => {
    expect(guarded(text)).toBe(text);
  });
});
