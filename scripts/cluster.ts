/**
 * The local multi-process cluster, as a script: the same as `gossiplearn cluster`.
 *
 *   node_modules/.bin/node scripts/cluster.ts topologies/ring.json --nodes 4 --rounds 200 \
 *     --kill 1 --kill-at-round 20 --restart-after 3 --out runs/cluster-ring
 */
import { clusterCommand } from '../src/cli/cluster-command.ts';
import { ConfigError } from '../src/util/validate.ts';

try {
  await clusterCommand().name('scripts/cluster.ts').parseAsync(process.argv);
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  console.error(`error: ${e.message}`);
  process.exit(2);
}
