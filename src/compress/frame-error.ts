/** Why a frame or payload was rejected. Every decoder failure maps to exactly one of these. */
export type FrameRejectReason =
  | 'too-large'
  | 'truncated'
  | 'bad-magic'
  | 'bad-version'
  | 'unknown-codec'
  | 'length-mismatch'
  | 'bad-checksum'
  | 'param-count'
  | 'spec-hash'
  | 'non-finite'
  | 'bad-index'
  | 'bad-rescale'
  | 'bad-payload'
  | 'bad-header'
  | 'bad-argument';

export const FRAME_REJECT_REASONS: readonly FrameRejectReason[] = [
  'too-large',
  'truncated',
  'bad-magic',
  'bad-version',
  'unknown-codec',
  'length-mismatch',
  'bad-checksum',
  'param-count',
  'spec-hash',
  'non-finite',
  'bad-index',
  'bad-rescale',
  'bad-payload',
  'bad-header',
  'bad-argument',
];

/** The only error type that frame and payload decoders throw. */
export class FrameError extends Error {
  override name = 'FrameError';
  readonly reason: FrameRejectReason;

  constructor(reason: FrameRejectReason, message: string, options?: { cause?: unknown }) {
    super(`${reason}: ${message}`, options);
    this.reason = reason;
  }
}

export function reject(reason: FrameRejectReason, message: string): never {
  throw new FrameError(reason, message);
}

/** Re-throw FrameErrors as they are; wrap anything else so callers only ever see FrameError. */
export function asFrameError(err: unknown, fallback: FrameRejectReason): FrameError {
  if (err instanceof FrameError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new FrameError(fallback, `unexpected decoder failure: ${msg}`, { cause: err });
}
