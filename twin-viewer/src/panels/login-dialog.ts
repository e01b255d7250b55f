// The current user in the header ("visitor" with Log in, "ana · engineer" with Log out) and
// the login dialog. The dialog opens by itself when nothing can be shown without logging in;
// a refused login is said in the dialog (role=alert) in words, never with the password. The
// kiosk offers no login: a hall screen is looked at, not used.
import type { Session } from '../live/session.ts';
import { loggedIn, whoText } from '../live/session-info.ts';

export class LoginDialog {
  readonly dialog: HTMLDialogElement;
  private readonly who: HTMLElement;
  private readonly loginButton: HTMLButtonElement;
  private readonly logoutButton: HTMLButtonElement;
  private readonly form: HTMLFormElement;
  private readonly error: HTMLElement;

  constructor(
    root: HTMLElement,
    private readonly session: Session,
    private readonly kiosk: boolean,
  ) {
    root.innerHTML = '<span class="who"></span><button type="button" class="session-login" hidden>Log in</button><button type="button" class="session-logout" hidden>Log out</button>';
    this.who = root.querySelector('.who')!;
    this.loginButton = root.querySelector('.session-login')!;
    this.logoutButton = root.querySelector('.session-logout')!;
    root.hidden = kiosk;
    this.dialog = document.createElement('dialog');
    this.dialog.className = 'login-dialog';
    this.dialog.setAttribute('aria-labelledby', 'login-title');
    this.dialog.innerHTML = `
      <form>
        <h2 id="login-title">Log in to the gateway</h2>
        <label>User <input name="user" autocomplete="username" required maxlength="100"></label>
        <label>Password <input name="password" type="password" autocomplete="current-password" required maxlength="200"></label>
        <p class="login-error" role="alert"></p>
        <div class="login-actions"><button type="submit">Log in</button><button type="button" class="login-cancel">Cancel</button></div>
      </form>`;
    document.body.appendChild(this.dialog);
    this.form = this.dialog.querySelector('form')!;
    this.error = this.dialog.querySelector('.login-error')!;

    this.loginButton.addEventListener('click', () => this.open());
    this.logoutButton.addEventListener('click', () => void session.logout());
    this.dialog.querySelector('.login-cancel')!.addEventListener('click', () => this.dialog.close());
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.submit();
    });
    session.addEventListener('change', () => this.show());
    session.addEventListener('required', () => this.open());
    this.show();
  }

  open(): void {
    if (this.dialog.open) return;
    this.error.textContent = '';
    this.dialog.showModal();
    this.form.querySelector<HTMLInputElement>('[name=user]')!.focus();
  }

  private async submit(): Promise<void> {
    const user = this.form.querySelector<HTMLInputElement>('[name=user]')!;
    const password = this.form.querySelector<HTMLInputElement>('[name=password]')!;
    const submit = this.form.querySelector<HTMLButtonElement>('[type=submit]')!;
    submit.disabled = true;
    this.error.textContent = '';
    const refused = await this.session.login(user.value.trim(), password.value);
    submit.disabled = false;
    // Not kept in the page for longer than one attempt.
    password.value = '';
    if (refused !== undefined) {
      this.error.textContent = refused;
      password.focus();
      return;
    }
    this.form.reset();
    this.dialog.close();
  }

  private show(): void {
    const info = this.session.info;
    this.who.textContent = info.loginAvailable || info.user !== null ? whoText(info) : '';
    this.loginButton.hidden = this.kiosk || !info.loginAvailable || loggedIn(info);
    this.logoutButton.hidden = this.kiosk || !loggedIn(info);
  }
}
