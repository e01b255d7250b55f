// The auth module's pure parts and the users file: hashes, tokens, the file's checks, what a
// bad edit does, what visitors lose, whose Origin and Host pass, and the audit's bound.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { AuditTrail, REFUSALS_PER_MINUTE } from '../../gateway/src/auth/audit-trail.ts';
import { AuthStore } from '../../gateway/src/auth/auth-store.ts';
import { knownHost, originPolicy, sameOrigin } from '../../gateway/src/auth/origin.ts';
import { hashPassword, newToken, tokenIdOf, verifyPassword } from '../../gateway/src/auth/passwords.ts';
import { addUser } from '../../gateway/src/auth/user-admin.ts';
import { readUsersFile } from '../../gateway/src/auth/users-file.ts';
import { VisitorView } from '../../gateway/src/auth/visitor-view.ts';
import { ConfigError } from '../../gateway/src/core/errors.ts';
import type { SeriesSummary } from '../../gateway/src/core/insight.ts';
import { addressKey } from '../../gateway/src/http/routes/auth-routes.ts';
import { usersFile } from '../support/auth.ts';
import { testSite } from '../support/fixtures.ts';
import { eventually } from '../support/services.ts';

describe('passwords and tokens', () => {
  it('verifies the password it hashed and no other, with a fresh salt each time', async () => {
    const [a, b] = [await hashPassword('correct horse'), await hashPassword('correct horse')];
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horsf', a)).toBe(false);
    expect(await verifyPassword('x', 'not-a-hash')).toBe(false);
  });

  it('makes tokens whose id can be read back and whose digest is not the token', () => {
    const t = newToken();
    expect(tokenIdOf(t.secret)).toBe(t.id);
    expect(t.digest).not.toContain(t.secret.slice(17));
    expect(tokenIdOf(`${t.secret}x`)).toBeUndefined();
  });
});

describe('the users file', () => {
  it('is refused with its path and what was expected, never quoting the file', () => {
    const file = usersFile();
    writeFileSync(file, JSON.stringify({ version: 1, users: [{ name: 'ana', role: 'boss', password: 'scrypt$x', changedAt: '2026-12-01T00:00:00Z' }], tokens: [] }));
    expect(() => readUsersFile(file)).toThrow(ConfigError);
    expect(() => readUsersFile(file)).toThrow(/users\.0\.role/);
    writeFileSync(file, '{"version": 1, "users": [{"password": "scrypt$SECRET-HASH"');
    expect(() => readUsersFile(file)).toThrow(/expected JSON/);
    expect(() => readUsersFile(file)).not.toThrow(/SECRET-HASH/);
  });

  it('keeps sessions over a restart as digests only, ended by logout', async () => {
    const file = usersFile();
    await addUser(file, 'ana', 'operator', 'ana-password-1');
    const open = () => {
      const s = new AuthStore({ usersFile: file, anonymous: 'none', sessionHours: 1 }, pino({ level: 'silent' }));
      s.open();
      return s;
    };
    const first = open();
    const session = (await first.login('ana', 'ana-password-1'))!;
    first.close();
    expect(readFileSync(join(dirname(file), 'sessions.json'), 'utf8')).not.toContain(session.sessionId);
    const second = open();
    expect(second.fromSession(session.sessionId)?.user).toBe('ana');
    second.logout(session.sessionId);
    second.close();
    const third = open();
    expect(third.fromSession(session.sessionId)).toBeUndefined();
    third.close();
  });

  it('locks everyone out, not in, when an edit breaks it while the gateway runs', async () => {
    const file = usersFile();
    await addUser(file, 'ana', 'engineer', 'ana-password-1');
    const store = new AuthStore({ usersFile: file, anonymous: 'visitor', sessionHours: 1 }, pino({ level: 'silent' }));
    store.open();
    try {
      const session = await store.login('ana', 'ana-password-1');
      expect(session?.identity.role).toBe('engineer');
      writeFileSync(file, '{ "version": 1, "users": [ oops');
      await eventually(() => store.fromSession(session!.sessionId) === undefined, 3000, 'the session refused');
      expect(await store.login('ana', 'ana-password-1')).toBeUndefined();
    } finally {
      store.close();
    }
  });
});

