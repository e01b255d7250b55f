import { join } from 'node:path';
import type { GatewayConfig } from '../config.ts';
import { isSpoolable, type AnySink } from '../core/sink.ts';
import { DeadLetterFile } from './dead-letter.ts';
import type { SpoolSetup } from './sink-runner.ts';
import { Spool } from './spool.ts';

/** The disk spool of one sink, in its own folder under `spool.dir`; none when spooling is off or the sink cannot be spooled. */
export function openSpoolFor(sink: AnySink, config: GatewayConfig['spool']): SpoolSetup | undefined {
  if (!config.enabled || !isSpoolable(sink)) return undefined;
  const spool = Spool.open(join(config.dir, sink.name));
  const deadLetter = new DeadLetterFile(join(config.dir, sink.name, 'dead-letter.jsonl'), config.deadLetterMaxBytes);
  return { spool, maxBytes: config.maxBytes, whenFull: config.whenFull, replayPointsPerSecond: config.replayPointsPerSecond, deadLetter };
}
