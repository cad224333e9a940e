/**
 * A testnet manifest (`testnets/*.json`): the network name, protocol version, the learning task
 * every member must share (identified by its content hash), bootstrap multiaddrs and admission.
 */
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { contentHash } from '../util/canonical-json.ts';
import { readJsonFile } from '../util/json-file.ts';
import { ConfigError, parseWith } from '../util/validate.ts';
import { manifestSchema, parseTask, PROTOCOL_VERSION, type Task } from './manifest-schema.ts';

export { PROTOCOL_VERSION, type Task };

export interface Manifest extends Omit<z.output<typeof manifestSchema>, 'task' | 'taskHash'> {
  readonly task: Task;
  /** As written in the file (hashed). */
  readonly rawTask: Record<string, unknown>;
  readonly taskHash: string;
  /** Absolute path of the PSK file, when admission uses one. */
  readonly pskPath: string | null;
  readonly source: string;
}

/** First 16 hex digits of SHA-256 over the task's canonical JSON. */
export function taskHashOf(task: unknown): string {
  return contentHash(task);
}

export function parseManifest(input: unknown, source: string, baseDir = process.cwd()): Manifest {
  const raw = parseWith(manifestSchema, input, source);
  const task = parseTask(raw.task, source);
  const taskHash = taskHashOf(raw.task);
  if (raw.taskHash !== undefined && raw.taskHash !== taskHash)
    throw new ConfigError(`${source}: taskHash: the task section hashes to ${taskHash}, the manifest states ${raw.taskHash} (task edited? update or remove taskHash)`);
  const pskPath = raw.admission.pskFile ? resolve(baseDir, raw.admission.pskFile) : null;
  return { ...raw, task, rawTask: raw.task, taskHash, pskPath, source };
}

export function loadManifest(path: string): Manifest {
  return parseManifest(readJsonFile(path), path, dirname(resolve(path)));
}
