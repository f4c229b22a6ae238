/**
 * Command-line parsing on top of `node:util` parseArgs. parseArgs runs non-strict so that every
 * message is ours: its own strict messages quote the offending argument, which may be a secret
 * key or a token typed in the wrong place. Ours name options, never values.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InvalidArgument } from '../errors.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** May be given several times (string options only). */
  multiple?: boolean;
  /** Placeholder for the value in the usage text, e.g. `<npub|hex>`. */
  valueName?: string;
  description: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** What follows `portal-gateway <name>` in the usage line. */
  synopsis: string;
  options: Readonly<Record<string, OptionSpec>>;
  /** Most positional arguments accepted. */
  maxPositionals: number;
  /** Paragraph printed after the options. */
  notes?: string;
}

export const HELP = Symbol('help');

/**
 * Does this look like a command or option name? Only such text is quoted back in an error: a key
 * or token typed in the wrong place does not.
 */
export function isWord(text: string): boolean {
  return /^[a-z][a-z-]{0,29}$/.test(text);
}

export class ParsedArgs {
  constructor(
    private readonly spec: CommandSpec,
    private readonly values: ReadonlyMap<string, string | true | string[]>,
    readonly positionals: readonly string[],
  ) {}

  string(name: string): string | undefined {
    const value = this.values.get(name);
    return typeof value === 'string' ? value : undefined;
  }

  requiredString(name: string): string {
    const value = this.string(name);
    if (value === undefined) throw usageError(this.spec, `missing required option --${name}`);
    return value;
  }

  list(name: string): readonly string[] {
    const value = this.values.get(name);
    return Array.isArray(value) ? value : [];
  }

  flag(name: string): boolean {
    return this.values.get(name) === true;
  }
}

export function usageError(spec: CommandSpec, problem: string): InvalidArgument {
  return new InvalidArgument(`${problem} (see "portal-gateway ${spec.name} --help")`);
}

/** Parse `argv` (the arguments after the command name); `HELP` when --help or -h is among them. */
export function parseCommandArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs | typeof HELP {
  const options: ParseArgsConfig['options'] = { help: { type: 'boolean', short: 'h' } };
  for (const [name, option] of Object.entries(spec.options)) options[name] = { type: option.type };
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  if (tokens.some((token) => token.kind === 'option' && token.name === 'help')) return HELP;

  const values = new Map<string, string | true | string[]>();
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option') continue;
    const option = Object.hasOwn(spec.options, token.name) ? spec.options[token.name] : undefined;
    if (!option) throw usageError(spec, `unknown option${isWord(token.name) ? ` ${token.rawName}` : ''}`);
    const flag = `--${token.name}`;
    if (option.type === 'boolean') {
      if (token.value !== undefined) throw usageError(spec, `option ${flag} takes no value`);
      values.set(token.name, true);
      continue;
    }
    // A separate value starting with "-" is most likely the next option: the value was forgotten.
    if (token.value === undefined || (!token.inlineValue && token.value.startsWith('-'))) {
      throw usageError(spec, `option ${flag} needs a value (write ${flag}=<value> for a value starting with "-")`);
    }
    const previous = values.get(token.name);
    if (option.multiple) values.set(token.name, [...(Array.isArray(previous) ? previous : []), token.value]);
    else if (previous !== undefined) throw usageError(spec, `option ${flag} is given more than once`);
    else values.set(token.name, token.value);
  }
  if (positionals.length > spec.maxPositionals) {
    throw usageError(
      spec,
      spec.maxPositionals === 0
        ? 'this command takes no arguments besides options'
        : `too many arguments (at most ${spec.maxPositionals})`,
    );
  }
  return new ParsedArgs(spec, values, positionals);
}

export function formatUsage(spec: CommandSpec): string {
  const rows: [string, string][] = Object.entries(spec.options).map(([name, option]) => [
    `--${name}${option.valueName ? ` ${option.valueName}` : ''}`,
    option.description + (option.multiple ? ' (repeatable)' : ''),
  ]);
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([left]) => left.length));
  const lines = [
    `Usage: portal-gateway ${spec.name} ${spec.synopsis}`,
    '',
    `${spec.summary[0]!.toUpperCase()}${spec.summary.slice(1)}.`,
    '',
    'Options:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`),
  ];
  if (spec.notes) lines.push('', spec.notes);
  return lines.join('\n') + '\n';
}
