// Version: the one place the product's version and name are read from (package.json).
import pkg from "../../package.json" with { type: "json" };

export const VERSION: string = pkg.version;
export const PRODUCT = "pk3s-infra-telemetry";
export const REPOSITORY = "productive-k3s-infra";
export const DEFAULT_USER_AGENT = `${PRODUCT}/${VERSION}`;
