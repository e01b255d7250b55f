// `fieldlab audit [--from T] [--to T] [--limit N]`: who did what, when, from where, as a
// running gateway's audit trail has it (an admin's API token in FIELDLAB_TOKEN or _FILE).
import type { AuditEntry } from '../auth/audit-trail.ts';
import { call, type ClientFlags } from './gateway-client.ts';

export function formatAudit(entries: readonly AuditEntry[]): string {
  if (entries.length === 0) return 'nothing in the audit trail for that window';
  return entries
    .map((e) => `${new Date(e.t).toISOString().replace('T', ' ').slice(0, 19)}  ${e.outcome.padEnd(7)} ${e.action.padEnd(18)} ${(e.user ?? 'anonymous').padEnd(16)} ${(e.role ?? '—').padEnd(8)} ${e.address.padEnd(15)} ${e.status}  ${e.target}`)
    .join('\n');
}

export async function auditList(flags: ClientFlags & { from?: string; to?: string; limit?: string }): Promise<void> {
  const q = new URLSearchParams();
  if (flags.from) q.set('from', flags.from);
  if (flags.to) q.set('to', flags.to);
  if (flags.limit) q.set('limit', flags.limit);
  const entries = (await call(flags, 'GET', `/api/audit${q.size ? `?${q}` : ''}`)) as AuditEntry[];
  process.stdout.write(flags.json ? `${JSON.stringify(entries)}\n` : `${formatAudit(entries)}\n`);
}
