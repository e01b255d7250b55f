// The one way tests and benchmarks start a browser: Debian's Chromium through playwright-core,
// headless, WebGL in software (SwiftShader), with nothing that reaches the network on its own.
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_ARGS: readonly string[] = ['--no-sandbox', '--enable-unsafe-swiftshader', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS] });
}
