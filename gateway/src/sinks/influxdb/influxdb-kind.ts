import type { SinkKind } from '../../core/sink-kind.ts';
import { InfluxDbSink } from './influxdb-sink.ts';

/** The InfluxDB 1.x sink: every gateway has one (its settings under `influx:`). */
export const influxdbSinkKind: SinkKind = {
  kind: 'influxdb',
  build: (config) => [new InfluxDbSink(config.influx)],
};
