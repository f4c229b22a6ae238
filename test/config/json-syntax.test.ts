import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readJsonFile } from '../../src/config/json-file.js';
import { locateJsonSyntaxError } from '../../src/config/json-syntax.js';
import { ConfigInvalid } from '../../src/errors.js';

describe('locateJsonSyntaxError', () => {
  it.each([
    ['{\n  "serviceName": "Acme",\n}', 3, 1, 'a key in double quotes'],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3, '"," or "}"'],
    ['{"routes": [\n  {"prefix": "/a"}\n  {"prefix": "/b"}\n]}', 3, 3, '"," or "]"'],
    ['{"a": tru}', 1, 7, 'a value (object, array, "string", number, true, false or null)'],
    ["{'a': 1}", 1, 2, 'a key in double quotes'],
    ['{\n  // a comment\n  "a": 1\n}', 2, 3, 'a key in double quotes'],
    ['{"a" 1}', 1, 6, '":" after the key'],
    ['{"a": "x', 1, 9, 'the closing double quote of the string'],
    ['{"a": "\\x"}', 1, 8, 'a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)'],
    ['{"a": 01}', 1, 8, '"," or "}"'],
    ['{"a": 1} x', 1, 10, 'the end of the document'],
    ['', 1, 1, 'a value (object, array, "string", number, true, false or null)'],
    ['\uFEFF{}', 1, 1, 'a value (object, array, "string", number, true, false or null)'],
  ])('%j: line %i, column %i', (text, line, column, expected) => {
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    expect(locateJsonSyntaxError(text)).toEqual({ line, column, expected });
  });

  it('finds nothing wrong in valid JSON, whatever JSON.parse accepts', () => {
    for (const text of ['{}', '[]', ' {"a": [1, -2.5e3, true, false, null, "\\u00e9\\n"], "b": {}} ', '"x"', '0']) {
      expect(() => JSON.parse(text)).not.toThrow();
      expect(locateJsonSyntaxError(text)).toBeUndefined();
    }
  });
});

describe('readJsonFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portal-gateway-json-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports a syntax error with the file, line and column, without quoting the file', () => {
    const file = join(dir, 'gateway.json');
    const secret = 'f'.repeat(63) + 'e';
    writeFileSync(file, `{\n  "serviceKey": "${secret}",\n  "routes": [],\n}\n`);
    const error = (() => {
      try {
        readJsonFile(file);
      } catch (caught) {
        return caught as ConfigInvalid;
      }
      throw new Error('parsed');
    })();
    expect(error).toBeInstanceOf(ConfigInvalid);
    expect(error.problems).toEqual([`${file}: is not valid JSON: line 4, column 1: expected a key in double quotes`]);
    expect(error.message).not.toContain(secret);
  });
});
