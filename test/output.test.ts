// The runner's handling of a scenario's output (lib/runs/output.ts) and the redaction of the
// bearer token in printed text (lib/cli/log.ts): line splitting across chunks, the bounded tail
// and its note, what classification keeps, held-back lines on a streamed skip, and tokens hidden
// by escape sequences or zero-width characters.
import { describe, expect, test } from "bun:test";
import { redactSecrets, registerSecret } from "../lib/cli/log.ts";
import { redactShown, visibleText } from "../lib/cli/visible.ts";
import { OutputTail, ScenarioOutput, type StreamName } from "../lib/runs/output.ts";

const TOKEN = "tok-OUTPUT-test-5f2c9a7e1b3d";
registerSecret(TOKEN);
const bytes = (text: string) => new TextEncoder().encode(text);
const split = (t: string) => [t.slice(0, 10), t.slice(10)] as const;

describe("redactShown: the token, however it is dressed", () => {
  const [head, rest] = split(TOKEN);
  test.each([
    [`plain ${TOKEN} end`, "plain *** end"],
    [`glued x${TOKEN}y end`, "glued x***y end"],
    [`glued ansi x${head}\x1b[0m${rest}y end`, "glued ansi x***y end"],
    [`ansi ${head}\x1b[1m${rest} end`, "ansi *** end"],
    [`osc ${head}\x1b]0;title\x07${rest} end`, "osc *** end"],
    [`zw ${head}\u200b${rest} end`, "zw *** end"],
    [`bom ${head}\ufeff${rest} end`, "bom *** end"],
    [`soft ${head}\u00ad${rest} end`, "soft *** end"],
    [`cr ${head}\r${rest} end`, "cr *** end"],
    [`two lines\n\x1b[32m${head}\u200b${rest}\x1b[0m\nthird ${TOKEN}`, "two lines\n***\nthird ***"],
    // lines without the token keep their colours
    ["\x1b[32mgreen\x1b[0m only", "\x1b[32mgreen\x1b[0m only"],
    [`\x1b[32mgreen\x1b[0m\n${TOKEN}`, "\x1b[32mgreen\x1b[0m\n***"],
  ])("%j → %j", (input, want) => {
    expect(redactShown(input)).toBe(want);
  });

  test("a short token (8-15 characters) is replaced only as a whole token; under 8 not at all", () => {
    registerSecret("Sh0rtTok9");
    registerSecret("7f");
    expect(redactSecrets("a Sh0rtTok9 b xSh0rtTok9 7f-7f")).toBe("a *** b xSh0rtTok9 7f-7f");
  });

  test("visibleText drops escapes, control and format characters, keeps tabs and text", () => {
    expect(visibleText("a\tb\x1b[31mc\x1b[0m\u200bd\u2060e")).toBe("a\tbcde");
  });
});

describe("OutputTail: the last lines, bounded, with a note of what was cut", () => {
  test("nothing cut: no note", () => {
    const tail = new OutputTail(3, 1000);
    for (const line of ["a\n", "b\n"]) tail.push(line);
    expect(tail.text()).toBe("a\nb\n");
    expect(tail.note()).toBeNull();
  });

  test.each([
    // lines, maxLines, maxBytes, kept text, note
    [
      ["a\n", "b\n", "c\n", "d\n"],
      2,
      1000,
      "c\nd\n",
      "[... 2 earlier lines (4 bytes) cut: only the last 2 lines / 1000 bytes are kept]",
    ],
    [
      ["aaaa\n", "bbbb\n", "cc\n", "d\n"],
      10,
      8,
      "cc\nd\n",
      "[... 2 earlier lines (10 bytes) cut: only the last 10 lines / 8 bytes are kept]",
    ],
    [
      ["0123456789\n"],
      10,
      4,
      "789\n",
      "[... 0 earlier lines (7 bytes) cut: only the last 10 lines / 4 bytes are kept]",
    ],
  ] as const)("%j (max %d lines, %d bytes)", (pieces, maxLines, maxBytes, kept, note) => {
    const tail = new OutputTail(maxLines, maxBytes);
    for (const piece of pieces) tail.push(piece);
    expect(tail.text()).toBe(kept);
    expect(tail.note()).toBe(note);
  });
});

