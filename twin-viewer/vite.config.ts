import { defineConfig } from 'vite';

// Built into twin-viewer/dist, which the gateway serves at /.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
});
