/** Where a daemon keeps things in its dataDir, and what it announces there once it listens. */
export const FILES = {
  key: 'peer.key',
  checkpoint: 'checkpoint.bin',
  rounds: 'rounds.jsonl',
  info: 'daemon.json',
  /** DP steps spent (src/daemon/privacy-file.ts). */
  privacy: 'privacy.json',
} as const;

/** dataDir/daemon.json: how tools (the cluster) find a running daemon. */
export interface DaemonInfo {
  readonly pid: number;
  readonly peerId: string;
  readonly addresses: string[];
  readonly http: string;
  readonly startedAt: number;
}
