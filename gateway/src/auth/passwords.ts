// Password hashes with node:crypto's scrypt (memory-hard; no native add-on to build), and
// API tokens: long random secrets of which only a SHA-256 is kept, as GitHub does for its
// tokens — a token has 256 bits of entropy, so a slow hash would add nothing but latency.
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

// One of OWASP's equivalent scrypt settings: N=2^14, r=8, p=5. The same work as N=2^17 with
// p=1 but 16 MiB of memory a hash instead of 128, so parallel logins cannot exhaust an edge box.
const PARAMS = { N: 2 ** 14, r: 8, p: 5 } as const;
const KEY_BYTES = 32;

function scryptAsync(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, KEY_BYTES, { ...options, maxmem: 64 * 1024 ** 2 }, (err, key) => (err ? reject(err) : resolve(key))));
}

/** `scrypt$N$r$p$<salt>$<hash>` (base64url), the parameters kept with the hash so they can rise later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scryptAsync(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash to verify against when the user does not exist, so a wrong name costs as long as a wrong password. */
export const DUMMY_HASH = 'scrypt$16384$8$5$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

export const TOKEN_PREFIX = 'flt_';

/** A new API token: the secret to hand out once, its id and the digest to keep. */
export function newToken(): { id: string; secret: string; digest: string } {
  const id = randomBytes(6).toString('hex');
  const secret = `${TOKEN_PREFIX}${id}_${randomBytes(32).toString('base64url')}`;
  return { id, secret, digest: tokenDigest(secret) };
}

export function tokenDigest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** The id inside a token (`flt_<id>_<secret>`), or undefined when it is not shaped like one. */
export function tokenIdOf(secret: string): string | undefined {
  const m = /^flt_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$/.exec(secret);
  return m?.[1];
}

export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** A random id for a session cookie (256 bits). */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}
