/**
 * Follows a daemon's rounds.jsonl as it grows: each poll reads only the bytes appended since the
 * last one (a stat and a small read), so a tool can notice a closed round within milliseconds
 * without asking every daemon's HTTP server.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { RoundRecord } from '../core/round-record.ts';

/** The part of a rounds.jsonl line the tools read (the daemon writes the whole round record). */
export type RoundLine = RoundRecord & { readonly type: 'node-round'; readonly index: number; accuracy?: number };

export function parseRoundLine(text: string): RoundLine | null {
  try {
    const l = JSON.parse(text) as RoundLine;
    return l?.type === 'node-round' && Number.isInteger(l.round) && Number.isInteger(l.index) ? l : null;
  } catch {
    return null;
  }
}

export class RoundTail {
  private readonly path: string;
  private offset = 0;
  private partial = '';
  /** The last complete line read, if any. */
  last: RoundLine | null = null;

  constructor(path: string) {
    this.path = path;
  }

  /** Lines appended since the previous poll (complete lines only; a torn tail waits for its end). */
  poll(): RoundLine[] {
    let size: number;
    try {
      size = statSync(this.path).size;
    } catch {
      return [];
    }
    if (size < this.offset) {
      // Truncated or replaced: start over.
      this.offset = 0;
      this.partial = '';
    }
    if (size === this.offset) return [];
    const buf = Buffer.alloc(size - this.offset);
    const fd = openSync(this.path, 'r');
    try {
      readSync(fd, buf, 0, buf.length, this.offset);
    } finally {
      closeSync(fd);
    }
    this.offset = size;
    const text = this.partial + buf.toString('utf8');
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    const out: RoundLine[] = [];
    for (const p of parts) {
      const l = p.trim() ? parseRoundLine(p) : null;
      if (l) out.push(l);
    }
    if (out.length) this.last = out[out.length - 1]!;
    return out;
  }
}
