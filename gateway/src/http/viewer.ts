// The twin viewer's built files (twin-viewer/dist). Built once on first start where Vite
// is installed (a development checkout); a production image builds it in its Dockerfile.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';

export const VIEWER_ROOT = fileURLToPath(new URL('../../../twin-viewer/', import.meta.url));
export const VIEWER_DIST = fileURLToPath(new URL('../../../twin-viewer/dist/', import.meta.url));

export function viewerBuilt(): boolean {
  return existsSync(`${VIEWER_DIST}index.html`);
}

export async function ensureViewerBuilt(log: Logger): Promise<boolean> {
  if (viewerBuilt()) return true;
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    log.warn('the twin viewer is not built and Vite is not installed: run `npm run build` (the gateway works without it)');
    return false;
  }
  log.info('building the twin viewer once (twin-viewer/dist)…');
  await vite.build({ configFile: `${VIEWER_ROOT}vite.config.ts`, logLevel: 'warn' });
  return viewerBuilt();
}
