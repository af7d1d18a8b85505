/**
 * Named options with their default, unit and description in one place. Each process part declares its
 * options as a spec; the CLI parses flags and environment variables from the same spec and prints help
 * from it, and docs/operations.md lists them (a test keeps the two in step).
 */

export type OptionKind = 'int' | 'string' | 'list' | 'bool' | 'duration' | 'rate';

export interface OptionSpec<T> {
  kind: OptionKind;
  default: T;
  /** Unit of a number (ms, bytes, messages/s ...), or a short word describing the value. */
  unit: string;
  description: string;
  /** An environment variable that sets the option when the flag is not given. */
  env?: string;
  /** Never printed in logs. */
  secret?: boolean;
}

type Extra = Pick<OptionSpec<unknown>, 'env' | 'secret'>;

export const intOption = (def: number, unit: string, description: string, extra: Extra = {}): OptionSpec<number> => ({
  kind: 'int', default: def, unit, description, ...extra,
});
export const stringOption = (def: string, unit: string, description: string, extra: Extra = {}): OptionSpec<string> => ({
  kind: 'string', default: def, unit, description, ...extra,
});
export const listOption = (def: string[], unit: string, description: string, extra: Extra = {}): OptionSpec<string[]> => ({
  kind: 'list', default: def, unit, description, ...extra,
});
export const boolOption = (def: boolean, description: string, extra: Extra = {}): OptionSpec<boolean> => ({
  kind: 'bool', default: def, unit: 'boolean', description, ...extra,
});
/** A duration written `500ms`, `5s`, `2m` (a bare number is ms); the value is in ms. */
export const durationOption = (defMs: number, description: string, extra: Extra = {}): OptionSpec<number> => ({
  kind: 'duration', default: defMs, unit: 'ms', description, ...extra,
});
/** A rate written `2/s`, `120/m` or `2` (per second); the value is per second. */
export const rateOption = (defPerSecond: number, description: string, extra: Extra = {}): OptionSpec<number> => ({
  kind: 'rate', default: defPerSecond, unit: 'per second', description, ...extra,
});

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  return m === null ? undefined : Math.round(Number(m[1]) * DURATION_UNITS_MS[m[2] ?? 'ms']!);
}

export function parseRate(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(?:\/(s|m))?$/.exec(text.trim());
  return m === null ? undefined : Number(m[1]) / (m[2] === 'm' ? 60 : 1);
}

export type SpecTable = Record<string, OptionSpec<any>>;
export type OptionValues<S extends SpecTable> = { [K in keyof S]: S[K] extends OptionSpec<infer T> ? T : never };

export function defaultsOf<S extends SpecTable>(specs: S): OptionValues<S> {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    out[key] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
  }
  return out as OptionValues<S>;
}

/** maxFrameBytes -> --max-frame-bytes */
export function flagOf(key: string): string {
  return '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

export class UsageError extends Error {}

function convert(spec: OptionSpec<unknown>, flag: string, raw: string): unknown {
  switch (spec.kind) {
    case 'int': {
      if (!/^\d+$/.test(raw)) throw new UsageError(`${flag} takes a whole number (${spec.unit}), got "${raw}"`);
      return Number(raw);
    }
    case 'bool':
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw new UsageError(`${flag} takes true or false, got "${raw}"`);
    case 'list':
      return raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    case 'duration': {
      const ms = parseDuration(raw);
      if (ms === undefined) throw new UsageError(`${flag} takes a duration like 500ms, 5s or 2m, got "${raw}"`);
      return ms;
    }
    case 'rate': {
      const perSecond = parseRate(raw);
      if (perSecond === undefined) throw new UsageError(`${flag} takes a rate like 2/s or 120/m, got "${raw}"`);
      return perSecond;
    }
    default:
      return raw;
  }
}

/**
 * Reads `--flag value`, `--flag=value`, `--flag` / `--no-flag` (booleans) and environment variables.
 * Flags win over the environment; anything not given keeps its default. A list flag may be repeated: its
 * values add up (`--webhook-url a --webhook-url b` is `--webhook-url a,b`).
 */
export function parseOptions<S extends SpecTable>(
  specs: S,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {}, // process.env in Node; typed without @types/node for browser users
): OptionValues<S> {
  const values = defaultsOf(specs) as Record<string, unknown>;
  const byFlag = new Map(Object.keys(specs).map((key) => [flagOf(key), key]));
  const listsGiven = new Set<string>();
  for (const [key, spec] of Object.entries(specs)) {
    const fromEnv = spec.env === undefined ? undefined : env[spec.env];
    if (fromEnv !== undefined && fromEnv !== '') values[key] = convert(spec, spec.env!, fromEnv);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    let key = byFlag.get(flag);
    let raw: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    if (key === undefined && flag.startsWith('--no-')) {
      key = byFlag.get('--' + flag.slice(5));
      if (key !== undefined && specs[key]!.kind === 'bool' && raw === undefined) {
        values[key] = false;
        continue;
      }
      key = undefined;
    }
    if (key === undefined) throw new UsageError(`unknown option ${flag}`);
    const spec = specs[key]!;
    if (raw === undefined) {
      if (spec.kind === 'bool') raw = 'true';
      else if (i + 1 < argv.length) raw = argv[++i]!;
      else throw new UsageError(`${flag} needs a value`);
    }
    const value = convert(spec, flag, raw);
    // A repeated list flag adds to what the earlier ones gave (not to the default or the environment).
    values[key] = spec.kind === 'list' && listsGiven.has(key) ? [...(values[key] as string[]), ...(value as string[])] : value;
    if (spec.kind === 'list') listsGiven.add(key);
  }
  return values as OptionValues<S>;
}

function formatDefault(spec: OptionSpec<unknown>): string {
  if (spec.secret && spec.default !== '') return '(set)';
  if (Array.isArray(spec.default)) return spec.default.length === 0 ? '(none)' : spec.default.join(',');
  if (spec.default === '') return '(none)';
  return String(spec.default);
}

/** One line an option: flag, env, default with unit, description. */
export function formatHelp(specs: SpecTable): string {
  const rows = Object.entries(specs).map(([key, spec]) => {
    const flag = flagOf(key) + (spec.kind === 'bool' ? '' : ' <' + spec.kind + '>');
    const def = `default ${formatDefault(spec)}${spec.kind === 'int' ? ' ' + spec.unit : spec.kind === 'duration' ? 'ms' : spec.kind === 'rate' ? '/s' : ''}`;
    const env = spec.env ? ` [env ${spec.env}]` : '';
    return { flag, text: `${spec.description} (${def})${env}` };
  });
  const width = Math.max(...rows.map((r) => r.flag.length)) + 2;
  return rows.map((r) => '  ' + r.flag.padEnd(width) + r.text).join('\n');
}
