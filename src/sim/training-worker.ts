import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend, type BackendChoice } from '../learn/backend.ts';
import { TrainingWorld, type WorldSpec } from './training-world.ts';

const { spec, backend } = workerData as { spec: WorldSpec; backend: BackendChoice };
await selectBackend(backend);
const world = new TrainingWorld(spec);

parentPort!.on('message', (msg: { id: number; type: string; node?: number; params?: Float32Array; limit?: number }) => {
  const t0 = performance.now();
  try {
    if (msg.type === 'ping') return parentPort!.postMessage({ id: msg.id, ok: true, ms: 0 });
    if (msg.type === 'train') {
      const loss = world.train(msg.node!, msg.params!);
      return parentPort!.postMessage({ id: msg.id, ok: true, ms: performance.now() - t0, params: msg.params, loss }, [msg.params!.buffer as ArrayBuffer]);
    }
    if (msg.type === 'evaluate') {
      const evaluation = world.evaluate(msg.params!, msg.limit!);
      return parentPort!.postMessage({ id: msg.id, ok: true, ms: performance.now() - t0, evaluation });
    }
    parentPort!.postMessage({ id: msg.id, ok: false, error: `unknown job type ${msg.type}` });
  } catch (e) {
    parentPort!.postMessage({ id: msg.id, ok: false, error: (e as Error).stack ?? String(e) });
  }
});
