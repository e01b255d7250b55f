// The viewer's login session with the gateway: who is signed in and what they may do
// (GET /api/session), logging in and out (POST /api/login, /api/logout; the gateway sets and
// clears an HttpOnly cookie, so the viewer never holds a credential). Panels subscribe to
// `change` and show their controls from `info.may`; the gateway enforces the same rights
// whatever the viewer shows. After a login or logout the live socket is opened again, since
// a socket keeps the role it was opened with.
import { EventDispatcher } from 'three';
import type { LiveClient } from './live-client.ts';
import { loginErrorText, parseSession, UNKNOWN_SESSION, type SessionInfo } from './session-info.ts';

export interface SessionEventMap {
  /** `info` changed: another user or role, or its rights. */
  change: {};
  /** Nothing can be shown without logging in (anonymous access is off). */
  required: {};
}

export class Session extends EventDispatcher<SessionEventMap> {
  info: SessionInfo = UNKNOWN_SESSION;
  /** Answers to older requests are dropped: the newest GET /api/session says who is logged in. */
  private asked = 0;

  constructor(private readonly client: Pick<LiveClient, 'reconnect' | 'addEventListener'>) {
    super();
    // Every (re)connection may be for someone else: a gateway restarted, a session revoked.
    client.addEventListener('connect', () => void this.load());
    client.addEventListener('refused', (e) => {
      if (e.code === 'FL_AUTH_REQUIRED') void this.load().then(() => this.dispatchEvent({ type: 'required' }));
    });
  }

  async load(): Promise<void> {
    const n = ++this.asked;
    let info: SessionInfo;
    try {
      const res = await fetch('/api/session', { headers: { accept: 'application/json' } });
      if (!res.ok) return;
      info = parseSession(await res.json());
    } catch {
      // Unreachable, refused or unreadable: keep what is shown; the next connect asks again.
      return;
    }
    if (n !== this.asked) return;
    this.set(info);
    if (info.role === null && info.loginAvailable) this.dispatchEvent({ type: 'required' });
  }

  /** Logs in; resolves with the error text to show, or undefined when logged in. */
  async login(user: string, password: string): Promise<string | undefined> {
    let res: Response;
    try {
      res = await fetch('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, password }) });
    } catch {
      return 'The gateway cannot be reached.';
    }
    if (!res.ok) return loginErrorText(res.status, await res.json().catch(() => undefined), password);
    await this.load();
    this.client.reconnect();
    return undefined;
  }

  async logout(): Promise<void> {
    await fetch('/api/logout', { method: 'POST' }).catch(() => undefined);
    await this.load();
    this.client.reconnect();
  }

  private set(info: SessionInfo): void {
    const changed = JSON.stringify(info) !== JSON.stringify(this.info);
    this.info = info;
    if (changed) this.dispatchEvent({ type: 'change' });
  }
}
