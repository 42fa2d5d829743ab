// This machine's identity in the spellings the privacy corpora's templates use ({HOST},
// {HOST_FULLWIDTH}, {IP_HEX}, {MAC_BARE} …), and filling a template with them: shared by the
// end-to-end corpus (corpus.test.ts) and the batches (corpus-batches.test.ts).
import { addressForms, macForms } from "../../lib/privacy/identifier-forms.ts";

export interface Identity {
  host: string;
  user: string;
  home: string;
  ip: string;
  mac: string;
}

/** Every template placeholder's value for `identity`. */
export function identityForms({ host, user, home, ip, mac }: Identity): Record<string, string> {
  const [dashed, , hex, decimal] = addressForms(ip);
  const [, , macDashed, macBare] = macForms(mac);
  return {
    HOST: host,
    HOST_UPPER: host.toUpperCase(),
    HOST_UNDERSCORE: host.replaceAll("-", "_"),
    HOST_FULLWIDTH: [...host].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join(""),
    HOST_HOMOGLYPH: host.replace("a", "\u0430").replace("o", "\u043e").replace("e", "\u0435"),
    USER: user,
    HOME: home,
    HOME_PCT: home.replaceAll("/", "%2F"),
    IP: ip,
    IP_DASHED: dashed ?? ip,
    IP_HEX: hex ?? ip,
    IP_DECIMAL: decimal ?? ip,
    MAC: mac,
    MAC_BARE: macBare ?? mac,
    MAC_UPPER_DASHED: (macDashed ?? mac).toUpperCase(),
  };
}

/** `text` with each {PLACEHOLDER} replaced by its form (unknown ones left as they are). */
export function fill(text: string, forms: Record<string, string>): string {
  return text.replace(/\{([A-Z_]+)\}/g, (m, key: string) => forms[key] ?? m);
}
