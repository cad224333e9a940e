import { Command, Option } from 'commander';
import { z } from 'zod';
import { noiseMultiplierFor, sgmEpsilon, type Conversion } from '../privacy/accountant.ts';
import { parseWith } from '../util/validate.ts';

const HELP = `
Computes the (ε, δ) differential-privacy guarantee of T steps of DP-SGD, i.e. the sampled Gaussian
mechanism: each step every record joins the batch independently with probability q (Poisson
sampling), per-example gradients are clipped to norm C and N(0, σ²C²) noise is added to their sum.
Guarantee: record-level DP (add/remove one record) for everything the steps release.

Accountant: Rényi DP of the sampled Gaussian mechanism (Mironov, Talwar & Zhang 2019) at orders
1.1, 1.2, ..., 10.9, 12, ..., 63 (integer orders: exact binomial sum; fractional: log-space series),
summed over the T steps, converted to ε at δ and minimised over the orders. Conversion "improved"
(default): Balle et al. 2020, ε = rdp + log((α−1)/α) − (log δ + log α)/(α−1), as Opacus and
TF-Privacy report; "classic": ε = rdp + log(1/δ)/(α−1) (Mironov 2017).

For a gossiplearn node: q = batchSize / shard size, T = rounds × localSteps. For DiceSGD ("dice")
the same σ is used with sensitivity C₁ + C₂.

Examples:
  gossiplearn privacy --q 0.004267 --sigma 1.1 --steps 14062 --delta 1e-5
  gossiplearn privacy --q 0.064 --steps 400 --delta 1e-5 --target-epsilon 4   # prints the σ needed`;

const optionsSchema = z
  .object({
    q: z.coerce.number().gt(0).max(1),
    sigma: z.coerce.number().positive().optional(),
    steps: z.coerce.number().int().nonnegative(),
    delta: z.coerce.number().gt(0).lt(1),
    targetEpsilon: z.coerce.number().positive().optional(),
    conversion: z.enum(['improved', 'classic']).default('improved'),
  })
  .strict()
  .superRefine((o, ctx) => {
    if ((o.sigma === undefined) === (o.targetEpsilon === undefined))
      ctx.addIssue({ code: 'custom', path: ['sigma'], message: 'give exactly one of --sigma and --target-epsilon' });
  });

export function privacyCommand(): Command {
  const conversion = new Option('--conversion <kind>', 'RDP → (ε, δ) conversion')
    .choices(['improved', 'classic'])
    .default('improved');
  return new Command('privacy')
    .description('print the ε of DP-SGD for a sampling rate, noise multiplier, step count and δ (RDP accountant)')
    .requiredOption('--q <rate>', 'Poisson sampling rate q (expected batch size / records), in (0, 1]')
    .option('--sigma <s>', 'noise multiplier σ (noise std / clipping norm)')
    .requiredOption('--steps <T>', 'number of steps (rounds × local steps)')
    .requiredOption('--delta <d>', 'δ, in (0, 1)')
    .option('--target-epsilon <e>', 'instead of --sigma: print the smallest σ that keeps ε ≤ e')
    .addOption(conversion)
    .addHelpText('after', HELP)
    .action((raw: Record<string, unknown>) => {
      const o = parseWith(optionsSchema, raw, 'privacy');
      const conversion = o.conversion as Conversion;
      const setting = { q: o.q, steps: o.steps, delta: o.delta };
      const sigma = o.sigma ?? noiseMultiplierFor({ ...setting, epsilon: o.targetEpsilon! });
      const r = sgmEpsilon({ ...setting, sigma, conversion });
      if (o.targetEpsilon !== undefined)
        console.log(`sigma = ${sigma.toFixed(4)} (smallest noise multiplier with ε ≤ ${o.targetEpsilon})`);
      const order = Number.isNaN(r.order) ? 'n/a' : String(r.order);
      const how = `best RDP order ${order}, ${conversion} conversion`;
      console.log(`epsilon = ${r.epsilon.toFixed(4)} at delta = ${o.delta} (${how})`);
      console.log(`q = ${o.q}, sigma = ${sigma}, steps = ${o.steps}, Poisson sampling, add/remove-one adjacency`);
    });
}
