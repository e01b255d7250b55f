// No Docker engine runs here: the compose file is validated by docker-compose itself,
// and its references (build context, mounted files) are checked to exist.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Service {
  image?: string;
  build?: unknown;
  healthcheck?: { test: string[] };
  environment?: Record<string, string>;
  volumes?: (string | { source?: string; type?: string })[];
  depends_on?: Record<string, { condition: string }>;
}

describe('docker-compose.yml', () => {
  const r = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], { encoding: 'utf8' });

  it('is valid for docker-compose', () => {
    expect(r.error?.message ?? '').toBe('');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('runs broker, database, gateway and simulators with healthchecks and volumes', () => {
    const config = parse(r.stdout) as { services: Record<string, Service>; volumes: Record<string, unknown> };
    const s = config.services;
    expect(Object.keys(s).sort()).toEqual(['gateway', 'influxdb', 'mosquitto', 'simulators']);
    expect(s.influxdb!.image).toBe('influxdb:1.8');
    for (const name of ['mosquitto', 'influxdb', 'gateway']) expect(s[name]!.healthcheck?.test.length, name).toBeGreaterThan(0);
    expect(Object.keys(config.volumes).sort()).toEqual(['gateway-pki', 'gateway-spool', 'influxdb-data', 'mosquitto-data']);
    expect(s.gateway!.environment).toMatchObject({ FIELDLAB_MQTT_URL: 'mqtt://mosquitto:1883', FIELDLAB_INFLUX_URL: 'http://influxdb:8086' });
    expect(s.gateway!.depends_on).toMatchObject({ mosquitto: { condition: 'service_healthy' }, influxdb: { condition: 'service_healthy' } });
    expect(s.simulators!.environment).toMatchObject({ FIELDLAB_MQTT_URL: 'mqtt://mosquitto:1883', FIELDLAB_ROBOT_BIND_HOST: '0.0.0.0' });
    // The gateway reaches the simulated robots by service name through the site's ${FIELDLAB_ROBOT_HOST}.
    expect(s.gateway!.environment).toMatchObject({ FIELDLAB_ROBOT_HOST: 'simulators' });
  });

  it('refers only to files that exist', () => {
    expect(existsSync('deploy/mosquitto/mosquitto.conf')).toBe(true);
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(\S+)(?: (\S+))? \S+$/gm)) {
      for (const src of [m[1], m[2]].filter(Boolean)) expect(existsSync(src!), src).toBe(true);
    }
  });
});
