/** Dataset specs as config files and manifests write them (validation only: no loading, no file system). */
import { z } from 'zod';
import { parseWith } from '../../util/validate.ts';

const testFraction = z.number().gt(0).lt(1).default(0.2);

export const datasetSpecSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('mnist'), testFraction }).strict(),
  z
    .object({
      type: z.literal('idx'),
      trainImages: z.string().min(1),
      trainLabels: z.string().min(1),
      testImages: z.string().min(1).optional(),
      testLabels: z.string().min(1).optional(),
      numClasses: z.number().int().min(2).max(256).default(10),
      testFraction,
    })
    .strict(),
  z
    .object({
      type: z.literal('csv'),
      path: z.string().min(1),
      label: z.union([z.string(), z.number().int().nonnegative()]).optional(),
      header: z.boolean().optional(),
      testFraction,
    })
    .strict(),
  z
    .object({
      type: z.literal('synthetic'),
      samples: z.number().int().min(10).default(20000),
      dim: z.number().int().positive().default(32),
      classes: z.number().int().min(2).max(256).default(10),
      separation: z.number().positive().default(3),
      testFraction,
    })
    .strict(),
]);

export type DatasetSpec = z.output<typeof datasetSpecSchema>;

export function parseDatasetSpec(input: unknown, source = 'dataset'): DatasetSpec {
  return parseWith(datasetSpecSchema, input, source);
}
