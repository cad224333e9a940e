/**
 * A testnet manifest (`testnets/*.json`): the network name, protocol version, the learning task
 * every member must share and its shard count (identified by their content hash), bootstrap
 * multiaddrs and admission.
 */
import { dirname, resolve } from 'node:path';
import type { TaskSpec, TaskSpecInput } from '../task/spec.ts';
import { readJsonFile } from '../util/json-file.ts';
import { parseManifestContent, PROTOCOL_VERSION, type RawManifest } from './manifest-schema.ts';

export { PROTOCOL_VERSION };

export interface Manifest extends Omit<RawManifest, 'task' | 'taskHash'> {
  readonly task: TaskSpec;
  /** As written in the file (what a member's daemon config embeds under `task`). */
  readonly rawTask: TaskSpecInput;
  readonly taskHash: string;
  /** Absolute path of the PSK file, when admission uses one. */
  readonly pskPath: string | null;
  readonly source: string;
}

export function parseManifest(input: unknown, source: string, baseDir = process.cwd()): Manifest {
  const { manifest, task, taskHash } = parseManifestContent(input, source);
  const rawTask = (input as { task: TaskSpecInput }).task;
  const pskPath = manifest.admission.pskFile ? resolve(baseDir, manifest.admission.pskFile) : null;
  return { ...manifest, task, rawTask, taskHash, pskPath, source };
}

export function loadManifest(path: string): Manifest {
  return parseManifest(readJsonFile(path), path, dirname(resolve(path)));
}
