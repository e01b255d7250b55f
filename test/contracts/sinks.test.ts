// Every sink against the sink contract: the test sinks (the runner's reference
// implementations) and the InfluxDB sink against a real influxd, with and without the spool.
import { InfluxDB } from 'influx';
import type { Value } from '../../gateway/src/core/reading.ts';
import { freePort } from '../../gateway/src/services/free-port.ts';
import { startInfluxd, type RunningInfluxd } from '../../gateway/src/services/influxd.ts';
import { InfluxDbSink } from '../../gateway/src/sinks/influxdb/influxdb-sink.ts';
import { tempDir } from '../support/services.ts';
import { TestLineSink, TestSink, lineKey, pointKey } from '../support/test-sink.ts';
import { CONTRACT_MEASUREMENT, sinkContract, type SinkHarness } from './sink-contract.ts';

const numbers = (values: Iterable<Value>) => [...values].filter((v): v is number => typeof v === 'number').sort((a, b) => a - b);
/** The value of field `v` in a line of the contract's line protocol: an integer or a string. */
const fieldV = (line: string): Value => {
  const m = / v=(?:(-?\d+)i|"((?:[^"\\]|\\.)*)")/.exec(line);
  if (!m) throw new Error(`no field v in ${line}`);
  return m[1] !== undefined ? Number(m[1]) : m[2]!;
};

/** The test sinks refuse a string `v` after integers, as InfluxDB refuses a field-type conflict. */
function testSinks<S extends TestSink<Value> | TestLineSink<Value>>(make: () => S): () => Promise<SinkHarness> {
  return async () => {
    const sinks: S[] = [];
    return {
      fixture: async () => {
        const sink = make();
        sink.refuse = (v) => typeof v !== 'number';
        sinks.push(sink);
        return { sink, stored: async () => numbers(sink.held.values()) };
      },
      takeDown: async () => sinks.forEach((s) => (s.down = true)),
      bringBack: async () => sinks.forEach((s) => (s.down = false)),
      close: async () => undefined,
    };
  };
}

/** One influxd per suite, a database per test; taken down and back by stopping and restarting it on its port and data. */
async function influx(): Promise<SinkHarness> {
  const dir = tempDir('contract-influx');
  const port = await freePort();
  let influxd: RunningInfluxd | undefined = await startInfluxd({ dataDir: dir.path, port });
  let databases = 0;
  return {
    fixture: async () => {
      const database = `contract_${++databases}`;
      const sink = new InfluxDbSink({ url: `http://127.0.0.1:${port}`, database, timeoutMs: 2000 });
      const db = new InfluxDB({ host: '127.0.0.1', port, database });
      const stored = async () => numbers((await db.query<{ v: Value }>(`SELECT v FROM ${CONTRACT_MEASUREMENT}`)).map((r) => r.v));
      return { sink, stored };
    },
    takeDown: async () => {
      await influxd?.stop();
      influxd = undefined;
    },
    bringBack: async () => {
      influxd = await startInfluxd({ dataDir: dir.path, port });
    },
    close: async () => {
      await influxd?.stop();
      dir.remove();
    },
  };
}

sinkContract('test sink', testSinks(() => new TestSink({ record: (p) => p.fields.v!, key: pointKey })));
sinkContract('test line sink', testSinks(() => new TestLineSink({ record: fieldV, key: lineKey })));
sinkContract('test line sink', testSinks(() => new TestLineSink({ record: fieldV, key: lineKey })), { spooled: true });
sinkContract('InfluxDB', influx);
sinkContract('InfluxDB', influx, { spooled: true });
