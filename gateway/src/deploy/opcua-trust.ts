// OPC UA certificates for the deployment, trusted explicitly both ways: the gateway's client
// certificate goes into each robot server's trusted/certs/, each server's into the gateway's,
// so neither side needs to accept an unknown peer. Folders in node-opcua's PKI layout; the
// application URIs match what the gateway and the simulated robots announce. Existing
// certificates are kept (a peer that already trusts them goes on trusting them).
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { OPCUACertificateManager } from 'node-opcua';

export const GATEWAY_APPLICATION_URI = 'urn:fieldlab:gateway';
export const robotApplicationUri = (id: string): string => `urn:fieldlab:robot-simulator:${id}`;

export interface OpcUaPeer {
  /** The PKI root folder (own/, trusted/, rejected/). */
  readonly pkiDir: string;
  readonly applicationUri: string;
  readonly dns: readonly string[];
  /** The name node-opcua looks for its own certificate under, in own/certs/. */
  readonly certName: 'client_certificate.pem' | 'certificate.pem';
  readonly label: string;
}

async function ensureOwnCertificate(peer: OpcUaPeer): Promise<string> {
  const certFile = join(peer.pkiDir, 'own', 'certs', peer.certName);
  const cm = new OPCUACertificateManager({ rootFolder: peer.pkiDir, automaticallyAcceptUnknownCertificate: false });
  await cm.initialize();
  if (!existsSync(certFile)) {
    await cm.createSelfSignedCertificate({
      outputFile: certFile,
      subject: `/CN=${peer.label}/O=fieldlab`,
      applicationUri: peer.applicationUri,
      dns: [...peer.dns],
      startDate: new Date(Date.now() - 24 * 3600_000),
      validity: 825,
    });
  }
  await cm.dispose();
  return certFile;
}

/** Creates the gateway's and every server's certificate and puts each into the other's trust list. */
export async function crossTrust(gateway: OpcUaPeer, servers: readonly OpcUaPeer[]): Promise<void> {
  const gatewayCert = await ensureOwnCertificate(gateway);
  for (const server of servers) {
    const serverCert = await ensureOwnCertificate(server);
    const trust = (dir: string, name: string, file: string) => {
      mkdirSync(join(dir, 'trusted', 'certs'), { recursive: true });
      copyFileSync(file, join(dir, 'trusted', 'certs', name));
    };
    trust(gateway.pkiDir, `${server.label}.pem`, serverCert);
    trust(server.pkiDir, `${gateway.label}.pem`, gatewayCert);
  }
}
