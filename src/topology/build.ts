/** Turns validated generator / time-varying specs into graphs and schedules. */
import {
  barabasiAlbert,
  dumbbell,
  erdosRenyi,
  exponential,
  full,
  randomRegular,
  ring,
  smallWorld,
  star,
  torus,
} from './generators.ts';
import type { Graph } from './graph.ts';
import { epidemicSchedule, onePeerExponentialSchedule, type TopologySchedule } from './schedule.ts';
import type { GeneratorSpec, TimeVaryingSpec } from './spec.ts';

export function buildGraph(spec: GeneratorSpec, n: number, seed: number): Graph {
  switch (spec.type) {
    case 'ring':
      return ring(n);
    case 'torus':
      return torus(n, spec);
    case 'full':
      return full(n);
    case 'star':
      return star(n, spec.hub);
    case 'exponential':
      return exponential(n);
    case 'erdos-renyi':
      return erdosRenyi(n, spec.p, seed, spec);
    case 'random-regular':
      return randomRegular(n, spec.d, seed);
    case 'barabasi-albert':
      return barabasiAlbert(n, spec.m, seed);
    case 'small-world':
      return smallWorld(n, spec.k, spec.beta, seed);
    case 'dumbbell':
      return dumbbell(n, spec.bridges);
  }
}

export function buildTimeVarying(spec: TimeVaryingSpec, n: number, seed: number): TopologySchedule {
  switch (spec.type) {
    case 'epidemic':
      return epidemicSchedule(n, spec.s, seed);
    case 'one-peer-exponential':
      return onePeerExponentialSchedule(n);
  }
}
