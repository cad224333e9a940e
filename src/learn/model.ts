import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng.ts';
import { buildLayout, layerView, type ParamLayout, type ParamKind } from './layout.ts';
import { modelSpecHash, type DataShape, type ModelSpec } from './model-spec.ts';

interface ParamSpec {
  name: string;
  shape: number[];
  kind: ParamKind;
  fanIn: number;
  fanOut: number;
}

/**
 * One dense (or im2col-convolution) layer: input·kernel + bias. Every parameter of every model is
 * the kernel (2l) or bias (2l + 1) of such a layer l, which is what lets DP-SGD get per-example
 * gradients from the layer inputs and output gradients (src/learn/dp-sgd.ts).
 */
export type Affine = (layer: number, input: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor) => tf.Tensor2D;

const plainAffine: Affine = (_l, input, kernel, bias) => tf.add(tf.matMul(input, kernel), bias) as tf.Tensor2D;

type Forward = (x: tf.Tensor, params: readonly tf.Tensor[], affine: Affine) => tf.Tensor2D;

interface Architecture {
  params: ParamSpec[];
  forward: Forward;
}

function dense(name: string, inSize: number, outSize: number): ParamSpec[] {
  return [
    { name: `${name}/kernel`, shape: [inSize, outSize], kind: 'weight', fanIn: inSize, fanOut: outSize },
    { name: `${name}/bias`, shape: [outSize], kind: 'bias', fanIn: inSize, fanOut: outSize },
  ];
}

function flatSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Valid 2-D convolution as im2col (concatenated shifted slices) + matMul. The wasm backend has no
 * Conv2DBackpropFilter kernel, while slice/concat/matMul have gradients on every backend.
 */
function conv2dViaPatches(
  x: tf.Tensor4D,
  kernel: tf.Tensor,
  bias: tf.Tensor,
  k: number,
  affine: Affine,
  layer: number,
): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const oh = h - k + 1;
  const ow = w - k + 1;
  const slices: tf.Tensor4D[] = [];
  for (let dy = 0; dy < k; dy++)
    for (let dx = 0; dx < k; dx++) slices.push(tf.slice(x, [0, dy, dx, 0], [n, oh, ow, c]));
  const patches = tf.reshape(tf.concat(slices, 3), [n * oh * ow, k * k * c]);
  const filters = kernel.shape[1]!;
  return tf.reshape(affine(layer, patches as tf.Tensor2D, kernel as tf.Tensor2D, bias), [n, oh, ow, filters]);
}

function architecture(spec: ModelSpec, shape: DataShape): Architecture {
  const inSize = flatSize(shape.inputShape);
  const classes = shape.numClasses;
  switch (spec.type) {
    case 'logreg':
      return {
        params: dense('dense0', inSize, classes),
        forward: (x, p, affine) => affine(0, tf.reshape(x, [-1, inSize]), p[0] as tf.Tensor2D, p[1]!),
      };
    case 'mlp': {
      const sizes = [inSize, ...spec.hidden, classes];
      const params = sizes.slice(1).flatMap((out, i) => dense(`dense${i}`, sizes[i]!, out));
      return {
        params,
        forward: (x, p, affine) => {
          let h = tf.reshape(x, [-1, inSize]) as tf.Tensor2D;
          for (let i = 0; i < sizes.length - 1; i++) {
            h = affine(i, h, p[2 * i] as tf.Tensor2D, p[2 * i + 1]!);
            if (i < sizes.length - 2) h = tf.relu(h);
          }
          return h;
        },
      };
    }
    case 'cnn': {
      if (shape.inputShape.length !== 3 && shape.inputShape.length !== 2)
        throw new Error(`cnn needs image input [h, w] or [h, w, c], got [${shape.inputShape.join(', ')}]`);
      const [h0, w0, c0 = 1] = shape.inputShape as [number, number, number?];
      const k = spec.kernel;
      const params: ParamSpec[] = [];
      let h = h0;
      let w = w0;
      let c = c0;
      spec.filters.forEach((f, i) => {
        params.push(
          { name: `conv${i}/kernel`, shape: [k * k * c, f], kind: 'weight', fanIn: k * k * c, fanOut: k * k * f },
          { name: `conv${i}/bias`, shape: [f], kind: 'bias', fanIn: k * k * c, fanOut: k * k * f },
        );
        h = Math.floor((h - k + 1) / 2);
        w = Math.floor((w - k + 1) / 2);
        c = f;
        if (h < 1 || w < 1)
          throw new Error(`cnn: input ${h0}x${w0} is too small for ${spec.filters.length} conv layers of kernel ${k}`);
      });
      const flat = h * w * c;
      const denseSizes = spec.dense > 0 ? [flat, spec.dense, classes] : [flat, classes];
      denseSizes.slice(1).forEach((out, i) => params.push(...dense(`dense${i}`, denseSizes[i]!, out)));
      const convCount = spec.filters.length;
      return {
        params,
        forward: (x, p, affine) => {
          let a = tf.reshape(x, [-1, h0, w0, c0]) as tf.Tensor4D;
          for (let i = 0; i < convCount; i++) {
            a = tf.relu(conv2dViaPatches(a, p[2 * i]!, p[2 * i + 1]!, k, affine, i));
            a = tf.maxPool(a, 2, 2, 'valid');
          }
          let z = tf.reshape(a, [-1, flat]) as tf.Tensor2D;
          for (let i = 0; i < denseSizes.length - 1; i++) {
            const base = 2 * convCount + 2 * i;
            z = affine(convCount + i, z, p[base] as tf.Tensor2D, p[base + 1]!);
            if (i < denseSizes.length - 2) z = tf.relu(z);
          }
          return z;
        },
      };
    }
  }
}

