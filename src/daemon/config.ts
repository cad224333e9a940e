/** The `gossiplearn node` config file: validated in full before anything starts, one-line errors naming the key. */
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { completeTaskSpec, movedToTask, refuseOldTaskLayout, taskSpecSchema, type TaskSpec } from '../task/spec.ts';
import { readJsonFile } from '../util/json-file.ts';
import { ConfigError, parseWith, refuseMovedKeys } from '../util/validate.ts';
import { admissionSchema, multiaddrText, networkName, peerIdText } from './config-schemas.ts';

export { admissionSchema, multiaddrText, networkName, peerIdText };

const addr = multiaddrText;
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
/** An IP address or a DNS host name to bind an HTTP server to. */
export const httpHost = z
  .string()
  .refine(
    (s) => isIP(s) !== 0 || HOSTNAME.test(s),
    'expected an IP address or a host name such as 127.0.0.1 or localhost',
  );
/** How this daemon runs the task: its shard, the run length, checkpoints and evaluation. */
const learningSchema = z
  .object({
    /** This node's shard: the dataset is split into partitionCount shards exactly as the simulator splits it. */
    partitionIndex: z.number().int().nonnegative(),
    partitionCount: z.number().int().positive(),
    /** Stop training after this many rounds (0: run until stopped). */
    rounds: z.number().int().nonnegative().default(0),
    /** Write a checkpoint every this many rounds (and on shutdown). */
    checkpointEvery: z.number().int().positive().default(5),
    eval: z
      .object({
        /** Evaluate on the test split every this many rounds (and at the last round). */
        every: z.number().int().positive().default(1),
        testSamples: z.number().int().positive().default(1000),
      })
      .strict()
      .default({}),
  })
  .strict();

const daemonSchema = z
  .object({
    /** Nodes only hear nodes of the same network name (it prefixes every topic). */
    network: networkName.default('gossiplearn'),
    /** At least one address; `/p2p-circuit` alone makes a node reachable only through a relay (testnet). */
    listen: z.array(addr).min(1).default(['/ip4/127.0.0.1/tcp/0']),
    announce: z.array(addr).default([]),
    /** Multiaddrs ending in /p2p/<peer id>; dialled at start and remembered for redials. */
    bootstrap: z
      .array(addr.refine((s) => s.includes('/p2p/'), 'expected a multiaddr ending in /p2p/<peer id>'))
      .default([]),
    mdns: z.boolean().default(false),
    dht: z.boolean().default(false),
    /** Peer ids whose updates this node aggregates, or "auto": every gossiplearn peer it connects to. */
    neighbours: z.union([z.literal('auto'), z.array(peerIdText)]).default('auto'),
    maxNeighbours: z.number().int().positive().max(64).default(8),
    /** Keyframes (full models) above this size skip pubsub: neighbours pull them over the sync stream. */
    keyframeViaSyncBytes: z
      .number()
      .int()
      .positive()
      .default(1024 * 1024),
    /** Let neighbours relay each other's updates (a gossipsub mesh per topic); off: direct fan-out only. */
    relay: z.boolean().default(false),
    /** Holds the key file, checkpoints, rounds.jsonl and daemon.json; relative to the config file. */
    dataDir: z.string().min(1),
    http: z
      .object({
        host: httpHost.default('127.0.0.1'),
        /** 0: any free port (written to dataDir/daemon.json). */
        port: z.number().int().min(0).max(65535).default(0),
      })
      .strict()
      .default({}),
    /** The learning task (src/task/spec.ts), the same object a scenario or a testnet manifest holds. */
    task: taskSpecSchema.default({}),
    learning: learningSchema,
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
        /** Write to dataDir/daemon.log instead of stderr. */
        file: z.boolean().default(false),
      })
      .strict()
      .default({}),
    backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
    sync: z
      .object({ timeoutMs: z.number().int().positive().default(10_000) })
      .strict()
      .default({}),
    /** Testnet membership (set by `gossiplearn testnet join` from a manifest). */
    testnet: z
      .object({
        taskHash: z.string().regex(/^[0-9a-f]{16}$/, 'expected 16 lowercase hex digits'),
        protocolVersion: z.number().int().positive(),
        /** Gossip a status heartbeat on gl/<network>/status this often. */
        heartbeatMs: z.number().int().min(200).default(2000),
        /** Circuit-relay client, autonat and dcutr. */
        natTraversal: z.boolean().default(true),
        /**
         * Behave as if behind a strict NAT: direct dials only to the bootstrap nodes, reachable only through the
         * relay.
         */
        relayOnly: z.boolean().default(false),
      })
      .strict()
      .optional(),
    admission: admissionSchema,
    /** Before the first round, wait up to this long for the configured neighbours to connect and subscribe. */
    startupWaitMs: z.number().int().nonnegative().default(15_000),
  })
  .strict();

type RawDaemonConfig = z.output<typeof daemonSchema>;
/** A daemon config file as written (before defaults), e.g. by the local cluster. */
export type DaemonConfigInput = z.input<typeof daemonSchema>;
export type LearningConfig = RawDaemonConfig['learning'];
export type DaemonConfig = Omit<RawDaemonConfig, 'task'> & { task: TaskSpec };

export function parseDaemonConfig(input: unknown, source = 'config', baseDir = process.cwd()): DaemonConfig {
  const learning = (input as { learning?: unknown } | null)?.learning;
  refuseMovedKeys(learning, movedToTask(), source, 'learning.');
  refuseOldTaskLayout((input as { task?: unknown } | null)?.task, source);
  const raw = parseWith(daemonSchema, input, source);
  const l = raw.learning;
  if (l.partitionIndex >= l.partitionCount)
    throw new ConfigError(
      `${source}: learning.partitionIndex: must be below partitionCount (${l.partitionCount}), got ${l.partitionIndex}`,
    );
  const task = completeTaskSpec(raw.task, source);
  const admission = {
    ...raw.admission,
    pskFile: raw.admission.pskFile === undefined ? undefined : resolve(baseDir, raw.admission.pskFile),
  };
  return { ...raw, admission, dataDir: resolve(baseDir, raw.dataDir), task };
}

export function loadDaemonConfig(path: string): DaemonConfig {
  return parseDaemonConfig(readJsonFile(path), path, dirname(resolve(path)));
}
