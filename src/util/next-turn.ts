/**
 * Run `fn` on the next turn of the event loop, after pending I/O: setImmediate in Node; in a
 * browser a MessageChannel message (setTimeout(0) is clamped to >= 4 ms when nested, 1 s in
 * background tabs).
 */
export function nextTurn(fn: () => void): void {
  if (typeof setImmediate === 'function') {
    setImmediate(fn);
    return;
  }
  const ch = new MessageChannel();
  ch.port1.onmessage = () => {
    ch.port1.close();
    fn();
  };
  ch.port2.postMessage(null);
}
