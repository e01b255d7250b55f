// The CLI's side of the REST API: one request to a running gateway, its coded error as the message.
export interface ClientFlags {
  gateway: string;
  json?: boolean;
}

export async function call(flags: ClientFlags, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
  const url = new URL(path, flags.gateway);
  let res: Response;
  try {
    res = await fetch(url, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  } catch (err) {
    throw new Error(`no gateway answers at ${flags.gateway} (${(err as Error).message}); pass --gateway URL`);
  }
  const data = (await res.json()) as { code?: string; message?: string };
  if (!res.ok) throw new Error(data.message ? `${data.message} (${data.code})` : `the gateway answered ${res.status}`);
  return data;
}
