// Terminal: is this run interactive (docs/privacy-and-telemetry.md › Consent) — stdin and the
// prompt's output are terminals, and this is not CI. Only an interactive root may ask, and only
// there does a remembered answer count.
import { isCI } from "std-env";

export function isInteractive(output: { isTTY?: boolean } = process.stdout): boolean {
  return Boolean(process.stdin.isTTY && output.isTTY) && !isCI;
}
