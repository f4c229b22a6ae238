import { describe, expect, it } from 'vitest';
import { parseOptionalWholeSeconds, parsePositiveHours, parseWholeSeconds } from '../../src/cli/option-values.js';
import { InvalidArgument } from '../../src/errors.js';

describe('parsePositiveHours', () => {
  it.each([
    ['24', 24],
    ['0.5', 0.5],
    ['.25', 0.25],
    ['1.', 1],
    ['0001', 1],
  ])('reads %j as %d hours', (text, hours) => {
    expect(parsePositiveHours(text, '--hours')).toBe(hours);
  });

  it.each(['0', '0.0', '-1', 'abc', '', ' 1', '1 ', '1e3', '0x10', 'Infinity', '1,5', '+1', '.'])(
    'refuses %j',
    (text) => {
      expect(() => parsePositiveHours(text, '--hours')).toThrow(InvalidArgument);
      expect(() => parsePositiveHours(text, '--hours')).toThrow(
        '--hours must be a positive number of hours, e.g. 24 or 0.5',
      );
    },
  );

  it('refuses a number too large to be finite', () => {
    expect(() => parsePositiveHours('9'.repeat(400), '--hours')).toThrow(InvalidArgument);
  });
});

describe('parseWholeSeconds', () => {
  it.each([
    ['0', 0],
    ['60', 60],
    ['1750000000', 1750000000],
  ])('reads %j', (text, seconds) => {
    expect(parseWholeSeconds(text, '--now')).toBe(seconds);
  });

  it.each(['-1', '1.5', '', 'now', '1e9', '9007199254740993'])('refuses %j', (text) => {
    expect(() => parseWholeSeconds(text, '--tolerance')).toThrow('--tolerance must be a whole number of seconds');
  });

  it('passes an absent optional value through', () => {
    expect(parseOptionalWholeSeconds(undefined, '--now')).toBeUndefined();
    expect(parseOptionalWholeSeconds('5', '--now')).toBe(5);
  });
});
