/** Reading a JSON configuration file, with errors that name the file and what went wrong. */
import { readFileSync } from 'node:fs';
import { ConfigInvalid } from '../errors.js';

export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigInvalid([`${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigInvalid([`${path}: is not valid JSON (${(error as Error).message})`]);
  }
}
