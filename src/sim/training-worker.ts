import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend, type BackendChoice } from '../learn/backend.ts';
import type { TrainTest } from '../learn/dataset.ts';
import type { BatchReply, JobBatch } from './training-pool.ts';
import { TrainingWorld, type WorldSpec } from './training-world.ts';

const port = parentPort;
if (!port) throw new Error('training-worker.ts runs as a worker thread');
const { spec, data, backend } = workerData as { spec: WorldSpec; data: TrainTest; backend: BackendChoice };
await selectBackend(backend);
const world = new TrainingWorld(spec, data);
const d = world.model.size;

function run(batch: JobBatch): BatchReply {
  const jobs = batch.nodes.length;
  const reply = {
    id: batch.id,
    trainMs: 0,
    evalMs: 0,
    params: batch.params,
    loss: new Float64Array(jobs),
    accuracy: new Float64Array(jobs),
    samples: new Int32Array(jobs),
  };
  for (let k = 0; k < jobs; k++) {
    const t0 = performance.now();
    const params = batch.params.subarray(k * d, (k + 1) * d);
    const node = batch.nodes[k]!;
    if (node >= 0) {
      reply.loss[k] = world.train(node, params);
      reply.trainMs += performance.now() - t0;
    } else {
      const e = world.evaluate(params, batch.limits[k]!);
      reply.loss[k] = e.loss;
      reply.accuracy[k] = e.accuracy;
      reply.samples[k] = e.samples;
      reply.evalMs += performance.now() - t0;
    }
  }
  return reply;
}

port.on('message', (batch: JobBatch) => {
  try {
    const reply = run(batch);
    port.postMessage(reply, [reply.params.buffer as ArrayBuffer]);
  } catch (e) {
    const error = (e as Error).stack ?? String(e);
    port.postMessage({ id: batch.id, error, trainMs: 0, evalMs: 0 });
  }
});
port.postMessage({ ready: true });