describe("ScenarioOutput", () => {
  function collect(echoed: Array<[string, StreamName]>) {
    return new ScenarioOutput((text, stream) => echoed.push([text, stream]));
  }

  test("lines are whole even when chunks split them (and multi-byte characters)", () => {
    const echoed: Array<[string, StreamName]> = [];
    const out = collect(echoed);
    const text = bytes("héllo wörld\nsecond");
    for (const byte of text) out.feed("stdout", Uint8Array.of(byte));
    out.end("stdout");
    expect(echoed).toEqual([
      ["héllo wörld\n", "stdout"],
      ["second\n", "stdout"],
    ]);
  });

  test("a token split across chunks is still redacted", () => {
    const echoed: Array<[string, StreamName]> = [];
    const out = collect(echoed);
    const [head, rest] = split(TOKEN);
    out.feed("stderr", bytes(`x ${head}`));
    out.feed("stderr", bytes(`${rest} y\n`));
    expect(echoed).toEqual([["x *** y\n", "stderr"]]);
    expect(out.shown()).toBe("x *** y\n");
  });

  test("streamed skip: the [SKIP] line and make's error line are held back, then dropped", () => {
    const echoed: Array<[string, StreamName]> = [];
    const out = collect(echoed);
    out.feed("stdout", bytes("checking\n[SKIP] multipass not installed\n"));
    out.feed("stderr", bytes("make: *** [Makefile:2: scenario-test-live] Error 3\n"));
    out.end("stdout");
    out.end("stderr");
    expect(out.classificationText()).toBe(
      "[SKIP] multipass not installed\nmake: *** [Makefile:2: scenario-test-live] Error 3",
    );
    out.release(true);
    expect(echoed).toEqual([["checking\n", "stdout"]]);
  });

  test("streamed failure: make's held-back error line is shown at the end", () => {
    const echoed: Array<[string, StreamName]> = [];
    const out = collect(echoed);
    out.feed("stdout", bytes("working\n"));
    out.feed("stderr", bytes("make: *** [Makefile:2: t] Error 1\n"));
    out.end("stderr");
    expect(echoed).toEqual([["working\n", "stdout"]]);
    out.release(false);
    expect(echoed.at(-1)).toEqual(["make: *** [Makefile:2: t] Error 1\n", "stderr"]);
  });

  test("a line with no newline, megabytes long, is passed on in pieces and the tail stays bounded", () => {
    let echoedBytes = 0;
    const out = new ScenarioOutput((text) => {
      echoedBytes += text.length;
    });
    const chunk = "x".repeat(100_000);
    for (let i = 0; i < 30; i++) out.feed("stdout", bytes(chunk));
    out.end("stdout");
    expect(echoedBytes).toBe(3_000_001); // everything streamed (plus the closing newline)
    expect(out.shown().length).toBeLessThanOrEqual(70 * 1024);
    expect(out.shown()).toStartWith("[... 0 earlier lines (");
  });

  test("classification keeps only the first [SKIP] line and the last make lines", () => {
    const out = new ScenarioOutput(null);
    out.feed("stdout", bytes("[SKIP] first\n[SKIP] second\n"));
    for (let i = 0; i < 40; i++) out.feed("stderr", bytes(`make[1]: *** [a] Error ${i}\n`));
    out.end("stdout");
    out.end("stderr");
    const lines = out.classificationText().split("\n");
    expect(lines[0]).toBe("[SKIP] first");
    expect(lines).toHaveLength(17);
    expect(lines.at(-1)).toBe("make[1]: *** [a] Error 39");
  });
});
