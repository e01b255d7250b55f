// The same-origin check that keeps other sites' pages from acting with a visitor's login:
// cross-site request forgery on cookie requests, cross-site WebSocket hijacking on the socket.
// Browsers always send `Origin` on a POST, DELETE and WebSocket handshake, so a page elsewhere
// cannot hide where it comes from; scripts with a bearer token need no check (no ambient cookie).

export interface OriginPolicy {
  readonly tls: boolean;
  /** Other origins that may act (a reverse proxy's public address), normalised. */
  readonly allowed: readonly string[];
}

export function originPolicy(tls: boolean, allowed: readonly string[]): OriginPolicy {
  return { tls, allowed: allowed.map((o) => new URL(o).origin) };
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
  if (host && normalised === `${policy.tls ? 'https' : 'http'}://${host.toLowerCase()}`) return true;
  return policy.allowed.includes(normalised);
}
