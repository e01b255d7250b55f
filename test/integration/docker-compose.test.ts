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
    expect(Object.keys(config.volumes).sort()).toEqual(['gateway-spool', 'gateway-users', 'influxdb-data', 'mosquitto-data']);
    // HTTPS from the deploy's certificate, and a users file that survives a restart.
    expect(s.gateway!.environment).toMatchObject({ FIELDLAB_HTTP_TLS_CERT: '/app/secrets/https.crt', FIELDLAB_HTTP_TLS_KEY: '/app/secrets/https.key', FIELDLAB_USERS_FILE: '/app/users/users.json' });
    expect(s.gateway!.environment).toMatchObject({ FIELDLAB_MQTT_URL: 'mqtts://mosquitto:8883', FIELDLAB_INFLUX_URL: 'http://influxdb:8086' });
    expect(s.gateway!.depends_on).toMatchObject({ mosquitto: { condition: 'service_healthy' }, influxdb: { condition: 'service_healthy' } });
    expect(s.simulators!.environment).toMatchObject({ FIELDLAB_MQTT_URL: 'mqtts://mosquitto:8883', FIELDLAB_ROBOT_BIND_HOST: '0.0.0.0' });
    // The gateway reaches the simulated robots by service name through the site's ${FIELDLAB_ROBOT_HOST}.
    expect(s.gateway!.environment).toMatchObject({ FIELDLAB_ROBOT_HOST: 'simulators' });
  });

  it('closes the broker and the robots, with credentials from the deploy\'s files only', () => {
    const { services: s } = parse(r.stdout) as { services: Record<string, Service> };
    expect(readFileSync('deploy/mosquitto/mosquitto.conf', 'utf8')).toMatch(/^allow_anonymous false$/m);
    expect(s.mosquitto!.volumes).toContain(`${process.cwd()}/deploy/secrets/mosquitto:/mosquitto/secrets:ro`);
    expect(s.gateway!.environment).toMatchObject({
      FIELDLAB_MQTT_USERNAME: 'fieldlab-gateway',
      FIELDLAB_MQTT_PASSWORD_FILE: '/app/secrets/mqtt.password',
      FIELDLAB_MQTT_CA_FILE: '/app/secrets/ca.crt',
      FIELDLAB_OPCUA_PASSWORD_FILE: '/app/secrets/opcua.password',
      FIELDLAB_ROBOT_SECURITY_MODE: 'SignAndEncrypt',
      FIELDLAB_ROBOT_SECURITY_POLICY: 'Basic256Sha256',
    });
    expect(s.simulators!.environment).toMatchObject({ FIELDLAB_MQTT_CREDENTIALS_FILE: '/app/secrets/mqtt-credentials.yaml', FIELDLAB_ROBOT_REQUIRE_ENCRYPTION: 'true' });
    // No password written into the compose file itself: only the names of files holding them.
    for (const [name, service] of Object.entries(s)) {
      for (const key of Object.keys(service.environment ?? {})) expect(key, name).not.toMatch(/PASSWORD$|TOKEN$|SECRET$/);
    }
  });

  it('refers only to files that exist', () => {
    expect(existsSync('deploy/mosquitto/mosquitto.conf')).toBe(true);
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(\S+)(?: (\S+))? \S+$/gm)) {
      for (const src of [m[1], m[2]].filter(Boolean)) expect(existsSync(src!), src).toBe(true);
    }
  });
});
