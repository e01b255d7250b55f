// The alarms the gateway still lists (active, or cleared and not yet acknowledged), worst
// first, each with an Acknowledge button for those who may acknowledge (the gateway signs it
// with the logged-in user, and checks the right itself); a click elsewhere on an alarm
// selects its machine and brings it into view.
import type { LiveClient } from '../live/live-client.ts';
import type { Session } from '../live/session.ts';
import type { ShownAlarm } from '../live/shown-state.ts';
import type { TwinScene } from '../scene/twin-scene.ts';
import { formatAge } from './format.ts';

const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 } as const;
const REFUSALS: Readonly<Record<string, string>> = {
  FL_AUTH_REQUIRED: 'log in as an operator first',
  FL_FORBIDDEN: 'acknowledging needs an operator',
  FL_ALARM_NOT_PENDING: 'it no longer waits for acknowledgement',
};

export class AlarmList {
  private readonly list: HTMLUListElement;
  private readonly count: HTMLElement;
  private shown = '';

  constructor(
    root: HTMLElement,
    private readonly scene: TwinScene,
    private readonly client: Pick<LiveClient, 'acknowledge'>,
    private readonly session: Pick<Session, 'info' | 'addEventListener'>,
  ) {
    root.innerHTML = '<h2>Alarms <span class="count"></span></h2><ul></ul>';
    this.list = root.querySelector('ul')!;
    this.count = root.querySelector('.count')!;
    // Another user may have other rights: the items are made again at the next refresh.
    session.addEventListener('change', () => (this.shown = ''));
    root.addEventListener('click', (e) => {
      const target = e.target as HTMLElement;
      const li = target.closest('li');
      if (!li?.dataset.device) return;
      if (target.classList.contains('ack')) {
        // Refused (the session ended, the role was lowered): said at the alarm, until the list changes.
        this.client.acknowledge(li.dataset.device, li.dataset.alarm!, (answer) => {
          if (!answer.ok) li.querySelector('.foot')!.textContent = `not acknowledged: ${REFUSALS[answer.code ?? ''] ?? answer.code ?? 'refused'}`;
        });
      } else {
        scene.select(li.dataset.device);
        scene.focus(li.dataset.device);
      }
    });
  }

  refresh(alarms: readonly ShownAlarm[], now: number): void {
    // Rebuilt only when the alarms changed (not on every insight: parts and states come often,
    // and a button under the pointer must stay); ages are updated in place.
    const key = JSON.stringify(alarms);
    if (key !== this.shown) {
      this.shown = key;
      const sorted = [...alarms].sort((a, b) => Number(a.clearedAt !== undefined) - Number(b.clearedAt !== undefined) || SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || b.raisedAt - a.raisedAt);
      this.list.replaceChildren(...sorted.map((a) => this.item(a)));
      const active = alarms.filter((a) => a.clearedAt === undefined).length;
      this.count.textContent = alarms.length ? `${active} active` : 'none';
    }
    for (const li of Array.from(this.list.children) as HTMLLIElement[]) li.querySelector('.age')!.textContent = formatAge(now - Number(li.dataset.raised));
  }

  private item(a: ShownAlarm): HTMLLIElement {
    const li = document.createElement('li');
    li.dataset.device = a.device;
    li.dataset.alarm = a.alarm;
    li.dataset.severity = a.severity;
    li.dataset.raised = String(a.raisedAt);
    li.classList.toggle('cleared', a.clearedAt !== undefined);
    li.innerHTML = '<div class="head"><span class="device"></span><span class="age"></span></div><div class="text"></div><div class="foot"></div>';
    li.querySelector('.device')!.textContent = (this.scene.machines.get(a.device) ?? this.scene.ghosts.get(a.device))?.device.name ?? a.device;
    li.querySelector('.text')!.textContent = a.text;
    const foot = li.querySelector('.foot')!;
    const state = a.clearedAt !== undefined ? 'cleared' : 'active';
    if (a.acknowledgedBy) foot.textContent = `${state} · acknowledged by ${a.acknowledgedBy}`;
    else if (!this.session.info.may.acknowledge) foot.textContent = `${state} · not acknowledged`;
    else {
      foot.textContent = `${state} · `;
      const button = document.createElement('button');
      button.className = 'ack';
      button.textContent = 'Acknowledge';
      foot.appendChild(button);
    }
    return li;
  }
}
