/** Let Node exit while `timer` is pending (browsers have no such notion: a no-op there). */
export function unrefTimer(timer: unknown): void {
  const t = timer as { unref?: () => void };
  if (typeof t.unref === 'function') t.unref();
}
