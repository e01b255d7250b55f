// What a machine's status light and list entry show.
export type Status = 'running' | 'idle' | 'warning' | 'fault' | 'offline' | 'stale' | 'unknown';

export const STATUS_COLOR: Record<Status, number> = {
  running: 0x2ecc71,
  idle: 0x5d8aa8,
  warning: 0xf5a623,
  fault: 0xe74c3c,
  offline: 0x444b52,
  stale: 0x8a8f96,
  unknown: 0x8a8f96,
};

export function statusOf(target: unknown, alarm: unknown, lastSeen: number, now: number, staleAfterSeconds: number, hasSource: boolean): Status {
  if (!hasSource || lastSeen === 0) return 'unknown';
  if (now - lastSeen > staleAfterSeconds * 1000) return 'stale';
  if (alarm === 1) return 'fault';
  return typeof target === 'string' && target in STATUS_COLOR ? (target as Status) : 'running';
}

export const hex = (n: number) => `#${n.toString(16).padStart(6, '0')}`;

/**
 * The gateway's judgement wins over the bindings when it has one: its machine state, and
 * an active alarm (critical: fault, else warning). Stale and unknown stay as they are.
 */
export function withInsight(status: Status, state: string | undefined, alarm: 'critical' | 'warning' | 'info' | undefined): Status {
  if (status === 'stale' || status === 'unknown') return status;
  if (alarm === 'critical') return 'fault';
  const fromState = state ? STATE_STATUS[state] : undefined;
  if (fromState === 'fault') return 'fault';
  if (alarm === 'warning') return 'warning';
  return fromState ?? status;
}

const STATE_STATUS: Record<string, Status> = { producing: 'running', idle: 'idle', setup: 'warning', fault: 'fault', offline: 'offline' };
