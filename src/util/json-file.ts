import { readFileSync } from 'node:fs';
import { ConfigError } from './validate.ts';

/** Read a JSON file; a missing file or bad JSON is a one-line ConfigError naming the file (as `shownAs`). */
export function readJsonFile(path: string, shownAs = path): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`${shownAs}: cannot read file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${shownAs}: invalid JSON (${(e as Error).message.split('\n')[0]})`);
  }
}
