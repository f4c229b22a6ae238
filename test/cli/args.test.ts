import { describe, expect, it } from 'vitest';
import { formatUsage, HELP, parseCommandArgs, type CommandSpec } from '../../src/cli/args.js';
import { InvalidArgument } from '../../src/errors.js';

const spec: CommandSpec = {
  name: 'demo-cmd',
  summary: 'a command for the parser tests',
  synopsis: '--name <n> [arg]',
  options: {
    name: { type: 'string', valueName: '<n>', description: 'a name' },
    tag: { type: 'string', multiple: true, description: 'a tag' },
    json: { type: 'boolean', description: 'json output' },
  },
  maxPositionals: 1,
  notes: 'Some notes.',
};

function parse(argv: string[]) {
  const parsed = parseCommandArgs(spec, argv);
  if (parsed === HELP) throw new Error('unexpected help');
  return parsed;
}

function parseError(argv: string[]): InvalidArgument {
  try {
    parseCommandArgs(spec, argv);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgument);
    return error as InvalidArgument;
  }
  throw new Error(`expected ${JSON.stringify(argv)} to be refused`);
}

const SECRET = 'a'.repeat(64);

describe('parseCommandArgs', () => {
  it('reads strings, repeated options, flags and positionals', () => {
    const args = parse(['--name', 'x', '--tag=a', '--tag', 'b=c', '--json', 'pos']);
    expect(args.string('name')).toBe('x');
    expect(args.requiredString('name')).toBe('x');
    expect(args.list('tag')).toEqual(['a', 'b=c']);
    expect(args.flag('json')).toBe(true);
    expect(args.positionals).toEqual(['pos']);
  });

  it('gives defaults for absent options', () => {
    const args = parse([]);
    expect(args.string('name')).toBeUndefined();
    expect(args.list('tag')).toEqual([]);
    expect(args.flag('json')).toBe(false);
    expect(() => args.requiredString('name')).toThrow(/missing required option --name/);
  });

  it('accepts "-" as a positional and values after --', () => {
    expect(parse(['-']).positionals).toEqual(['-']);
    expect(parse(['--', '--json']).positionals).toEqual(['--json']);
    expect(parse(['--', '--json']).flag('json')).toBe(false);
  });

  it('accepts a value starting with "-" only inline', () => {
    expect(parse(['--name=-x']).string('name')).toBe('-x');
    expect(parseError(['--name', '-x']).message).toMatch(/option --name needs a value/);
  });

  it.each([
    [['--help'], 'long'],
    [['-h'], 'short'],
    [['--bogus', '--help'], 'after an unknown option'],
  ])('answers help for %j (%s)', (argv) => {
    expect(parseCommandArgs(spec, argv)).toBe(HELP);
  });

  it.each([
    [['--bogus'], /^unknown option --bogus \(see "portal-gateway demo-cmd --help"\)$/],
    [['-x'], /^unknown option -x /],
    [['--json=yes'], /^option --json takes no value/],
    [['--name'], /^option --name needs a value/],
    [['--name', 'a', '--name', 'b'], /^option --name is given more than once/],
    [['a', 'b'], /^too many arguments \(at most 1\)/],
  ])('refuses %j', (argv, message) => {
    expect(parseError(argv).message).toMatch(message);
  });

  it('never quotes a value in its messages', () => {
    for (const argv of [
      [`--nmae=${SECRET}`],
      [`--${SECRET}`],
      ['p', SECRET],
      [`--json=${SECRET}`],
      ['--name', `-${SECRET}`],
    ]) {
      expect(parseError(argv).message).not.toContain(SECRET);
    }
  });

  it('refuses positionals to a command that takes none', () => {
    const none = { ...spec, maxPositionals: 0 };
    expect(() => parseCommandArgs(none, ['x'])).toThrow(/takes no arguments/);
  });

  it('does not treat Object.prototype names as options', () => {
    expect(parseError(['--constructor=x']).message).toMatch(/unknown option --constructor/);
  });
});

describe('formatUsage', () => {
  it('shows the synopsis, the summary, every option and the notes', () => {
    const text = formatUsage(spec);
    expect(text.split('\n')[0]).toBe('Usage: portal-gateway demo-cmd --name <n> [arg]');
    expect(text).toContain('A command for the parser tests.');
    expect(text).toMatch(/--name <n> +a name\n/);
    expect(text).toMatch(/--tag +a tag \(repeatable\)\n/);
    expect(text).toMatch(/-h, --help +show this help\n/);
    expect(text.endsWith('Some notes.\n')).toBe(true);
  });
});
