import * as tf from '@tensorflow/tfjs';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export type BackendChoice = BackendName | 'auto';
export const backendOrder: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** How to make each backend available; a loader throws when its backend cannot be loaded here. */
export type BackendLoaders = Record<BackendName, () => Promise<void>>;

export const defaultLoaders: BackendLoaders = {
  // tfjs-node is an optionalDependency: absent whenever its native download failed at install time.
  tensorflow: async () => {
    await import('@tensorflow/tfjs-node' as string);
  },
  wasm: async () => {
    await import('@tensorflow/tfjs-backend-wasm');
  },
  cpu: async () => {
    // The cpu backend ships inside @tensorflow/tfjs.
    await import('@tensorflow/tfjs');
  },
};

export interface BackendSelection {
  readonly backend: BackendName;
  /** Why each earlier backend in the order was skipped. */
  readonly skipped: ReadonlyArray<{ backend: BackendName; reason: string }>;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}

async function tryBackend(name: BackendName, loaders: BackendLoaders): Promise<void> {
  await loaders[name]();
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') returned false`);
  await tf.ready();
}

/**
 * Chooses the fastest backend that loads: tensorflow (tfjs-node) → wasm → cpu.
 * An explicit choice is honoured or fails loudly: no silent fallback from what the user asked for.
 */
export async function selectBackend(
  choice: BackendChoice = 'auto',
  loaders: BackendLoaders = defaultLoaders,
): Promise<BackendSelection> {
  if (choice !== 'auto') {
    try {
      await tryBackend(choice, loaders);
    } catch (e) {
      throw new Error(`backend "${choice}" is not available here: ${firstLine(e)}`);
    }
    return { backend: choice, skipped: [] };
  }
  const skipped: Array<{ backend: BackendName; reason: string }> = [];
  for (const name of backendOrder) {
    try {
      await tryBackend(name, loaders);
      return { backend: name, skipped };
    } catch (e) {
      skipped.push({ backend: name, reason: firstLine(e) });
    }
  }
  throw new Error(`no tfjs backend could be loaded: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`);
}

export function describeSelection(sel: BackendSelection): string {
  const why = sel.skipped.map((s) => `${s.backend} unavailable (${s.reason})`).join(', ');
  return `tfjs backend: ${sel.backend}${why ? ` [${why}]` : ''}`;
}
