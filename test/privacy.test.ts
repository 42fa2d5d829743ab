import { describe, expect, test } from "bun:test";
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
} from "../lib/privacy/sanitize.ts";

// ---------------------------------------------------------------------------------------------
// Corpus 1: exact input → output pairs

const EXACT: Array<[input: string, output: string]> = [
  // a user or a machine named before a verb of state; AWS resource ids
  ["user alice not in sudoers", "user <user> not in sudoers"],
  ["node k3s-node-1 is unreachable", "node <host> is unreachable"],
  ["host db01 refused the connection", "host <host> refused the connection"],
  ["instance i-0abc123def4567890 not running", "instance <id> not running"],
  ["vpc-0a1b2c3d subnet-12345678 sg-0123456789abcdef0", "<id> <id> <id>"],
  ["ami-0c55b159cbfafe1f0 missing", "<id> missing"],
  // the reference's leak (the bash implementation this replaces)
  [
    "ssh ubuntu@10.20.30.40 (node-a.corp.example.com), key /home/alice/.ssh/id_ed25519, account 123456789012",
    "ssh <ssh-target> (<host>), key <path>, account <account-id>",
  ],
  // IPv4
  ["connect to 10.20.30.40 failed", "connect to <ip> failed"],
  ["listening on 192.168.1.17:6443", "listening on <ip>"],
  ["pod cidr 10.42.0.0/16 overlaps", "pod cidr <ip> overlaps"],
  ["route 172.16.0.0/12 via 172.16.0.1", "route <ip> via <ip>"],
  ["ip=203.0.113.9,mask=24", "ip=<ip>,mask=24"],
  ["(10.0.0.1)", "(<ip>)"],
  ["e.g. version 1.2.3.4 of foo", "e.g. version <ip> of foo"],
  ["bind 0.0.0.0:80 refused", "bind <ip> refused"],
  ["addr:10.1.2.3.", "addr:<ip>."],
  // IPv6
  ["link fe80::1%eth0 up", "link <ip> up"],
  ["ssh to [::1]:22 refused", "ssh to <ip> refused"],
  ["prefix 2001:db8::/32 assigned", "prefix <ip> assigned"],
  ["full 2001:0db8:85a3:0000:0000:8a2e:0370:7334 address", "full <ip> address"],
  ["compressed 2001:db8::8a2e:370:7334", "compressed <ip>"],
  ["mapped ::ffff:192.0.2.128 address", "mapped <ip> address"],
  ["loopback ::1", "loopback <ip>"],
  ["[2001:db8::1]:6443 unreachable", "<ip> unreachable"],
  ["FE80::ABCD:1%wlan0", "<ip>"],
  ["bracketed [fe80::1%25eth0]", "bracketed <ip>"],
  // hosts
  ["node-a.corp.example.com not ready", "<host> not ready"],
  ["resolve ip-10-0-0-1.ec2.internal failed", "resolve <host> failed"],
  ["db01.local timed out", "<host> timed out"],
  ["agent ip-10-0-0-1 joined", "agent <host> joined"],
  ["kube-dns.kube-system.svc.cluster.local", "<host>"],
  ["host.docker.internal:5000 refused", "<host>:5000 refused"],
  ["nas.home.arpa is down", "<host> is down"],
  ["pi.lan answered", "<host> answered"],
  ["vm1.multipass has no IP", "<host> has no IP"],
  ["k3s-server-0.prod.acme.corp", "<host>"],
  ["build.eu-west-1.compute.internal", "<host>"],
  ["mirror.example.org timed out", "<host> timed out"],
  ["node7.dc2.acme", "<host>"],
  ["registry.corp.example.com/team/app:1.0 pull failed", "<url> pull failed"],
  ["10.0.0.5/metrics not found", "<url> not found"],
  ["host=node-7", "host=<host>"],
  ["hostname: worker-3a", "hostname: <host>"],
  ["--node-name builder-9 rejected", "--node-name <host> rejected"],
  ["K3S_NODE_NAME=edge-box-1", "K3S_NODE_NAME=<host>"],
  ["cannot connect on host 'gamma-7'", "cannot connect on host '<host>'"],
  // SSH targets and e-mails
  ["ssh ubuntu@203.0.113.5", "ssh <ssh-target>"],
  ["scp alice@buildbox:/tmp/x .", "scp <ssh-target> ."],
  ["ssh://bob@host.example.com:22/srv", "<ssh-target>"],
  ["git@github.com:acme/infra.git", "<ssh-target>"],
  ["target admin@node1 unreachable", "target <ssh-target> unreachable"],
  ["ssh -i key -p 2222 alice@build.example.com", "ssh -i key -p 2222 <ssh-target>"],
  ["ONPREM_SSH_TARGET=ubuntu@10.0.0.2", "ONPREM_SSH_TARGET=<ssh-target>"],
  ["ONPREM_SSH_TARGET=node1", "ONPREM_SSH_TARGET=<ssh-target>"],
  ["ssh deploy@[2001:db8::2]:22 failed", "ssh <ssh-target> failed"],
  ["mail alice.smith@example.com about it", "mail <email> about it"],
  ["contact: ops+k3s@acme.io.", "contact: <email>."],
  ["mailto:bob@corp.example.com", "mailto:<email>"],
  // URLs
  ["GET https://api.example.com/v1/x?token=1 failed", "GET <url> failed"],
  ["see http://10.0.0.1:8080/healthz.", "see <url>."],
  ["clone git://git.example.org/repo", "clone <url>"],
  ["s3://my-bucket/backups/cluster.tgz missing", "<url> missing"],
  ["ssh://node-a.example.com refused", "<url> refused"],
  ["file:///home/alice/x.txt missing", "<path> missing"],
  ["(https://internal.acme.corp/wiki)", "(<url>)"],
  // paths
  ["key /home/alice/.ssh/id_ed25519 denied", "key <path> denied"],
  // paths of the system itself are kept (docs/privacy-and-telemetry.md › What is kept)
  ["/var/lib/rancher/k3s/server/token missing", "/var/lib/rancher/k3s/server/token missing"],
  ["wrote /tmp/foo", "wrote <path>"],
  ["config ~/.kube/config not found", "config <path> not found"],
  ["~alice/x is missing", "<path> is missing"],
  ["$HOME/x not writable", "<path> not writable"],
  [`\${XDG_CONFIG_HOME}/pk3s/config.toml`, "<path>"],
  ["C:\\Users\\bob\\x not found", "<path> not found"],
  ["C:/Users/bob/.kube/config", "<path>"],
  ["share \\\\server\\share\\dir mounted", "share <path> mounted"],
  ["%USERPROFILE%\\.kube\\config", "<path>"],
  ["C:\\Program Files\\Multipass\\bin\\multipass.exe missing", "<path> missing"],
  ["/Users/Alice Smith/Library/x missing", "<path> missing"],
  ["--kubeconfig=/home/bob/.kube/config", "--kubeconfig=<path>"],
  ['"path":"/srv/data/carol"', '"path":"<path>"'],
  ["log at /var/log/k3s.log.", "log at /var/log/k3s.log."],
  ["log at /var/lib/jenkins/workspace/x.log.", "log at <path>."],
  ["C:\\\\Users\\\\bob\\\\x", "<path>"],
  // users
  ["user=alice", "user=<user>"],
  ["--user alice", "--user <user>"],
  ["--username=carol", "--username=<user>"],
  ["running as alice", "running as <user>"],
  ["logged in as dave", "logged in as <user>"],
  ["sudo -u erin make", "sudo -u <user> make"],
  ["permission denied for user 'frank'", "permission denied for user '<user>'"],
  ["ONPREM_SSH_USER=grace", "ONPREM_SSH_USER=<user>"],
  ['"owner": "heidi"', '"owner": "<user>"'],
  // cloud ids
  ["account 123456789012 denied", "account <account-id> denied"],
  ["account 1234-5678-9012 denied", "account <account-id> denied"],
  ["role arn:aws:iam::123456789012:role/x denied", "role <arn> denied"],
  ["bucket arn:aws:s3:::my-bucket/key.", "bucket <arn>."],
  ["key AKIAIOSFODNN7EXAMPLE invalid", "key <access-key> invalid"],
  ["session ASIAY34FZKBOKMUTVV7A expired", "session <access-key> expired"],
  ["subscription 0b3e2d2c-7a62-4c5c-9f2e-1234567890ab", "subscription <id>"],
  ["/subscriptions/0B3E2D2C-7A62-4C5C-9F2E-1234567890AB", "<path>"],
  // MACs
  ["mac aa:bb:cc:dd:ee:ff", "mac <mac>"],
  ["mac AA-BB-CC-DD-EE-FF.", "mac <mac>."],
  ["cisco 0011.2233.4455 port", "cisco <mac> port"],
  // secrets
  ["Authorization: Bearer abc.def.ghi", "Authorization: Bearer <secret>"],
  ["Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic <secret>"],
  ["header Bearer xyz", "header Bearer <secret>"],
  ["password=hunter2", "password=<secret>"],
  ["password: hunter2", "password: <secret>"],
  ['{"password":"hunter2"}', '{"password":"<secret>"}'],
  ["TELEMETRY_BEARER_TOKEN=tok-123", "TELEMETRY_BEARER_TOKEN=<secret>"],
  ["api_key=AbC123", "api_key=<secret>"],
  ["apikey: abc", "apikey: <secret>"],
  ["aws_secret_access_key = wJalrXUtnFEMI", "aws_secret_access_key = <secret>"],
  ["private_key='-----x'", "private_key='<secret>'"],
  ["credentials=foo;bar", "credentials=<secret>;bar"],
  ["auth: s3cr3t", "auth: <secret>"],
  ["passwd=x pwd=y", "passwd=<secret> pwd=<secret>"],
  ["--token abc123", "--token <secret>"],
  ["--password=hunter2", "--password=<secret>"],
  ["token ghp_abcdefghijklmnopqrstuvwxyz0123456789 rejected", "token <secret> rejected"],
  [
    "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "jwt <secret>",
  ],
  ["digest 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "digest <secret>"],
  ["commit 3f2a1c9e8b7d6f5a4e3c2b1a09f8e7d6c5b4a392", "commit <secret>"],
  ["blob wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY end", "blob <secret> end"],
  ["slack xoxb-1234567890-abcdefghij", "slack <secret>"],
  [`k3s K10${"9f86d081884c7d65".repeat(4)}::server:${"a3bf4f1b2b0b822c".repeat(2)}`, "k3s <secret>"],
  [
    "pem -----BEGIN OPENSSH PRIVATE KEY----- b3Blbn -----END OPENSSH PRIVATE KEY----- done",
    "pem <secret> done",
  ],
  // clean-up
  ["\x1b[31mred\x1b[0m text", "red text"],
  ["\x1b]0;title\x07after", "after"],
  ["\x1b]8;;https://x.example.com\x1b\\link\x1b]8;;\x1b\\", "link"],
  ["tab\there\nnewline\r\nend", "tab here newline end"],
  ["nul\x00bel\x07esc\x1b\ndel\x7f", "nulbelesc del"],
  ["esc\x1bM two-byte escape", "esc two-byte escape"],
  ["c1\u0085next\u0080line", "c1 nextline"],
  ["csi\u009b1mbold", "csibold"],
  ["  padded  ", "padded"],
  ["zero\u200bwidth\u202eflip", "zerowidthflip"],
  ["lone \ud800 surrogate", "lone \ufffd surrogate"],
];

// ---------------------------------------------------------------------------------------------
// Corpus 2: leaks — placeholders expected, substrings that must be gone

const LEAKS: Array<[input: string, placeholders: string[], gone: string[]]> = [
  [
    "[SKIP] onprem-basic live: ssh ubuntu@10.20.30.40 (node-a.corp.example.com), key /home/alice/.ssh/id_ed25519, account 123456789012",
    ["<ssh-target>", "<host>", "<path>", "<account-id>"],
    ["ubuntu", "10.20.30.40", "node-a", "corp.example.com", "/home/alice", "alice", "123456789012"],
  ],
  [
    "kubeconfig from alice@10.0.0.9:/etc/rancher/k3s/k3s.yaml",
    ["<ssh-target>"],
    ["alice", "10.0.0.9", "rancher"],
  ],
  ["ssh -o StrictHostKeyChecking=no root@node-b.lan uptime", ["<ssh-target>"], ["node-b"]],
  ["rsync -a ./x deploy@backup.internal:/srv/x", ["<ssh-target>"], ["deploy", "backup.internal", "/srv/x"]],
  ["error: ssh: connect to host 10.0.3.7 port 22: Connection refused", ["<ip>"], ["10.0.3.7"]],
  ["curl: (6) Could not resolve host: api.acme.internal", ["<host>"], ["acme"]],
  ["dial tcp [fd00::a1b2:3]:6443: i/o timeout", ["<ip>"], ["fd00", "a1b2"]],
  [
    "aws: An error occurred (AccessDenied) ... arn:aws:sts::210987654321:assumed-role/ci/alice is not authorized",
    ["<arn>"],
    ["210987654321", "alice"],
  ],
  [
    "AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP AWS_SECRET_ACCESS_KEY=abc/def+ghi",
    ["<secret>"],
    ["AKIAABCDEFGHIJKLMNOP", "abc/def+ghi"],
  ],
  [
    'cluster.json: {"server":"https://10.0.0.4:6443","token":"K10abc"}',
    ["<url>", "<secret>"],
    ["10.0.0.4", "K10abc"],
  ],
  ["PRODUCTIVE_K3S_SOURCE=/home/bob/src/productive-k3s", ["<path>"], ["/home/bob", "bob"]],
  ["workflow: deploy (alice@example.com)", ["<email>"], ["alice", "example.com"]],
  ["C:\\Users\\bob\\AppData\\Local\\Temp\\x.log locked", ["<path>"], ["bob", "AppData"]],
  ["/Users/Jane Doe/Documents/k3s/x", ["<path>"], ["Jane", "Doe"]],
  ["multipass exec vm-1 -- cat /home/ubuntu/.ssh/authorized_keys", ["<path>"], ["/home/ubuntu"]],
  [
    "Authorization: token ghp_0123456789abcdefghijABCDEFGHIJ012345",
    ["<secret>"],
    ["ghp_", "0123456789abcdefghij"],
  ],
  ["x-api-key: 9f86d081884c7d659a2feaa0c55ad015", ["<secret>"], ["9f86d081884c7d659a2feaa0c55ad015"]],
  ['secret: "s3cr3t with spaces"', ["<secret>"], ["s3cr3t", "with spaces"]],
  ["password='unterminated and more", ["<secret>"], ["unterminated"]],
  ["node eth0 ether 02:42:ac:11:00:02 brd ff:ff:ff:ff:ff:ff", ["<mac>"], ["02:42:ac:11:00:02", "ff:ff:ff"]],
  [
    "Azure subscription 6F9619FF-8B86-D011-B42D-00C04FC964FF not found",
    ["<id>"],
    ["6F9619FF", "00C04FC964FF"],
  ],
  ["gcp project number 987654321098 quota", ["<account-id>"], ["987654321098"]],
  ['run as user "mallory" failed', ["<user>"], ["mallory"]],
  ["connected as trent to 10.9.8.7", ["<user>", "<ip>"], ["trent", "10.9.8.7"]],
  ["github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", ["<secret>"], ["github_pat_11ABCDEFG"]],
  ["glpat-abcdefghij0123456789 expired", ["<secret>"], ["glpat-abcdefghij0123456789"]],
  ["AIzaSyA-1234567890abcdefghijklmnopqrstu invalid", ["<secret>"], ["AIzaSyA"]],
  ["npm_abcdefghijklmnopqrstuvwxyz0123456789 bad", ["<secret>"], ["npm_abcdef"]],
  ["sk_live_abcdefghijklmnop1234", ["<secret>"], ["sk_live_abcdefghijklmnop1234"]],
  ["proxy http://user:pass@proxy.corp:3128 refused", ["<url>"], ["user:pass", "proxy.corp", "3128"]],
  ["\x1b[1;31mssh alice@10.0.0.8\x1b[0m", ["<ssh-target>"], ["alice", "10.0.0.8", "\x1b"]],
  ['home="/home/zoe"', ["<path>"], ["zoe"]],
  ["Set-Cookie: session=abc123; cookie=xyz789", ["<secret>"], ["xyz789"]],
  ["ip-172-31-5-9.us-west-2.compute.internal NotReady", ["<host>"], ["172-31-5-9", "us-west-2"]],
  ["ec2 i-0abc ip 3.120.5.77 public", ["<ip>"], ["3.120.5.77"]],
  ["fe80::21b:21ff:fe2c:3d4e%enp0s3 link-local", ["<ip>"], ["21b:21ff", "fe2c"]],
  [
    "account 1234-5678-9012 and 2222-3333-4444 and 555566667777",
    ["<account-id>"],
    ["1234-5678-9012", "2222-3333-4444", "555566667777"],
  ],
];

// ---------------------------------------------------------------------------------------------
// Corpus 3: benign strings that must come out unchanged

const BENIGN: string[] = [
  "node count is 3",
  "server agent is not installed",
  "user data is empty",
  "sg-small and i-am are words",
  "3 nodes expected, 2 ready",
  "missing cloud credentials in demo-skip",
  "multipass not installed",
  "k3s v1.30.2+k3s1 not published",
  "requires an arm64 host",
  "generated/cluster.json missing",
  "OpenTofu 1.8.0 not found",
  "no SSH target configured (set ONPREM_SSH_TARGET)",
  "cert_manager, longhorn, rancher, registry",
  "single-node-arm",
  "server-agent",
  "3 nodes expected, 2 ready",
  "timeout after 30s",
  "exit code 3",
  "node.js 20.11 required",
  "cluster.json",
  "values.yaml",
  "Makefile",
  "id_ed25519.pub",
  "v1.30.2+k3s1",
  "1.29",
  "values.prod.yaml not found",
  "docker-compose.override.yml",
  "terraform.tfstate.backup is stale",
  "cert-manager.crds.yaml applied",
  "k3s.service failed",
  "README.md and docs/index.md",
  "scenarios/onprem-basic-arm/generated/cluster.json",
  "rke2 v1.29.4+rke2r1 is not supported",
  "helm 3.14.2 is too old",
  "kubectl 1.30",
  "Node.js 22 or Bun 1.4",
  "e.g. set TELEMETRY_ENABLED=false",
  "i.e. non-interactive",
  "fast-check@4.10.2",
  "actions/checkout@v4",
  "actions/setup-node@main",
  "@clack/prompts@1.9.0",
  "ubuntu-24.04 runner",
  "arm64 and amd64",
  "disk 20G, memory 4G, cpus 2",
  "50% of 10 done",
  "ratio 3/4",
  "read/write",
  "TCP/IP stack",
  "pass: 3, skip: 1, fail: 0",
  "expected 3 nodes, got 2",
  "std::vector and Foo::Bar",
  "time 12:30:45",
  "version 1.2.300.4",
  "v1.2.3.4",
  "ASP.NET is not involved",
  "see github.com",
  "Could not resolve host: github.com",
  "make[1]: *** [Makefile:30: test-live] Error 3",
  "helm upgrade --install rancher rancher-stable/rancher --version 2.8.5",
  "apt-get install -y curl=7.81.0-1ubuntu1.16",
  "python3.12 and libssl.so.3 missing",
  "2024-05-01T12:30:45Z and 2024-05-01 12:30:45.123",
  "chrome 124.0.6367.91 on Windows 10.0.22631",
  "pod/coredns-5d78c9869d-abcde CrashLoopBackOff",
  "x509: certificate signed by unknown authority",
  "download from get.k3s.io",
  "ghcr.io images",
  "SomeVeryLongJavaClassNameForTestingPurposes",
  "K3sClusterProvisioner2HandlerFactory",
  "single-node-arm-with-longhorn-and-rancher-k3s-v1-30-2",
  "ONPREM_SSH_TARGET_NOT_CONFIGURED_ANYWHERE_AT_ALL",
  "token expired",
  "bearer token missing",
  "the password is wrong",
  "user not found",
  "running as expected",
  "~30s remaining",
  "$HOME is unset",
  "./scripts/run.sh --level live",
  "make test-live SCENARIO=multipass",
  "exit status 3 (skip)",
  "Ready: 2/3",
  "[SKIP] live path not executed",
  "phase bootstrap took 12.5s",
  "TELEMETRY_BEARER_TOKEN not set",
  "Bun 1.4.5",
  "x86_64-unknown-linux-gnu",
  "12345678901",
  "1234567890123",
  "deadbeef",
  "a::b",
  "U.S.A.",
  "café naïve 日本語 emoji 🎉",
  "quotes \"double\" and 'single'",
  "back\\slash kept",
  'json {"a":1}',
  "",
];

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

  test("every placeholder is produced by some corpus row", () => {
    const outputs = all.map((s) => sanitize(s)).join(" ");
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

const ipv4 = fc.ipV4();
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
    const noisy = fc.oneof(
      fc.string({ unit: "binary", maxLength: 400 }),
      fc.string({
        unit: fc.constantFrom(
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
        ),
        maxLength: 200,
      }),
    );
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
      text.length <= 31 && /^[a-z]+(?:-[a-z]+)*$/.test(text) && !/^[a-f]{2}(?:-[a-f]{2}){5}$/.test(text);
    const text = fc.oneof(
      plainWords,
      fc.string({
        unit: fc.constantFrom("a", "b", "f", "g", "z", "-", "A", "0", ".", " ", "é"),
        maxLength: 34,
      }),
      fc
        .array(fc.stringMatching(/^[a-z]{2}$/), { minLength: 6, maxLength: 6 })
        .map((pairs) => pairs.join("-")),
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
