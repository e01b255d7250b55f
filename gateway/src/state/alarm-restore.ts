// What the alarm list held before a restart, read back from the alarm events the gateway
// stored (measurement `alarm`, one point per raised / acknowledged / cleared). Pure: the rows
// come in unchecked, as a database answered; anything that does not fit is skipped with a
// reason, never thrown, so a bad record cannot keep the gateway from starting.
import { ALARM_SEVERITIES, type Alarm } from '../../../device-profiles/schema/profile.ts';
import type { AlarmInstance } from '../core/insight.ts';
import type { Value } from '../core/reading.ts';

/**
 * The latest stored event of each kind per device and alarm: its tags (`device`, `alarm`,
 * `event`, `severity`), its time (ms) and its fields (`text`, `value`, `by`, `active`,
 * `acknowledged`), unchecked.
 */
export type StoredAlarmEvent = Readonly<Record<string, unknown>>;

interface Event {
  readonly time: number;
  readonly text: string;
  readonly value: string;
  readonly by: string;
  readonly active: boolean | undefined;
  readonly acknowledged: boolean | undefined;
  readonly severity: unknown;
}

type Kind = 'raised' | 'acknowledged' | 'cleared';

export interface RestoredAlarms {
  /** Active, or cleared and not yet acknowledged, when the events were stored. */
  readonly listed: AlarmInstance[];
  /** Why a row or an alarm was left out: for the log. */
  readonly skipped: string[];
}

/**
 * The instances still listed after the stored events: per device and alarm the latest
 * `raised` starts the instance; an acknowledgement or a clearing belongs to it when it is
 * later, or at the same millisecond with the same text and value (a fault code replaced by
 * another clears the old one and raises the new one at one instant). An instance both
 * cleared and acknowledged is no longer listed, as in the live list.
 */
export function restoredAlarms(rows: readonly StoredAlarmEvent[], defOf: (device: string, alarm: string) => Alarm | undefined): RestoredAlarms {
  const skipped: string[] = [];
  const byAlarm = new Map<string, { device: string; alarm: string; def: Alarm; events: Partial<Record<Kind, Event>> }>();
  for (const row of rows) {
    if (typeof row !== 'object' || row === null) {
      skipped.push('an event that is not a record');
      continue;
    }
    const { device, alarm, event } = row;
    if (typeof device !== 'string' || typeof alarm !== 'string' || (event !== 'raised' && event !== 'acknowledged' && event !== 'cleared')) {
      skipped.push(`an event without device, alarm or a known kind (${JSON.stringify([device, alarm, event])})`);
      continue;
    }
    const def = defOf(device, alarm);
    if (!def) {
      skipped.push(`${device}/${alarm}: no such alarm in the site's profiles now`);
      continue;
    }
    const parsed = parseEvent(row);
    if (!parsed) {
      skipped.push(`${device}/${alarm}: a ${event} event without a valid time`);
      continue;
    }
    const key = `${device}\u0000${alarm}`;
    const entry = byAlarm.get(key) ?? { device, alarm, def, events: {} };
    byAlarm.set(key, entry);
    const kept = entry.events[event];
    if (!kept || kept.time < parsed.time) entry.events[event] = parsed;
  }

  const listed: AlarmInstance[] = [];
  for (const { device, alarm, def, events } of byAlarm.values()) {
    const raised = events.raised;
    if (!raised) continue; // its raise is older than what the database keeps: nothing to date it by
    const ofThis = (e: Event | undefined) => e !== undefined && (e.time > raised.time || (e.time === raised.time && e.text === raised.text && e.value === raised.value));
    const ack = ofThis(events.acknowledged) ? events.acknowledged : undefined;
    const clear = ofThis(events.cleared) ? events.cleared : undefined;
    // The flags each event carries say the instance's state after it: they decide when the other event is missing.
    const acknowledged = ack !== undefined || clear?.acknowledged === true;
    const cleared = clear !== undefined || ack?.active === false;
    if (acknowledged && cleared) continue;
    listed.push({
      device,
      alarm,
      severity: isSeverity(raised.severity) ? raised.severity : def.severity,
      type: def.type,
      text: raised.text || def.text,
      value: valueOf(def, raised.value),
      raisedAt: raised.time,
      clearedAt: clear?.time,
      acknowledgedAt: ack?.time,
      acknowledgedBy: ack ? ack.by : undefined,
    });
  }
  return { listed: listed.sort((a, b) => b.raisedAt - a.raisedAt), skipped };
}

function parseEvent(row: StoredAlarmEvent): Event | undefined {
  const time = row.time;
  if (typeof time !== 'number' || !Number.isFinite(time)) return undefined;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const bool = (v: unknown) => (typeof v === 'boolean' ? v : undefined);
  return { time, text: str(row.text), value: str(row.value), by: str(row.by), active: bool(row.active), acknowledged: bool(row.acknowledged), severity: row.severity };
}

function isSeverity(s: unknown): s is Alarm['severity'] {
  return typeof s === 'string' && (ALARM_SEVERITIES as readonly string[]).includes(s);
}

/** As the live alarm held it: a number for limits and rates, the code as text, nothing for silence. */
function valueOf(def: Alarm, stored: string): Value | undefined {
  if (stored === '' || def.type === 'stale') return undefined;
  if (def.type === 'code') return stored;
  const n = Number(stored);
  return Number.isFinite(n) ? n : undefined;
}
