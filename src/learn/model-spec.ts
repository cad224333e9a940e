import { z } from 'zod';
import { contentHash } from '../util/canonical-json.ts';
import { parseWith } from '../util/validate.ts';

const positiveInt = z.number().int().positive();

export const modelSpecSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('logreg') }).strict(),
  z.object({ type: z.literal('mlp'), hidden: z.array(positiveInt).min(1).default([128]) }).strict(),
  z
    .object({
      type: z.literal('cnn'),
      filters: z.array(positiveInt).min(1).max(3).default([8, 16]),
      kernel: z.number().int().min(2).max(7).default(3),
      dense: z.number().int().nonnegative().default(0),
    })
    .strict(),
]);

/** What architecture to build; JSON-serialisable and hashable so peers can check they train the same thing. */
export type ModelSpec = z.output<typeof modelSpecSchema>;

/** The data shape a model is built for. */
export interface DataShape {
  readonly inputShape: readonly number[];
  readonly numClasses: number;
}

export function parseModelSpec(input: unknown, source = 'model'): ModelSpec {
  return parseWith(modelSpecSchema, input, source);
}

/** 16 hex chars (64 bits) of SHA-256 over the canonical JSON of spec + data shape. */
export function modelSpecHash(spec: ModelSpec, shape: DataShape): string {
  return contentHash({ spec, inputShape: shape.inputShape, numClasses: shape.numClasses });
}
