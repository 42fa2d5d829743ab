// Values a run inherits from its caller — correlation ids and the two headers — are used only
// when they identify nothing (docs/privacy-and-telemetry.md › Correlation ids, › The request).
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { DEFAULT_USER_AGENT } from "../lib/cli/version.ts";
import { inheritId } from "../lib/telemetry/correlation.ts";
import { deriveId, hasOpaqueShape, isOpaqueId } from "../lib/telemetry/derive.ts";
import { DEFAULT_MARKER, parseSettings } from "../lib/telemetry/settings.ts";
import { REPO } from "./support/run.ts";

const DERIVED = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("correlation ids: opaque ones pass unchanged", () => {
  test.each([
    ["productive-k3s-cli / bash: 16 hex digits", "9f3a61c0d2e4b875"],
    ["16 hex digits that happen to be all digits", "4821937465019283"],
    ["upper-case hex", "9F3A61C0D2E4B875"],
    ["a 32-digit hex id", "0123456789abcdef0123456789abcdef"],
    ["our own UUIDv7", "01a21555-5cb1-75a1-96f7-7f23e522533a"],
    ["a UUIDv4", "3b241101-e2bb-4255-8caf-4136c566a962"],
    ["a derived UUIDv8", deriveId("i-0abc123def4567890")],
    ["core: <yyyymmdd-hhmmss>-<pid>-<random>", "20261201-202837-48213-17731"],
    ["digits and underscores", "20261201_202837_48213"],
  ])("%s", (_label, id) => {
    expect(hasOpaqueShape(id)).toBe(true);
    expect(isOpaqueId(id)).toBe(true);
    const warnings: string[] = [];
    expect(inheritId(id, "TELEMETRY_SESSION_ID", (w) => warnings.push(w))).toBe(id);
    expect(warnings).toEqual([]);
  });
});

describe("correlation ids: identifying ones are replaced by a derived id", () => {
  test.each([
    ["an EC2 instance id", "i-0abc123def4567890"],
    ["a security group", "sg-0123456789abcdef0"],
    ["a VPC", "vpc-0a1b2c3d"],
    ["host:port", "bastion.corp.example.com:22"],
    ["a bare host:port", "jump-bastion-03:22"],
    ["an EC2 host name built from an address", "ip-10-0-1-70.ec2.internal"],
    ["an address written with dashes", "10-0-1-70"],
    ["an IPv4 address", "10.20.30.40"],
    ["an AWS account id", "123456789012"],
    ["a hostname with _ for -", "build_box_07"],
    ["a UUIDv1 (it carries a MAC address)", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"],
    ["a name", "sess-0001"],
    ["a MAC without separators", "0242ac110002"],
    ["an e-mail", "alice@example.com"],
    ["a path", "/home/alice/run"],
    ["a short hex value (a MAC or an address in hex)", "0a00013f"],
  ])("%s", (_label, raw) => {
    expect(isOpaqueId(raw)).toBe(false);
    const warnings: string[] = [];
    const id = inheritId(raw, "TELEMETRY_PARENT_RUN_ID", (w) => warnings.push(w));
    expect(id).toMatch(DERIVED);
    expect(id).toBe(deriveId(raw));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("TELEMETRY_PARENT_RUN_ID");
    expect(warnings[0]).not.toContain(raw);
    // the derived id is itself opaque: a child receiving it keeps it
    expect(inheritId(id, "TELEMETRY_SESSION_ID", () => {})).toBe(id);
  });

  test("derivation is a function: equal inputs, equal ids; different inputs, different ids", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        (a, b) => {
          expect(deriveId(a)).toBe(deriveId(a));
          expect(deriveId(a)).toMatch(DERIVED);
          if (a !== b) expect(deriveId(a)).not.toBe(deriveId(b));
        },
      ),
    );
  });

  test("derivation is keyed: the id is not a plain hash of the value", () => {
    const raw = "lab";
    const plain = new Bun.CryptoHasher("sha256").update(raw).digest("hex");
    expect(deriveId(raw).replaceAll("-", "")).not.toBe(plain.slice(0, 32));
    expect(plain).not.toContain(deriveId(raw).slice(0, 8));
  });
});

