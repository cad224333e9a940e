/**
 * dataDir/privacy.json: the DP steps a daemon has spent on its shard, written before anything
 * derived from them is published, so a restart (even after SIGKILL) never forgets spent budget.
 * A file that cannot be read, or that was spent under other parameters, stops the daemon: silently
 * starting a fresh budget on the same data would break the guarantee.
 */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { ConfigError, parseWith } from '../util/validate.ts';

const ledgerFileSchema = z
  .object({
    steps: z.number().int().nonnegative(),
    epsilon: z.number().nonnegative(),
    q: z.number().gt(0).max(1),
    noiseMultiplier: z.number().positive(),
    delta: z.number().gt(0).lt(1),
  })
  .strict();

export type LedgerFile = z.output<typeof ledgerFileSchema>;

export function loadPrivacySteps(path: string, expect: Omit<LedgerFile, 'steps' | 'epsilon'>): number {
  if (!existsSync(path)) return 0;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    const why = (e as Error).message;
    throw new ConfigError(`${path}: not valid JSON (${why}); refusing to start a fresh privacy budget`);
  }
  const f = parseWith(ledgerFileSchema, raw, path);
  for (const key of ['q', 'noiseMultiplier', 'delta'] as const)
    if (Math.abs(f[key] - expect[key]) > 1e-12 * Math.max(1, expect[key]))
      throw new ConfigError(
        `${path}: ${key}: budget was spent with ${f[key]}, the config now gives ${expect[key]}; ` +
          'move the file aside only if the data is new',
      );
  return f.steps;
}

export function savePrivacySteps(path: string, f: LedgerFile): void {
  writeFileAtomic(path, JSON.stringify(f) + '\n', 0o600);
}
