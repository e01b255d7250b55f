// The deployment's own CA and the TLS server certificates it signs (Mosquitto's listener, the
// gateway's HTTPS), made with openssl. Clients trust the CA file, not each certificate, so a
// renewed server certificate needs no client change. Existing files are kept. ECDSA P-256
// keys: what TLS 1.2 and 1.3 clients all take, and made in milliseconds.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Ca {
  readonly certFile: string;
  readonly keyFile: string;
}

const DAYS = '825';

function openssl(args: readonly string[]): void {
  const run = spawnSync('openssl', args, { encoding: 'utf8' });
  if (run.error) throw new Error(`openssl is needed for the TLS certificates: ${run.error.message}`);
  if (run.status !== 0) throw new Error(`openssl ${args[0]} failed: ${run.stderr.trim()}`);
}

/** openssl's -subj takes "/" and "=" as syntax; a site's name may hold either. */
const subjectText = (name: string): string => name.replace(/[/\\=+,]/g, ' ').slice(0, 60);

export function ensureCa(dir: string, name: string): Ca {
  const ca = { certFile: join(dir, 'ca.crt'), keyFile: join(dir, 'ca.key') };
  if (existsSync(ca.certFile) && existsSync(ca.keyFile)) return ca;
  openssl([
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-sha256', '-days', DAYS,
    '-keyout', ca.keyFile, '-out', ca.certFile, '-subj', `/CN=${subjectText(name)} CA`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  chmodSync(ca.keyFile, 0o600);
  return ca;
}

/** A server certificate for these host names and addresses, signed by `ca`. */
export function ensureServerCert(ca: Ca, certFile: string, keyFile: string, commonName: string, hosts: readonly string[]): void {
  if (existsSync(certFile) && existsSync(keyFile)) return;
  const work = mkdtempSync(join(tmpdir(), 'fieldlab-cert-'));
  try {
    const csr = join(work, 'server.csr');
    const ext = join(work, 'ext.cnf');
    const san = hosts.map((h) => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
    writeFileSync(ext, `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${san}\n`);
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', csr, '-subj', `/CN=${commonName}`]);
    chmodSync(keyFile, 0o600);
    openssl(['x509', '-req', '-sha256', '-days', DAYS, '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-CAserial', join(work, 'ca.srl'), '-out', certFile, '-extfile', ext]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
