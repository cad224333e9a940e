/** No line of a .ts file under src/, test/ or scripts/ is longer than 120 characters (the formatter's line width). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAX = 120;
const root = fileURLToPath(new URL('..', import.meta.url));

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules' || e.name.startsWith('.')) return [];
    const path = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(path);
    return e.isFile() && e.name.endsWith('.ts') ? [path] : [];
  });
}

test(`every .ts line under src/, test/ and scripts/ is at most ${MAX} characters`, () => {
  const files = ['src', 'test', 'scripts'].flatMap((d) => tsFiles(join(root, d)));
  assert.ok(files.length > 100, `only ${files.length} .ts files found under ${root}`);
  const offenders: string[] = [];
  for (const file of files) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        // Code points, not UTF-16 units or bytes: '→' or 'ε' is one character, as for the formatter.
        const length = [...line].length;
        if (length > MAX) offenders.push(`${relative(root, file)}:${i + 1}: ${length} characters`);
      });
  }
  assert.deepEqual(offenders, [], `lines longer than ${MAX} characters:\n${offenders.join('\n')}`);
});
