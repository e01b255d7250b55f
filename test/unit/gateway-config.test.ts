import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../gateway/src/cli/gateway.ts';
import { gatewayConfig, loadGatewayConfig } from '../../gateway/src/config.ts';
import { tempDir } from '../support/services.ts';

describe('gateway settings', () => {
  it('documents its defaults in docs/gateway.example.yaml', () => {
    expect(loadGatewayConfig('docs/gateway.example.yaml')).toEqual(gatewayConfig());
  });

  it('lets flags override the file', () => {
    const c = resolveConfig({ config: 'docs/gateway.example.yaml', mqtt: 'mqtt://broker:1884', database: 'plant', port: 9000 });
    expect(c.mqtt.url).toBe('mqtt://broker:1884');
    expect(c.influx.database).toBe('plant');
    expect(c.http.port).toBe(9000);
    expect(c.influx.url).toBe('http://127.0.0.1:8086');
  });

  it('rejects a bad file with the file, the path and what was expected', () => {
    const dir = tempDir('config');
    const file = join(dir.path, 'gateway.yaml');
    writeFileSync(file, 'influx:\n  batchsize: 100\nmqtt:\n  url: http://nope\n');
    expect(() => loadGatewayConfig(file)).toThrow(/gateway\.yaml:2:3: influx: unknown key "batchsize"/);
    expect(() => loadGatewayConfig(file)).toThrow(/gateway\.yaml:4:8: mqtt\.url: expected a URL like mqtt:\/\/host:1883/);
    dir.remove();
  });
});
