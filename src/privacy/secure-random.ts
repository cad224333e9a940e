/**
 * Uniforms and Gaussians from the platform CSPRNG (Web Crypto: Node and browsers). A real node's
 * DP noise and Poisson batches must be unpredictable: with a seeded PRNG anyone who knows the seed
 * (a testnet manifest publishes it) could regenerate the noise and subtract it.
 */
export class SecureRandom {
  private readonly words = new Uint32Array(1024);
  private cursor = this.words.length;
  private spare: number | null = null;

  private word(): number {
    if (this.cursor === this.words.length) {
      globalThis.crypto.getRandomValues(this.words);
      this.cursor = 0;
    }
    return this.words[this.cursor++]!;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    return ((this.word() >>> 5) * 67108864 + (this.word() >>> 6)) / 9007199254740992;
  }

  /** Standard normal (Box-Muller). */
  gaussian(): number {
    if (this.spare !== null) {
      const g = this.spare;
      this.spare = null;
      return g;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    const t = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(t);
    return r * Math.cos(t);
  }
}
