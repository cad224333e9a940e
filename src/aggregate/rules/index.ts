/**
 * The rule registry: one definition per rule file. Rule names, the accepted config keys and
 * validation (../config.ts) derive from this list. A new rule is a file exporting a defineRule(...)
 * and one line here.
 */
import { centeredClipRule } from './centered-clip.ts';
import { clippedGossipRule } from './clipped-gossip.ts';
import { geomedRule } from './geomed.ts';
import { krumRule } from './krum.ts';
import { meanRule } from './mean.ts';
import { medianRule } from './median.ts';
import { metropolisRule } from './metropolis.ts';
import { multiKrumRule } from './multi-krum.ts';
import { nnaRule } from './nna.ts';
import { trimmedMeanRule } from './trimmed-mean.ts';

export const RULES = [
  meanRule,
  metropolisRule,
  medianRule,
  trimmedMeanRule,
  krumRule,
  multiKrumRule,
  geomedRule,
  centeredClipRule,
  clippedGossipRule,
  nnaRule,
] as const;
