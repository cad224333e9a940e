/** A one-line progress bar on stderr (a line per 10% when stderr is not a terminal). */
export function progressBar(label: string): (done: number, total: number) => void {
  const tty = process.stderr.isTTY;
  let lastDecile = -1;
  let lastDraw = 0;
  const started = Date.now();
  return (done, total) => {
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    if (tty) {
      const now = Date.now();
      if (now - lastDraw < 100 && frac < 1) return;
      lastDraw = now;
      const width = 30;
      const filled = Math.round(frac * width);
      const secs = ((now - started) / 1000).toFixed(0);
      process.stderr.write(
        `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(100 * frac).toFixed(0)}% ${secs}s`,
      );
      if (frac >= 1) process.stderr.write('\n');
    } else {
      const decile = Math.floor(frac * 10);
      if (decile > lastDecile) {
        lastDecile = decile;
        process.stderr.write(`${label} ${decile * 10}%\n`);
      }
    }
  };
}
