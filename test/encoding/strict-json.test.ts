import { describe, expect, it } from 'vitest';
import { findDuplicateMember, parseStrictJsonObject } from '../../src/encoding/strict-json.js';

// Pure bytes -> JSON code: no crypto backend involved, so it runs once.
function parse(input: string | Uint8Array) {
  return parseStrictJsonObject(typeof input === 'string' ? Buffer.from(input, 'utf8') : input);
}

function problemOf(input: string | Uint8Array): string | undefined {
  const result = parse(input);
  return 'problem' in result ? result.problem : undefined;
}

describe('parseStrictJsonObject', () => {
  it('returns the parsed object of a plain JSON object', () => {
    expect(parse('{"exp":1,"nested":{"a":[1,{"b":null}]},"s":"é😀"}')).toEqual({
      value: { exp: 1, nested: { a: [1, { b: null }] }, s: 'é😀' },
    });
    expect(parse(' \n\t{ "a" : 1 }\r\n ')).toEqual({ value: { a: 1 } });
  });

  it('rejects a UTF-8 byte-order mark', () => {
    expect(problemOf(Buffer.concat([Buffer.of(0xef, 0xbb, 0xbf), Buffer.from('{"a":1}')]))).toMatch(/byte-order mark/);
  });

  it('keeps U+FEFF inside a string (only a leading BOM is refused)', () => {
    expect(parse('{"a":"\ufeff"}')).toEqual({ value: { a: '\ufeff' } });
  });

  it.each([
    ['a lone continuation byte', [0x80]],
    ['a truncated two-byte sequence', [0xc3]],
    ['an overlong encoding of "/"', [0xc0, 0xaf]],
    ['an encoded UTF-16 surrogate (CESU-8)', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['the byte 0xFF', [0xff]],
  ])('rejects invalid UTF-8 inside a string: %s', (_name, bytes) => {
    const input = Buffer.concat([Buffer.from('{"a":"'), Buffer.from(bytes), Buffer.from('"}')]);
    expect(problemOf(input)).toMatch(/not valid UTF-8/);
  });

  it.each([
    ['empty input', ''],
    ['trailing comma', '{"a":1,}'],
    ['single quotes', "{'a':1}"],
    ['a comment', '{"a":1 /* c */}'],
    ['NaN', '{"a":NaN}'],
    ['two values', '{"a":1}{"b":2}'],
    ['a raw control character in a string', '{"a":"x\u0001y"}'],
  ])('rejects text that is not RFC 8259 JSON: %s', (_name, text) => {
    expect(problemOf(text)).toMatch(/not valid JSON/);
  });

  it.each(['[]', '[{"a":1}]', '"text"', '1', 'null', 'true'])('rejects the non-object top level %s', (text) => {
    expect(problemOf(text)).toMatch(/not a JSON object/);
  });

  it.each([
    ['at the top', '{"a":1,"a":1}', 'a'],
    ['with different values', '{"exp":1,"target_key":"x","exp":2}', 'exp'],
    ['in a nested object', '{"a":{"b":1,"c":2,"b":3}}', 'b'],
    ['in an object inside an array', '{"list":[1,{"x":1,"x":2}]}', 'x'],
    ['three levels down', '{"a":{"b":{"c":{"d":1,"d":1}}}}', 'd'],
    ['after a nested object closes', '{"a":{"z":1},"b":2,"a":3}', 'a'],
    ['spelt with an escape ("a" vs "\\u0061")', '{"a":1,"\\u0061":2}', 'a'],
    ['both spelt with different escapes', '{"\\u0065xp":1,"e\\u0078p":2}', 'exp'],
    ['spelt with an escaped solidus', '{"a/b":1,"a\\/b":2}', 'a/b'],
    ['containing an escaped quote', '{"a\\"b":1,"a\\u0022b":2}', 'a"b'],
    ['the empty name', '{"":1,"":2}', ''],
    ['"__proto__"', '{"__proto__":1,"__proto__":2}', '__proto__'],
    ['with whitespace before the colon', '{"a" :1, "a"\n:2}', 'a'],
  ])('rejects a duplicate member name %s', (_name, text, duplicate) => {
    expect(problemOf(text)).toBe(`repeats the member ${JSON.stringify(duplicate)}`);
  });

  it.each([
    ['in sibling objects', '{"a":{"x":1},"b":{"x":2}}'],
    ['in objects of one array', '{"list":[{"x":1},{"x":2}]}'],
    ['as a parent and a child', '{"a":{"a":{"a":1}}}'],
    ['as a string value', '{"a":"a","b":"a"}'],
    ['as a value that looks like a member', '{"a":"\\"b\\":1","b":2}'],
    ['differing only in case', '{"a":1,"A":2}'],
    ['inside arrays of strings', '{"a":["a","a"],"b":["a"]}'],
    ['whose escape decodes to a different name', '{"a":1,"\\u0062":2}'],
  ])('accepts repeated names that are not duplicates: %s', (_name, text) => {
    expect(parse(text)).toEqual({ value: JSON.parse(text) });
  });
});

describe('findDuplicateMember', () => {
  it('returns the first repeated name or undefined', () => {
    expect(findDuplicateMember('{"a":1,"b":2}')).toBeUndefined();
    expect(findDuplicateMember('{"b":1,"a":2,"a":3,"b":4}')).toBe('a');
  });

  it('handles backslashes at the end of names and values', () => {
    expect(findDuplicateMember('{"a\\\\":"v\\\\","a\\\\":1}')).toBe('a\\');
    expect(findDuplicateMember('{"a\\\\":"v\\\\","a":1}')).toBeUndefined();
  });

  it('sees duplicates past thousands of nesting levels', () => {
    const depth = 2000;
    const text = `${'{"n":'.repeat(depth)}{"x":1,"x":2}${'}'.repeat(depth)}`;
    expect(findDuplicateMember(text)).toBe('x');
    expect(problemOf(text)).toBe('repeats the member "x"');
  });
});
