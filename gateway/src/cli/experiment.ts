// `fieldlab experiment run|list|show`: virtual experiments through a running gateway's REST
// API. `run` posts the scenario file (YAML or JSON), follows the experiment with a progress
// bar on a terminal (a line per 10 % otherwise) and prints the table of results; Ctrl+C
// cancels it on the gateway.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { ExperimentDetail, ExperimentSummary } from '../core/experiments.ts';
import { formatExperiment, formatList } from './experiment-table.ts';
import { call, type ClientFlags } from './gateway-client.ts';

const FINISHED = new Set(['done', 'failed', 'cancelled']);

export interface RunFlags extends ClientFlags {
  /** How often the experiment is asked after, ms (default 250). */
  pollMs?: number;
}

function readScenario(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return parse(text);
  } catch (err) {
    throw new Error(`${file} is not YAML or JSON: ${(err as Error).message}`);
  }
}

function bar(fraction: number, width = 30): string {
  const full = Math.round(fraction * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${String(Math.round(fraction * 100)).padStart(3)} %`;
}

export async function experimentRun(file: string, flags: RunFlags): Promise<void> {
  const scenario = readScenario(file);
  const queued = (await call(flags, 'POST', '/api/experiments', scenario)) as ExperimentSummary;
  const tty = process.stderr.isTTY && !flags.json;
  const say = (text: string) => process.stderr.write(text);
  if (!flags.json) say(`experiment ${queued.id} queued on line ${queued.line}\n`);
  // Ctrl+C: the experiment is cancelled on the gateway too, not left burning its CPU.
  const interrupt = () => {
    void call(flags, 'DELETE', `/api/experiments/${queued.id}`).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  let shown = -1;
  let detail: ExperimentDetail;
  try {
    for (;;) {
      detail = (await call(flags, 'GET', `/api/experiments/${queued.id}`)) as ExperimentDetail;
      if (FINISHED.has(detail.status)) break;
      if (tty) say(`\r${detail.status === 'queued' ? 'queued, waiting for the one before it' : bar(detail.progress)}`);
      else if (!flags.json && Math.floor(detail.progress * 10) > shown) {
        shown = Math.floor(detail.progress * 10);
        say(`${detail.status} ${shown * 10} %\n`);
      }
      await new Promise((r) => setTimeout(r, flags.pollMs ?? 250));
    }
  } finally {
    process.off('SIGINT', interrupt);
  }
  if (tty) say(`\r${bar(detail.status === 'done' ? 1 : detail.progress)}\n`);
  process.stdout.write(flags.json ? `${JSON.stringify(detail)}\n` : `${formatExperiment(detail)}\n`);
  if (detail.status !== 'done') process.exitCode = 1;
}

export async function experimentList(flags: ClientFlags): Promise<void> {
  const all = (await call(flags, 'GET', '/api/experiments')) as ExperimentSummary[];
  process.stdout.write(flags.json ? `${JSON.stringify(all)}\n` : `${formatList(all)}\n`);
}

export async function experimentShow(id: string, flags: ClientFlags): Promise<void> {
  const e = (await call(flags, 'GET', `/api/experiments/${encodeURIComponent(id)}`)) as ExperimentDetail;
  process.stdout.write(flags.json ? `${JSON.stringify(e)}\n` : `${formatExperiment(e)}\n`);
}

export async function experimentCancel(id: string, flags: ClientFlags): Promise<void> {
  const e = (await call(flags, 'DELETE', `/api/experiments/${encodeURIComponent(id)}`)) as ExperimentSummary;
  process.stdout.write(flags.json ? `${JSON.stringify(e)}\n` : `experiment ${e.id}: ${e.status}\n`);
}
