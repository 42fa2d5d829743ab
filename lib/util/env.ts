// Env: the one type of an environment as modules receive it. Only the scripts read process.env
// and pass it down; every TELEMETRY_* variable, DO_NOT_TRACK and the XDG directories are read
// through parseSettings (lib/telemetry/settings.ts), so each has one reading and one warning.

/** An environment: variable name → value (unset variables are absent or undefined). */
export type Env = Readonly<Record<string, string | undefined>>;
