// Version: the one place the product's version and name are read from (package.json), and the
// git commit a binary was built from (`make build`/`make dist` define PK3S_BUILD_COMMIT; run from
// source, the commit reads "source").
import { version } from "../../package.json" with { type: "json" };

declare const PK3S_BUILD_COMMIT: string | undefined;

export const VERSION: string = version;
export const COMMIT: string = typeof PK3S_BUILD_COMMIT === "string" ? PK3S_BUILD_COMMIT : "source";
export const PRODUCT = "pk3s-infra-telemetry";
export const REPOSITORY = "productive-k3s-infra";
export const DEFAULT_USER_AGENT = `${PRODUCT}/${VERSION}`;

/** The --version line: `<program> <version> (commit <commit>)`. */
export const versionLine = (program: string): string => `${program} ${VERSION} (commit ${COMMIT})`;
