// The admin panel, opened from the header's Admin button: the users (each with "Log out
// everywhere"), the API tokens (Revoke, and a form to make one whose secret is shown once, in
// a read-only field, until the panel closes or another is made) and the audit trail's newest
// entries. Offered only while the session's `may.admin` holds, never in the kiosk; a logout or
// another user or role closes it and drops what it held, and an answer to a request made
// before that is thrown away. Everything the gateway sends is put on the page as text.
import { AdminError, adminApi, type AdminApi, type AuditRow, type TokenRow, type UserRow } from '../live/admin-api.ts';
import type { Session } from '../live/session.ts';
import { ROLES, type Role } from '../live/session-info.ts';

export const AUDIT_ENTRIES = 100;

const WHEN: Intl.DateTimeFormatOptions = { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' };
const when = (t: number | string) => new Date(t).toLocaleString([], WHEN);

export class AdminPanel {
  private readonly body: HTMLElement;
  private readonly error: HTMLElement;
  private readonly note: HTMLElement;
  private readonly users: HTMLTableSectionElement;
  private readonly tokens: HTMLTableSectionElement;
  private readonly audit: HTMLTableSectionElement;
  private readonly auditError: HTMLElement;
  private readonly form: HTMLFormElement;
  private readonly secretBox: HTMLElement;
  private readonly secret: HTMLInputElement;
  /** Who the panel's data was fetched for: another user or role drops it. */
  private shownFor = '';
  /** Bumped whenever the data is dropped, so that an answer still on its way is not shown. */
  private epoch = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly session: Pick<Session, 'info' | 'addEventListener' | 'removeEventListener'>,
    private readonly api: AdminApi = adminApi,
  ) {
    root.hidden = true;
    root.innerHTML = `
      <button type="button" class="admin-toggle" aria-expanded="false">Admin</button>
      <div class="admin-body" hidden role="region" aria-label="Admin">
        <div class="admin-head"><h2>Admin</h2><button type="button" class="admin-close" aria-label="Close">×</button></div>
        <p class="admin-error" role="alert"></p>
        <p class="admin-note" role="status"></p>
        <h3>Users</h3>
        <table class="admin-users"><thead><tr><th>user</th><th>role</th><th>changed</th><th></th></tr></thead><tbody></tbody></table>
        <h3>API tokens</h3>
        <table class="admin-tokens"><thead><tr><th>name</th><th>role</th><th>made</th><th>by</th><th></th></tr></thead><tbody></tbody></table>
        <form class="admin-token-form">
          <label>name <input name="name" required maxlength="64" autocomplete="off" placeholder="what it is for"></label>
          <label>role <select name="role">${ROLES.map((r) => `<option value="${r}">${r}</option>`).join('')}</select></label>
          <button type="submit" class="admin-token-make">Make token</button>
        </form>
        <div class="admin-secret" hidden>
          <label>new token <input class="admin-secret-value" readonly spellcheck="false" autocomplete="off"></label>
          <button type="button" class="admin-secret-copy">Copy</button>
          <p class="admin-secret-hint">Copy it now: it is shown only this once, and the gateway keeps only its digest.</p>
        </div>
        <h3>Audit trail <button type="button" class="admin-audit-refresh">Refresh</button></h3>
        <p class="admin-audit-error" role="alert"></p>
        <table class="admin-audit"><thead><tr><th>time</th><th>outcome</th><th>action</th><th>user</th><th>role</th><th>address</th><th>target</th></tr></thead><tbody></tbody></table>
      </div>`;
    this.body = root.querySelector('.admin-body')!;
    this.error = root.querySelector('.admin-error')!;
    this.note = root.querySelector('.admin-note')!;
    this.users = root.querySelector('.admin-users tbody')!;
    this.tokens = root.querySelector('.admin-tokens tbody')!;
    this.audit = root.querySelector('.admin-audit tbody')!;
    this.auditError = root.querySelector('.admin-audit-error')!;
    this.form = root.querySelector('.admin-token-form')!;
    this.secretBox = root.querySelector('.admin-secret')!;
    this.secret = root.querySelector('.admin-secret-value')!;

    root.querySelector('.admin-toggle')!.addEventListener('click', () => (this.isOpen ? this.close() : this.open()));
    root.querySelector('.admin-close')!.addEventListener('click', () => this.close());
    const refresh = root.querySelector<HTMLButtonElement>('.admin-audit-refresh')!;
    refresh.addEventListener('click', () => void this.busy(refresh, () => this.loadAudit()));
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.makeToken();
    });
    this.secret.addEventListener('focus', () => this.secret.select());
    const copy = root.querySelector<HTMLButtonElement>('.admin-secret-copy')!;
    // The clipboard is only there for a secure page (HTTPS or localhost); elsewhere the field is selected to copy by hand.
    copy.hidden = typeof navigator.clipboard?.writeText !== 'function';
    copy.addEventListener('click', () => {
      this.secret.select();
      void navigator.clipboard.writeText(this.secret.value).then(() => this.say('', 'Copied.'), () => this.say('', 'Select the field and copy it by hand.'));
    });
    this.users.addEventListener('click', (e) => {
      const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button.admin-logout');
      const name = button?.closest<HTMLElement>('tr')?.dataset.user;
      if (button && name !== undefined) void this.busy(button, () => this.logoutUser(name));
    });
    this.tokens.addEventListener('click', (e) => {
      const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button.admin-revoke');
      const row = button?.closest<HTMLElement>('tr');
      if (button && row?.dataset.id !== undefined) void this.busy(button, () => this.revoke(row.dataset.id!, row.dataset.name ?? ''));
    });
    session.addEventListener('change', this.follow);
    this.follow();
  }

  get isOpen(): boolean {
    return !this.body.hidden;
  }

  /** Opens the panel and fetches its lists afresh. */
  open(): void {
    if (this.root.hidden || this.isOpen) return;
    this.body.hidden = false;
    this.root.querySelector('.admin-toggle')!.setAttribute('aria-expanded', 'true');
    const epoch = this.epoch;
    void Promise.all([this.loadUsers(), this.loadTokens(), this.loadAudit()]).catch((e: unknown) => this.failed(e, epoch));
  }

  /** Closes the panel; the secret on show and the lists go with it. */
  close(): void {
    this.body.hidden = true;
    this.root.querySelector('.admin-toggle')!.setAttribute('aria-expanded', 'false');
    this.drop();
  }

  dispose(): void {
    this.session.removeEventListener('change', this.follow);
    this.close();
  }

  private readonly follow = () => {
    const { user, role, via, may } = this.session.info;
    const key = may.admin ? JSON.stringify([user, role, via]) : '';
    if (key !== this.shownFor) {
      this.shownFor = key;
      this.close();
    }
    this.root.hidden = !may.admin;
  };

  private drop(): void {
    this.epoch++;
    this.clearSecret();
    this.users.replaceChildren();
    this.tokens.replaceChildren();
    this.audit.replaceChildren();
    this.auditError.textContent = '';
    this.say('', '');
    this.form.reset();
  }

  private clearSecret(): void {
    this.secret.value = '';
    this.secretBox.hidden = true;
  }

  /** Runs one request with its button disabled; a refusal is said in the alert. */
  private async busy(button: HTMLButtonElement, action: () => Promise<void>): Promise<void> {
    const epoch = this.epoch;
    button.disabled = true;
    this.say('', '');
    try {
      await action();
    } catch (e) {
      this.failed(e, epoch);
    } finally {
      button.disabled = false;
    }
  }

  private failed(e: unknown, epoch: number): void {
    if (epoch !== this.epoch) return;
    this.say(e instanceof AdminError ? e.text : `Something went wrong: ${(e as Error).message}`, '');
  }

  private say(error: string, note: string): void {
    this.error.textContent = error;
    this.note.textContent = note;
  }

  /** Runs `fill` with the answer only if nothing was dropped while it was on its way. */
  private async fetched<T>(request: Promise<T>, fill: (answer: T) => void): Promise<void> {
    const epoch = this.epoch;
    const answer = await request;
    if (epoch === this.epoch) fill(answer);
  }

  private loadUsers(): Promise<void> {
    return this.fetched(this.api.users(), (users) => this.users.replaceChildren(...users.map(userRow)));
  }

  private loadTokens(): Promise<void> {
    return this.fetched(this.api.tokens(), (tokens) => this.tokens.replaceChildren(...(tokens.length > 0 ? tokens.map(tokenRow) : [emptyRow(5, 'No API tokens.')])));
  }

  private async loadAudit(): Promise<void> {
    const epoch = this.epoch;
    try {
      await this.fetched(this.api.audit(AUDIT_ENTRIES), (entries) => {
        this.auditError.textContent = '';
        this.audit.replaceChildren(...(entries.length > 0 ? entries.map(auditRow) : [emptyRow(7, 'No entries in the last seven days.')]));
      });
    } catch (e) {
      if (epoch !== this.epoch) return;
      // Without InfluxDB (503 FL_AUDIT_UNAVAILABLE) the rest of the panel still works: said here, in the trail's place.
      this.audit.replaceChildren();
      this.auditError.textContent = e instanceof AdminError ? e.text : `The audit trail cannot be read: ${(e as Error).message}`;
    }
  }

  private async logoutUser(name: string): Promise<void> {
    await this.api.logoutUser(name);
    this.say('', `${name} is logged out everywhere.`);
  }

  private async revoke(id: string, name: string): Promise<void> {
    await this.api.revokeToken(id);
    this.say('', `The token ${name} is revoked.`);
    await this.loadTokens();
  }

  private async makeToken(): Promise<void> {
    const button = this.form.querySelector<HTMLButtonElement>('.admin-token-make')!;
    const name = this.form.querySelector<HTMLInputElement>('[name=name]')!;
    const role = this.form.querySelector<HTMLSelectElement>('[name=role]')!.value as Role;
    // One secret on show at a time: the last one goes before the next is asked for.
    this.clearSecret();
    await this.busy(button, async () => {
      await this.fetched(this.api.createToken(name.value.trim(), role), ({ token, secret }) => {
        this.secret.value = secret;
        this.secretBox.hidden = false;
        name.value = '';
        this.say('', `The token ${token.name} (${token.role}) is made.`);
      });
      await this.loadTokens();
    });
  }
}

