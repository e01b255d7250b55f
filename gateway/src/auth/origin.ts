// The same-origin check that keeps other sites' pages from acting with a visitor's login:
// cross-site request forgery on cookie requests, cross-site WebSocket hijacking on the socket.
// Browsers always send `Origin` on a POST, DELETE and WebSocket handshake, so a page elsewhere
// cannot hide where it comes from; scripts with a bearer token need no check (no ambient cookie).
// The Host a request names must be one the gateway is known by, or a page on a domain
// re-pointed at the gateway's address (DNS rebinding) would pass as the gateway's own.
import { isIP } from 'node:net';
import { hostname } from 'node:os';

export interface OriginPolicy {
  readonly tls: boolean;
  /** Other origins that may act (a reverse proxy's public address), normalised. */
  readonly allowed: readonly string[];
  /** Names (lower case, no port) the gateway is reached by besides IP addresses. */
  readonly hostNames: ReadonlySet<string>;
}

export function originPolicy(tls: boolean, allowed: readonly string[], hostNames: readonly string[] = []): OriginPolicy {
  const own = hostname().toLowerCase();
  const names = new Set(['localhost', own, `${own}.local`, ...hostNames.map((h) => h.toLowerCase()), ...allowed.map((o) => new URL(o).hostname.toLowerCase())]);
  return { tls, allowed: allowed.map((o) => new URL(o).origin), hostNames: names };
}

/** The name in a Host header, without its port or an IPv6 address's brackets. */
function hostOnly(host: string): string {
  const h = host.toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']'));
  const colon = h.lastIndexOf(':');
  return colon > 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

/** Whether `host` (a Host header) names the gateway: an IP address, or one of its names. */
export function knownHost(policy: OriginPolicy, host: string | undefined): boolean {
  if (!host) return false;
  const name = hostOnly(host);
  return isIP(name) !== 0 || policy.hostNames.has(name);
}

/** Whether `origin` (the header, absent for non-browser clients) is the gateway's own, as addressed by `host`, or an allowed one. */
export function sameOrigin(policy: OriginPolicy, origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  let normalised: string;
  try {
    normalised = new URL(origin).origin;
  } catch {
    return false;
  }
  if (policy.allowed.includes(normalised)) return true;
  return host !== undefined && knownHost(policy, host) && normalised === new URL(`${policy.tls ? 'https' : 'http'}://${host}`).origin;
}
