/** Reading a JSON configuration file, with errors that name the file and what went wrong. */
import { readFileSync } from 'node:fs';
import { ConfigInvalid } from '../errors.js';
import { locateJsonSyntaxError } from './json-syntax.js';

export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigInvalid([`${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  try {
    return JSON.parse(text);
  } catch {
    // JSON.parse's message may quote the file, which can hold a secret key: say where, not what.
    const at = locateJsonSyntaxError(text);
    throw new ConfigInvalid([
      `${path}: is not valid JSON${at ? `: line ${at.line}, column ${at.column}: expected ${at.expected}` : ''}`,
    ]);
  }
}
