/** Public API of the compression module: codecs, CHOCO gossip state, wire frames. */
export { CODECS } from './codecs/index.ts';
export { CODEC_IDS, CODEC_NAMES, codecConfigSchema, codecDefinition, parseCodecConfig } from './config.ts';
export type { CodecConfig, CodecId, CodecName } from './config.ts';
export type { CodecDefinition, CodecParts } from './codec-definition.ts';
export { sparseCount } from './codecs/sparse-size.ts';
export { checkedPayloadAdder, codecNameOf, decodePayload, decodePayloadInto, getCodec, isCodecId } from './codecs.ts';
export type { Codec } from './codecs.ts';
export { ChocoReceiver, ChocoSender } from './choco.ts';
export type { ChocoApplyResult, ChocoSnapshot } from './choco.ts';
export {
  FRAME_CHECKSUM_BYTES,
  FRAME_HEADER_BYTES,
  FRAME_MAGIC,
  FRAME_VERSION,
  MAX_RESCALE,
  MAX_SENDER_BYTES,
  decodeFrame,
  decodeFrameHeader,
  frameRescales,
  encodeFrame,
  frameLength,
  framePayload,
  peekFrameHeader,
} from './frame.ts';
export type { FrameExpectation, FrameHeader, FrameInput, FrameRescale } from './frame.ts';
export { FRAME_REJECT_REASONS, FrameError } from './frame-error.ts';
export type { FrameRejectReason } from './frame-error.ts';
export { TopKSelector } from './select.ts';
