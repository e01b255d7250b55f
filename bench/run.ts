// `npm run bench`: every benchmark, each against its floor in the same run.
// Options: --quick (smaller runs), --json FILE (write the results).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { benchMqttIngest, type IngestResult } from './mqtt-ingest/bench.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const jsonAt = args.indexOf('--json');
const jsonFile = jsonAt >= 0 ? args[jsonAt + 1]! : 'bench/results/latest.json';

const ingest = await benchMqttIngest(
  quick ? { printers: 30, messagesPerRound: 10_000, rate: 5_000, rounds: 3 } : { printers: 60, messagesPerRound: 40_000, rate: 8_000, rounds: 5 },
);
printIngest(ingest);

mkdirSync(dirname(jsonFile), { recursive: true });
writeFileSync(jsonFile, JSON.stringify({ at: new Date().toISOString(), node: process.version, results: [ingest] }, null, 2));
console.log(`\nresults written to ${jsonFile}`);
process.exit(0);

function printIngest(r: IngestResult): void {
  const o = r.options;
  console.log(`\nMQTT printer telemetry → gateway → InfluxDB   (${o.printers} printers, ${o.messagesPerRound} messages × ${o.rounds} rounds at ${o.rate}/s, broker: ${r.broker})`);
  console.log('round  role      messages  points stored  points/s  CPU µs/msg  peak RSS MB');
  r.rounds.forEach((round, i) => {
    for (const w of [round.gateway, round.floor]) {
      const perSec = (w.role === 'gateway' ? w.pointsWritten : w.messages) / (w.wallMs / 1000);
      console.log(
        `${String(i + 1).padStart(5)}  ${w.role.padEnd(8)}  ${String(w.messages).padStart(8)}  ${String(w.role === 'gateway' ? w.pointsWritten : '-').padStart(13)}  ${perSec.toFixed(0).padStart(8)}  ${(w.cpuMicros / w.messages).toFixed(2).padStart(10)}  ${w.peakRssMb.toFixed(0).padStart(11)}`,
      );
    }
    console.log(`       ratio gateway/floor CPU per message: ${round.ratio.toFixed(2)}`);
  });
  console.log(`median ratio ${r.medianRatio.toFixed(2)} (target ≤ ${r.target})   published ${r.published}, in InfluxDB ${r.storedInInflux}   ${r.pass ? 'PASS' : 'FAIL'}`);
}
