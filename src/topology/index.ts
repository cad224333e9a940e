export {
  checkGraph,
  components,
  degree,
  edgeCount,
  edgesOf,
  fromEdges,
  fromNeighbourSets,
  hasEdge,
  isConnected,
  metropolisWeights,
  removeNodes,
} from './graph.ts';
export type { Edge, Graph, InducedSubgraph, MixingWeights } from './graph.ts';
export {
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
  torusShape,
} from './generators.ts';
export type { ErdosRenyiOptions, TorusShape } from './generators.ts';
export { epidemicSchedule, onePeerExponentialSchedule, staticSchedule } from './schedule.ts';
export type { TopologySchedule } from './schedule.ts';
export { generatorSpecSchema, parseTopologySpec, timeVaryingSpecSchema } from './spec.ts';
export type {
  EdgeListTopologySpec,
  GeneratorSpec,
  GeneratorTopologySpec,
  SpecOrigin,
  TimeVaryingSpec,
  TimeVaryingTopologySpec,
  TopologyFileRef,
  TopologySpec,
} from './spec.ts';
export { buildGraph, buildTimeVarying } from './build.ts';
export { buildTopology, loadTopology } from './file.ts';
export type { Topology, TopologyOptions } from './file.ts';
export { TopologyParamError } from './errors.ts';
