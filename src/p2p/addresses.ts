/**
 * Which addresses to listen on and announce. A node whose peers are on other hosts must listen
 * where they can reach it and must not tell them to dial 127.0.0.1 (their own loopback): with any
 * non-loopback listen address, loopback addresses are left out of what it announces.
 */
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';

export const LOOPBACK_LISTEN = '/ip4/127.0.0.1/tcp/0';
export const ALL_INTERFACES_LISTEN = '/ip4/0.0.0.0/tcp/0';

/** The IP or DNS host of a multiaddr's first component, or null (e.g. /p2p-circuit). */
function hostOf(addr: string): { proto: string; value: string } | null {
  const m = /^\/(ip4|ip6|dns|dns4|dns6|dnsaddr)\/([^/]+)/.exec(addr);
  return m ? { proto: m[1]!, value: m[2]! } : null;
}

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackAddr(addr: string): boolean {
  const h = hostOf(addr);
  if (!h) return false;
  if (h.proto === 'ip4') return h.value.startsWith('127.');
  if (h.proto === 'ip6') return h.value === '::1';
  return h.value === 'localhost';
}

/** Listening here (on an interface or on all of them) lets other hosts reach the node. */
export function reachableFromOtherHosts(addr: string): boolean {
  return hostOf(addr) !== null && !isLoopbackAddr(addr);
}

/**
 * The default listen address of a node that knows these bootstrap addresses: all interfaces if any
 * of them is on another host (the network spans hosts), loopback otherwise (the safe default).
 */
export function defaultListen(bootstrap: readonly string[]): string[] {
  return bootstrap.some(reachableFromOtherHosts) ? [ALL_INTERFACES_LISTEN] : [LOOPBACK_LISTEN];
}

/**
 * The announce filter for a node listening on `listen`: with any address reachable from other
 * hosts, drop loopback addresses (kept only if nothing else is left); otherwise announce as is.
 */
export function announceFilterFor(listen: readonly string[]): ((addrs: Multiaddr[]) => Multiaddr[]) | undefined {
  if (!listen.some(reachableFromOtherHosts)) return undefined;
  return (addrs) => {
    const routable = addrs.filter((a) => !isLoopbackAddr(a.toString()));
    return routable.length > 0 ? routable : addrs;
  };
}

/** The same port on every interface: /ip4/203.0.113.7/tcp/4001 → /ip4/0.0.0.0/tcp/4001 (IPv6: ::). */
export function onAllInterfaces(addr: string): string {
  const h = hostOf(addr);
  if (!h) return addr;
  const rest = addr.slice(`/${h.proto}/${h.value}`.length);
  return `${h.proto === 'ip6' || h.proto === 'dns6' ? '/ip6/::' : '/ip4/0.0.0.0'}${rest}`;
}

/** For tests and callers holding strings. */
export function routableOnly(listen: readonly string[], addrs: readonly string[]): string[] {
  const f = announceFilterFor(listen);
  return f ? f(addrs.map((a) => multiaddr(a))).map((a) => a.toString()) : [...addrs];
}
