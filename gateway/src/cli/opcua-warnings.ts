// node-opcua prints its warnings itself (console.log, a coloured prefix, one call per line),
// whatever the process logs with. setWarningLogger is its hook for sending them elsewhere:
// here, into the command's logger, one line each.
import { format } from 'node:util';
import { setWarningLogger } from 'node-opcua';
import type { Logger } from 'pino';

/**
 * node-opcua's check, run as it loads, that this Node can still decrypt RSA PKCS#1 v1.5
 * (Node 20.11+ refuses it since CVE-2023-46809). Only the Basic128Rsa15 security policy
 * encrypts that way; the simulated robots offer None and Basic256Sha256 and the site schema
 * does not accept Basic128Rsa15, so the advice to run Node with --security-revert is not ours to
 * follow. Matched on its text so that no other warning is hidden with it.
 */
const PKCS1_NOTICE = /NODE-OPCUA-W27|CVE-2023-46809/;

/** Warnings that report progress, not trouble. */
const PROGRESS = [/^Creating default certificate/];

let target: Logger | undefined;
/** Warnings from before a logger is given: node-opcua's PKCS#1 check reports while the command starts. */
const early: unknown[][] = [];
let pkcs1Explained = false;

// Installed as this module loads, not when a logger is given: node-opcua's check starts at its
// import and reports once a key is generated, which may be before the command has a logger.
setWarningLogger((context?: unknown, ...args: unknown[]) => {
  if (target) forward(target, context, args);
  else if (early.length < 100) early.push([context, ...args]);
});

/** node-opcua's warnings from now on (and those held since it loaded) go to `log`. */
export function routeOpcuaWarnings(log: Logger): void {
  target = log;
  for (const [context, ...args] of early.splice(0)) forward(log, context, args);
}

function forward(log: Logger, context: unknown, args: unknown[]): void {
  const text = format(...args).trim();
  const from = `node-opcua ${where(context)}`;
  if (PKCS1_NOTICE.test(text)) {
    if (pkcs1Explained) return;
    pkcs1Explained = true;
    log.debug(
      { from, notice: text },
      `node-opcua: this Node (${process.version}) refuses RSA PKCS#1 v1.5 decryption (CVE-2023-46809); ` +
        'only the Basic128Rsa15 security policy needs it and fieldlab neither offers nor accepts it',
    );
  } else if (PROGRESS.some((p) => p.test(text))) {
    log.debug({ from }, `node-opcua: ${text}`);
  } else {
    log.warn({ from }, `node-opcua: ${text}`);
  }
}

/** node-opcua passes the file and line it was called from. */
function where(context: unknown): string {
  if (typeof context !== 'object' || context === null) return '';
  const { filename, callerline } = context as { filename?: unknown; callerline?: unknown };
  return typeof filename === 'string' ? `${filename}:${String(callerline)}` : '';
}
