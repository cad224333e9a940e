/** WebSocket listen addresses next to TCP ones: how browser nodes reach a bootstrap or a daemon. */

/**
 * `listen` plus, for each TCP address without a WebSocket twin on the same host, `/ip…/<host>/tcp/0/ws`
 * (any free port: browsers learn the actual address from the node itself).
 */
export function withWebSocketListeners(listen: readonly string[]): string[] {
  const out = [...listen];
  const hostOf = (a: string): string | null => /^(\/(?:ip4|ip6|dns4|dns6|dns)\/[^/]+)\/tcp\/\d+/.exec(a)?.[1] ?? null;
  const isWs = (a: string): boolean => /\/wss?(\/|$)/.test(a);
  for (const a of listen) {
    const host = hostOf(a);
    if (host === null || isWs(a) || a.includes('/p2p-circuit')) continue;
    if (!out.some((b) => isWs(b) && hostOf(b) === host)) out.push(`${host}/tcp/0/ws`);
  }
  return out;
}
