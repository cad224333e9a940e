/**
 * One churn episode for a set of daemons: kill -9 the victims as each enters a given round, restart
 * them later (after a delay, or once the survivors reach a round), and record what happened: the
 * round each kill landed in, what its checkpoint on disk held, what the restarted daemon resumed
 * from (exact when the digests match), and where the survivors were when it was back up.
 *
 * The driver reads rounds from each daemon's rounds.jsonl (RoundTail), not from HTTP: a tick is a
 * few stats, so it can run every few tens of milliseconds and react within the round.
 */
import { join } from 'node:path';
import { checkpointDigest, type CheckpointDigest } from '../daemon/checkpoint-digest.ts';
import { FILES } from '../daemon/files.ts';
import type { RoundLine, RoundTail } from './round-tail.ts';

/** What the driver needs of the processes it churns (the cluster; the testnet box through an adapter). */
export interface ChurnTarget {
  kill(i: number): Promise<void>;
  start(i: number): void;
  /** The data dir of daemon i (rounds.jsonl, checkpoint.bin). */
  dir(i: number): string;
  /** /status of daemon i, null while it does not answer. */
  resumedOf(i: number): Promise<{ resumed: { round: number; paramsHash: string } | null } | null>;
}

export type RestartRule = { readonly afterMs: number } | { readonly atRound: number };

export interface ChurnSchedule {
  readonly victims: readonly number[];
  /** Kill each victim as it enters this round (it has just logged round killAtRound − 1). */
  readonly killAtRound: number;
  /** null: the victims stay down. atRound: once the most advanced survivor enters that round. */
  readonly restart: RestartRule | null;
  /** Rounds each daemon runs (0: until stopped); a survivor at the target has finished. */
  readonly targetRounds: number;
}

export interface KillRecord {
  readonly node: number;
  /** The round the victim was in when it died: one past the last round it logged. */
  readonly round: number;
  readonly at: number;
  /** What checkpoint.bin held right after the process exited. */
  readonly checkpoint: CheckpointDigest | null;
  /** Every daemon's current round at the kill (the victim's included). */
  readonly rounds: readonly number[];
}

export interface RestartRecord {
  readonly node: number;
  readonly at: number;
  /** When the restarted daemon first answered /status, and what it said it resumed from. */
  upAt: number | null;
  resumed: { round: number; paramsHash: string } | null;
  /** resumed equals the checkpoint on disk at the kill (round and parameter digest). */
  exact: boolean | null;
  /** The survivors' current rounds when it was back up, and how many of them had finished. */
  survivorRounds: readonly number[];
  survivorsFinished: number;
}

export class ChurnDriver {
  readonly kills: KillRecord[] = [];
  readonly restarts: RestartRecord[] = [];
  private readonly target: ChurnTarget;
  private readonly tails: readonly RoundTail[];
  private readonly s: ChurnSchedule;
  private readonly log: (msg: string) => void;
  private readonly state = new Map<number, 'up' | 'killing' | 'down' | 'starting' | 'back'>();
  private readonly killedAt = new Map<number, number>();
  private readonly checking = new Set<number>();

  constructor(target: ChurnTarget, tails: readonly RoundTail[], schedule: ChurnSchedule, log: (msg: string) => void) {
    this.target = target;
    this.tails = tails;
    this.s = schedule;
    this.log = log;
    for (const v of schedule.victims) this.state.set(v, 'up');
  }

  /** Daemon i's current round: one past the last round it logged. */
  roundOf(i: number): number {
    const last = this.tails[i]!.last;
    return last ? last.round + 1 : 0;
  }

  private survivors(): number[] {
    return this.tails.map((_, i) => i).filter((i) => !this.state.has(i));
  }

  private finished(i: number): boolean {
    return this.s.targetRounds > 0 && this.roundOf(i) >= this.s.targetRounds;
  }

  /** Every kill done and, with a restart rule, every victim back up. */
  get done(): boolean {
    const end = this.s.restart === null ? 'down' : 'back';
    return [...this.state.values()].every((x) => x === end);
  }

