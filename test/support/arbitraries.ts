// Property-test inputs shared by the sanitiser's tests (privacy.test.ts, free-text.test.ts).
import fc from "fast-check";

/** Arbitrary binary strings, or strings built from `units` (the characters and words a rule reacts to). */
export function noisyText(units: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: "binary", maxLength: 400 }),
    fc.string({ unit: fc.constantFrom(...units), maxLength: 200 }),
  );
}
