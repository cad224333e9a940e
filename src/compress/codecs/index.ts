/**
 * The codec registry: one definition per codec file. Names, wire ids, config types and validation
 * (../config.ts) and the decoders (../codecs.ts) all derive from this list. A new codec is a file
 * exporting a defineCodec(...) with an unused wire id, and one line here.
 */
import { fp16Codec } from './fp16.ts';
import { int8Codec } from './int8.ts';
import { layeredCodec } from './layered.ts';
import { noneCodec } from './none.ts';
import { powersgdCodec } from './powersgd.ts';
import { qsgdCodec } from './qsgd.ts';
import { randkCodec } from './randk.ts';
import { signCodec } from './sign.ts';
import { topkCodec } from './topk.ts';

export const CODECS = [
  noneCodec,
  fp16Codec,
  int8Codec,
  qsgdCodec,
  topkCodec,
  randkCodec,
  signCodec,
  powersgdCodec,
  layeredCodec,
] as const;