  /** React to the rounds the tails have read (call after polling them). */
  async tick(): Promise<void> {
    for (const [v, st] of this.state) {
      if (st === 'up' && this.roundOf(v) >= this.s.killAtRound) await this.kill(v);
      else if (st === 'down' && this.restartDue(v)) this.restart(v);
      else if (st === 'starting' && !this.checking.has(v)) {
        // Not awaited: a slow /status must not hold back another victim's kill.
        this.checking.add(v);
        void this.checkUp(v).finally(() => this.checking.delete(v));
      }
    }
  }

  private async kill(v: number): Promise<void> {
    this.state.set(v, 'killing');
    const at = Date.now();
    await this.target.kill(v);
    this.tails[v]!.poll();
    const round = this.roundOf(v);
    const checkpoint = checkpointDigest(join(this.target.dir(v), FILES.checkpoint));
    const rounds = this.tails.map((_, i) => this.roundOf(i));
    this.kills.push({ node: v, round, at, checkpoint, rounds });
    this.killedAt.set(v, at);
    this.state.set(v, 'down');
    const ck = checkpoint ? `checkpoint round ${checkpoint.round} (${checkpoint.paramsHash})` : 'no checkpoint';
    this.log(`churn: kill -9 node ${v} in round ${round} (asked: ${this.s.killAtRound}); on disk: ${ck}`);
  }

  private restartDue(v: number): boolean {
    const r = this.s.restart;
    if (r === null) return false;
    if ('afterMs' in r) return Date.now() - this.killedAt.get(v)! >= r.afterMs;
    return Math.max(0, ...this.survivors().map((i) => this.roundOf(i))) >= r.atRound;
  }

  private restart(v: number): void {
    this.target.start(v);
    this.state.set(v, 'starting');
    const at = Date.now();
    const record = { node: v, at, upAt: null, resumed: null, exact: null, survivorRounds: [], survivorsFinished: 0 };
    this.restarts.push(record);
    const rounds = this.survivors().map((i) => this.roundOf(i));
    this.log(`churn: restarting node ${v} (survivors in rounds ${rounds.join(' ')})`);
  }

  private async checkUp(v: number): Promise<void> {
    const s = await this.target.resumedOf(v).catch(() => null);
    if (!s || this.state.get(v) !== 'starting') return;
    const rec = this.restarts.findLast((r) => r.node === v)!;
    const kill = this.kills.findLast((k) => k.node === v)!;
    const survivors = this.survivors();
    rec.upAt = Date.now();
    rec.resumed = s.resumed ? { round: s.resumed.round, paramsHash: s.resumed.paramsHash } : null;
    const disk = kill.checkpoint;
    const got = rec.resumed;
    rec.exact = got !== null && disk !== null && got.round === disk.round && got.paramsHash === disk.paramsHash;
    rec.survivorRounds = survivors.map((i) => this.roundOf(i));
    rec.survivorsFinished = survivors.filter((i) => this.finished(i)).length;
    this.state.set(v, 'back');
    const from = s.resumed ? `round ${s.resumed.round} (${s.resumed.paramsHash})` : 'nothing';
    this.log(
      `churn: node ${v} back up after ${((rec.upAt - kill.at) / 1000).toFixed(1)} s, resumed from ${from}` +
        ` (${rec.exact ? 'exact' : 'NOT exact'}); survivors in rounds ${rec.survivorRounds.join(' ')}` +
        (this.s.targetRounds > 0 ? ` of ${this.s.targetRounds}, ${rec.survivorsFinished} finished` : ''),
    );
  }
}

/**
 * Rounds a restarted victim closed after it was back up while at least one survivor had not
 * finished yet, and how many of those aggregated at least one neighbour's update.
 */
export interface RoundsWithSurvivors {
  readonly closed: number;
  readonly aggregated: number;
  /** The first such round (null: none). */
  readonly first: number | null;
}

export function roundsWithSurvivors(
  lines: readonly RoundLine[],
  r: RestartRecord,
  victims: ReadonlySet<number>,
): RoundsWithSurvivors {
  if (r.upAt === null) return { closed: 0, aggregated: 0, first: null };
  const survivorsEnd = Math.max(...lines.filter((l) => !victims.has(l.index)).map((l) => l.closedAt));
  const mine = lines.filter((l) => l.index === r.node && l.startedAt >= r.at && l.closedAt <= survivorsEnd);
  const first = mine.length ? Math.min(...mine.map((l) => l.round)) : null;
  return { closed: mine.length, aggregated: mine.filter((l) => l.used > 0).length, first };
}