function cells(tr: HTMLTableRowElement, texts: readonly string[]): HTMLTableRowElement {
  for (const t of texts) tr.insertCell().textContent = t;
  return tr;
}

function button(className: string, label: string): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = className;
  b.textContent = label;
  return b;
}

function userRow(u: UserRow): HTMLTableRowElement {
  const tr = cells(document.createElement('tr'), [u.name, u.role, when(u.changedAt)]);
  tr.dataset.user = u.name;
  tr.insertCell().append(button('admin-logout', 'Log out everywhere'));
  return tr;
}

function tokenRow(t: TokenRow): HTMLTableRowElement {
  const tr = cells(document.createElement('tr'), [t.name, t.role, when(t.createdAt), t.createdBy || '—']);
  tr.dataset.id = t.id;
  tr.dataset.name = t.name;
  tr.title = t.id;
  tr.insertCell().append(button('admin-revoke', 'Revoke'));
  return tr;
}

function auditRow(a: AuditRow): HTMLTableRowElement {
  const tr = cells(document.createElement('tr'), [when(a.t), a.outcome, a.action, a.user ?? 'anonymous', a.role ?? '—', a.address, a.target]);
  tr.dataset.action = a.action;
  tr.dataset.outcome = a.outcome;
  tr.title = `answered ${a.status}`;
  return tr;
}

function emptyRow(span: number, text: string): HTMLTableRowElement {
  const tr = document.createElement('tr');
  const td = tr.insertCell();
  td.colSpan = span;
  td.className = 'admin-empty';
  td.textContent = text;
  return tr;
}
