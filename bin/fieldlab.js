#!/usr/bin/env node
// `fieldlab` on PATH (npm link, npx): runs the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../gateway/src/cli/main.ts');