describe("correlation ids across processes: the chain agrees on the derived id", () => {
  const emitEnv = (extra: Record<string, string>) => {
    const out = Bun.spawnSync([process.execPath, "scripts/emit.ts", "env", "--format", "json"], {
      cwd: REPO,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: "/tmp",
        TELEMETRY_OUTBOX_DIR: "/tmp/pk3s-inherited-values-outbox",
        ...extra,
      },
    });
    return {
      set: JSON.parse(out.stdout.toString()) as Record<string, string>,
      stderr: out.stderr.toString(),
    };
  };

  test("two separate processes derive the same id, and a child given it keeps it silently", () => {
    const raw = "ip-10-0-1-70.ec2.internal";
    const first = emitEnv({ TELEMETRY_SESSION_ID: raw, TELEMETRY_PARENT_RUN_ID: "i-0abc123def4567890" });
    const second = emitEnv({ TELEMETRY_SESSION_ID: raw, TELEMETRY_PARENT_RUN_ID: "i-0abc123def4567890" });
    expect(first.set.TELEMETRY_SESSION_ID).toMatch(DERIVED);
    expect(second.set.TELEMETRY_SESSION_ID).toBe(first.set.TELEMETRY_SESSION_ID as string);
    expect(second.set.TELEMETRY_PARENT_RUN_ID).toBe(first.set.TELEMETRY_PARENT_RUN_ID as string);
    expect(JSON.stringify(first.set)).not.toContain("ec2");
    expect(first.stderr).toContain("TELEMETRY_SESSION_ID");
    expect(first.stderr).not.toContain(raw);
    const child = emitEnv({
      TELEMETRY_SESSION_ID: first.set.TELEMETRY_SESSION_ID as string,
      TELEMETRY_PARENT_RUN_ID: first.set.TELEMETRY_PARENT_RUN_ID as string,
    });
    expect(child.set.TELEMETRY_SESSION_ID).toBe(first.set.TELEMETRY_SESSION_ID as string);
    expect(child.stderr).toBe("");
  });

  test("16 hex digits from productive-k3s-cli pass unchanged through the whole set", () => {
    const { set, stderr } = emitEnv({
      TELEMETRY_SESSION_ID: "9f3a61c0d2e4b875",
      TELEMETRY_RUN_ID: "0c1d2e3f40516273",
    });
    expect(set.TELEMETRY_SESSION_ID).toBe("9f3a61c0d2e4b875");
    expect(set.TELEMETRY_PARENT_RUN_ID).toBe("0c1d2e3f40516273");
    expect(stderr).toBe("");
  });
});

describe("headers: TELEMETRY_MARKER", () => {
  test.each(["pk3s-public-v1", "pk3s-lab.v2", "team_a-2026"])("%p is kept", (marker) => {
    const { settings, warnings } = parseSettings({ TELEMETRY_MARKER: marker });
    expect(settings.marker).toBe(marker);
    expect(warnings).toEqual([]);
  });
  test.each([
    "node-a.corp.example.com",
    "10.0.0.12",
    "marker-10-0-0-12",
    "alice@example.com",
    "/home/alice",
    "has space",
    "x".repeat(65),
    "pk3s\r\nX-Evil: 1",
    "ip-10-0-1-70",
  ])("%p: a warning naming the variable, and the default", (marker) => {
    const { settings, warnings } = parseSettings({ TELEMETRY_MARKER: marker });
    expect(settings.marker).toBe(DEFAULT_MARKER);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("TELEMETRY_MARKER");
    expect(warnings[0]).toContain(DEFAULT_MARKER);
  });
});

describe("headers: TELEMETRY_USER_AGENT", () => {
  test.each([
    ["productive-k3s-cli/0.4.0", "productive-k3s-cli/0.4.0"],
    [
      "productive-k3s-cli/0.4.0 pk3s-infra-telemetry/0.1.0",
      "productive-k3s-cli/0.4.0 pk3s-infra-telemetry/0.1.0",
    ],
    ["productive-k3s-cli/0.4.0 (linux; x64)", "productive-k3s-cli/0.4.0 (linux; x64)"],
    ["productive-k3s-cli/0.4.0 (nightly run)", "productive-k3s-cli/0.4.0 (nightly run)"],
    // a comment naming a host or a path is dropped, the product kept
    ["productive-k3s-cli/0.4.0 (node-a.corp.example.com)", "productive-k3s-cli/0.4.0"],
    ["productive-k3s-cli/0.4.0 (/home/alice; alice@example.com)", "productive-k3s-cli/0.4.0"],
  ])("%p → %p", (raw, want) => {
    const { settings, warnings } = parseSettings({ TELEMETRY_USER_AGENT: raw });
    expect(settings.userAgent).toBe(want);
    expect(warnings).toEqual([]);
  });
  test.each([
    "node-a.corp.example.com/1.0",
    "agent/1.0 10.0.0.12",
    "curl/8.5 alice@example.com",
    "tool/1.0 /home/alice/bin",
    "(only a comment)",
    "tool/1.0 (unclosed",
    "agent\tx",
  ])("%p: a warning naming the variable, and the default", (raw) => {
    const { settings, warnings } = parseSettings({ TELEMETRY_USER_AGENT: raw });
    expect(settings.userAgent).toBe(DEFAULT_USER_AGENT);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("TELEMETRY_USER_AGENT");
    expect(warnings[0]).toContain(DEFAULT_USER_AGENT);
  });
});