/**
 * A model whose parameters live in one flat Float32Array (the `params` field, the source of truth)
 * mirrored into tf variables for the forward/backward pass. Many simulated nodes can share one
 * Model by loading their own flat vector before training.
 */
export class Model {
  readonly spec: ModelSpec;
  readonly shape: DataShape;
  readonly layout: ParamLayout;
  readonly specHash: string;
  readonly variables: tf.Variable[];
  private readonly forwardFn: Forward;

  constructor(spec: ModelSpec, shape: DataShape) {
    const arch = architecture(spec, shape);
    this.spec = spec;
    this.shape = shape;
    this.layout = buildLayout(arch.params);
    this.specHash = modelSpecHash(spec, shape);
    this.forwardFn = arch.forward;
    this.variables = this.layout.entries.map((e) =>
      tf.variable(tf.zeros(e.shape as number[]), true, undefined, 'float32'),
    );
  }

  get size(): number {
    return this.layout.totalSize;
  }

  /** A fresh flat vector with Glorot-uniform weights and zero biases, reproducible from the seed. */
  initParams(seed: number): Float32Array {
    const rng = new Rng(seed);
    const flat = new Float32Array(this.layout.totalSize);
    for (const e of this.layout.entries) {
      if (e.kind !== 'weight') continue;
      const limit = Math.sqrt(6 / (e.fanIn + e.fanOut));
      const view = layerView(flat, e);
      for (let i = 0; i < view.length; i++) view[i] = (2 * rng.next() - 1) * limit;
    }
    return flat;
  }

  /** Copy a flat vector into the tf variables. */
  load(flat: Float32Array): void {
    if (flat.length !== this.layout.totalSize)
      throw new Error(`parameter vector has ${flat.length} values, model expects ${this.layout.totalSize}`);
    this.layout.entries.forEach((e, i) => {
      const t = tf.tensor(layerView(flat, e), e.shape as number[], 'float32');
      this.variables[i]!.assign(t);
      t.dispose();
    });
  }

  /** Read the tf variables into a flat vector (a new one unless `out` is given). */
  read(out = new Float32Array(this.layout.totalSize)): Float32Array {
    this.layout.entries.forEach((e, i) => out.set(this.variables[i]!.dataSync() as Float32Array, e.offset));
    return out;
  }

  /** Logits for a batch, using the current variables. Caller owns (and disposes) the result. */
  logits(x: tf.Tensor): tf.Tensor2D {
    return this.forwardFn(x, this.variables, plainAffine);
  }

  /** Logits with every layer's input·kernel + bias computed by `affine` (e.g. to record per-example terms). */
  logitsVia(x: tf.Tensor, affine: Affine): tf.Tensor2D {
    return this.forwardFn(x, this.variables, affine);
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}
