import { loadSite } from '../../../device-profiles/schema/load.ts';
import { makeCredentials } from '../deploy/make-credentials.ts';

export interface DeployCredentialsFlags {
  site?: string;
  profiles?: string;
  out: string;
  host?: string[];
  json?: boolean;
}

/** Says what was written where; the secrets themselves stay in their files. */
export async function runDeployCredentials(flags: DeployCredentialsFlags): Promise<void> {
  const site = loadSite(flags.site, { profilesDir: flags.profiles });
  const report = await makeCredentials(site, { out: flags.out, hosts: flags.host ?? [] });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    [
      `credentials for ${site.site.name} in ${report.out} (passwords hashed with ${report.hasher}):`,
      `  MQTT users: fieldlab-gateway (reads), fieldlab-healthcheck, and one per device: ${report.mqttDevices.join(', ') || 'none'}`,
      `  OPC UA: user fieldlab-gateway on ${report.robots.join(', ') || 'no robots'}; certificates trusted both ways`,
      '  TLS: a CA (ca/), Mosquitto\'s server certificate, the gateway\'s HTTPS certificate',
      '  secret files are mode 0600; give each container\'s user read access (see docs/security.md)',
      '',
    ].join('\n'),
  );
}
