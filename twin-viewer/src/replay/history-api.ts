// The gateway's history API as the viewer calls it, counting what it received (the playback
// benchmark reports bytes per replayed minute from it).
import type { HistoryAt, HistoryChanges, TimelineMark } from '../../../gateway/src/core/history.ts';

export class HistoryApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class HistoryApi {
  /** Bytes of answers received, and requests made. */
  bytes = 0;
  requests = 0;

  constructor(private readonly base = '') {}

  at(t: number): Promise<HistoryAt> {
    return this.get(`/api/history/at?t=${Math.round(t)}`);
  }

  /** `step` in seconds; without it a window up to an hour comes raw. A player draws only each step's last: min and max are not asked for. */
  changes(from: number, to: number, step?: number): Promise<HistoryChanges> {
    return this.get(`/api/history/changes?from=${Math.round(from)}&to=${Math.round(to)}${step ? `&step=${step}&only=last` : ''}`);
  }

  marks(from: number, to: number): Promise<{ marks: TimelineMark[]; truncated: boolean }> {
    return this.get(`/api/history/marks?from=${Math.round(from)}&to=${Math.round(to)}`);
  }

  private async get<T>(path: string): Promise<T> {
    this.requests++;
    const res = await fetch(`${this.base}${path}`);
    const text = await res.text();
    this.bytes += text.length;
    const body = JSON.parse(text) as T & { code?: string; message?: string };
    if (!res.ok) throw new HistoryApiError(body.code ?? `HTTP_${res.status}`, body.message ?? `history answered ${res.status}`);
    return body;
  }
}
