import { readFileSync } from 'node:fs';

/** Resident memory of another live process from /proc: all, anonymous (heaps), file-backed (code), shared. */
export interface ResidentMemory {
  readonly rss: number;
  readonly anon: number;
  readonly file: number;
  readonly shmem: number;
}

export function residentMemory(pid: number): ResidentMemory | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kib = (key: string): number | null => {
    const m = new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : null;
  };
  const rss = kib('VmRSS');
  if (rss === null) return null;
  return { rss, anon: kib('RssAnon') ?? 0, file: kib('RssFile') ?? 0, shmem: kib('RssShmem') ?? 0 };
}

/** Resident set size of a live process in bytes (Linux /proc); null when it cannot be read. */
export function processRssBytes(pid: number): number | null {
  return residentMemory(pid)?.rss ?? null;
}