describe('what visitors are not sent', () => {
  const site = testSite([{ id: 'bambu', profile: 'bambu-lab-fdm', topicId: 'S1' }], undefined, { visitors: { hideSignals: ['job_file'], hideSeries: ['product', 'counts'] } });
  const view = new VisitorView(site);

  it('drops hidden signals from values, and product, counts and cycle counts from a series', () => {
    expect(view.values('bambu', { job_file: 'secret.gcode', nozzle_temp: 210 })).toEqual({ nozzle_temp: 210 });
    const series = {
      id: 's1', product: 'Secret', target: 50, line: 'line-a', total: 9, good: 8, scrap: 1, progress: 0.16,
      stations: [{ id: 'st-1', produced: 9, scrap: 1, idealCycleSeconds: 30, cycleSeconds: { n: 8, mean: 31, min: 29, p10: 29, p50: 31, p90: 33, max: 34 } }],
      machines: [{ device: 'bambu', station: 'st-1', produced: 9, scrap: 1, runSeconds: 300, oee: { availability: 1, performance: 0.9, quality: 0.89, oee: 0.8 } }],
    } as unknown as SeriesSummary;
    const shown = JSON.stringify(view.series(series));
    for (const gone of ['Secret', '"target"', '"good"', '"scrap"', '"total"', '"produced"', '"n"']) expect(shown).not.toContain(gone);
    expect(shown).toContain('"mean":31');
  });

  it('refuses a site that hides a signal no device has', () => {
    expect(() => testSite([{ id: 'bambu', profile: 'bambu-lab-fdm', topicId: 'S1' }], undefined, { visitors: { hideSignals: ['no_such_signal'] } })).toThrow(/visitors\.hideSignals\[0\]/);
  });
});

describe('origins and hosts', () => {
  const policy = originPolicy(false, ['https://twin.example.org'], ['twin.plant.local']);

  it('takes the gateway\'s own origin by any of its names or addresses, and refuses others', () => {
    expect(sameOrigin(policy, 'http://127.0.0.1:8080', '127.0.0.1:8080')).toBe(true);
    expect(sameOrigin(policy, 'http://[::1]:8080', '[::1]:8080')).toBe(true);
    expect(sameOrigin(policy, 'http://twin.plant.local:8080', 'twin.plant.local:8080')).toBe(true);
    expect(sameOrigin(policy, 'https://twin.example.org', 'anything')).toBe(true);
    expect(sameOrigin(policy, 'http://evil.example', '127.0.0.1:8080')).toBe(false);
    // A page on a name re-pointed at the gateway (DNS rebinding): Origin and Host agree, the name is unknown.
    expect(sameOrigin(policy, 'http://evil.example:8080', 'evil.example:8080')).toBe(false);
    expect(knownHost(policy, 'evil.example:8080')).toBe(false);
    expect(sameOrigin(policy, 'null', '127.0.0.1:8080')).toBe(false);
  });

  it('counts an IPv6 caller by its /64', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressKey('127.0.0.1')).toBe('127.0.0.1');
    expect(addressKey('::ffff:10.0.0.4')).toBe('::ffff:10.0.0.4');
  });
});

describe('the audit trail\'s bound', () => {
  it('records at most its refusals a minute per address, and says so once', () => {
    const stored: unknown[] = [];
    const dropped: boolean[] = [];
    const audit = new AuditTrail('lab', (p) => stored.push(p), undefined, (_a, first) => dropped.push(first));
    const t = Date.UTC(2026, 11, 1, 12, 0, 5);
    for (let i = 0; i < REFUSALS_PER_MINUTE + 5; i++) audit.record({ action: 'alarm.acknowledge', outcome: 'refused', user: null, role: 'visitor', address: '10.0.0.9', target: 'x', status: 401 }, t);
    audit.record({ action: 'series.start', outcome: 'ok', user: 'ana', role: 'engineer', address: '10.0.0.9', target: 'y', status: 201 }, t);
    audit.record({ action: 'alarm.acknowledge', outcome: 'refused', user: null, role: 'visitor', address: '10.0.0.10', target: 'x', status: 401 }, t);
    expect(stored).toHaveLength(REFUSALS_PER_MINUTE + 2);
    expect(dropped).toEqual([true, false, false, false, false]);
    audit.record({ action: 'alarm.acknowledge', outcome: 'refused', user: null, role: 'visitor', address: '10.0.0.9', target: 'x', status: 401 }, t + 60_000);
    expect(stored).toHaveLength(REFUSALS_PER_MINUTE + 3);
  });
});
