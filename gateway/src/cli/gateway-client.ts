// The CLI's side of the REST API: one request to a running gateway, its coded error as the
// message. An API token, when one is set, goes in the Authorization header (never in the URL):
// from FIELDLAB_TOKEN, or the file FIELDLAB_TOKEN_FILE names (`fieldlab users token` makes one).
import { readSecretFile } from '../config-secrets.ts';

export interface ClientFlags {
  gateway: string;
  json?: boolean;
}

export function apiToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.FIELDLAB_TOKEN) return env.FIELDLAB_TOKEN.trim();
  return env.FIELDLAB_TOKEN_FILE ? readSecretFile(env.FIELDLAB_TOKEN_FILE, 'FIELDLAB_TOKEN_FILE') : undefined;
}

export async function call(flags: ClientFlags, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
  const url = new URL(path, flags.gateway);
  const token = apiToken();
  const headers: Record<string, string> = { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) };
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body: body ? JSON.stringify(body) : undefined });
  } catch (err) {
    throw new Error(`no gateway answers at ${flags.gateway} (${(err as Error).message}); pass --gateway URL`);
  }
  const data = (await res.json()) as { code?: string; message?: string };
  if (res.status === 401 && !token) throw new Error(`${data.message ?? 'this needs a login'} (${data.code}); set FIELDLAB_TOKEN or FIELDLAB_TOKEN_FILE to an API token (fieldlab users token <name> --role engineer)`);
  if (!res.ok) throw new Error(data.message ? `${data.message} (${data.code})` : `the gateway answered ${res.status}`);
  return data;
}
