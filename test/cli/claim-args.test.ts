import { describe, expect, it } from 'vitest';
import { parseClaimArgs } from '../../src/cli/claim-args.js';
import { InvalidArgument } from '../../src/errors.js';

describe('parseClaimArgs', () => {
  it('uses JSON values as JSON and anything else as a string, in the order given', () => {
    const claims = parseClaimArgs([
      'jti=abc-123',
      'n=5',
      'ratio=0.25',
      'admin=true',
      'none=null',
      'permissions=["read","write"]',
      'obj={"a":{"b":1}}',
      'quoted="42"',
      'empty=',
      'eq=a=b',
    ]);
    expect(claims).toEqual({
      jti: 'abc-123',
      n: 5,
      ratio: 0.25,
      admin: true,
      none: null,
      permissions: ['read', 'write'],
      obj: { a: { b: 1 } },
      quoted: '42',
      empty: '',
      eq: 'a=b',
    });
    expect(Object.keys(claims)).toEqual([
      'jti',
      'n',
      'ratio',
      'admin',
      'none',
      'permissions',
      'obj',
      'quoted',
      'empty',
      'eq',
    ]);
  });

  it('keeps a claim named __proto__ as a claim', () => {
    const claims = parseClaimArgs(['__proto__={"x":1}']);
    expect(Object.keys(claims)).toEqual(['__proto__']);
    expect(JSON.stringify(claims)).toBe('{"__proto__":{"x":1}}');
  });

  it.each([
    [['noequals'], /name=value with a non-empty name/],
    [['=value'], /name=value with a non-empty name/],
    [['a=1', 'a=2'], /--claim "a" is given more than once/],
    [['big=12345678901234567890'], /--claim big: the number cannot be represented exactly/],
    [['huge=1e400'], /--claim huge: the number cannot be represented exactly/],
  ])('refuses %j', (specs, message) => {
    expect(() => parseClaimArgs(specs)).toThrow(InvalidArgument);
    expect(() => parseClaimArgs(specs)).toThrow(message);
  });

  it('gives no claims for no arguments', () => {
    expect(parseClaimArgs([])).toEqual({});
  });
});
