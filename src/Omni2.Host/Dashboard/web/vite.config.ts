import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Built into the host's web root, which ASP.NET Core serves at '/'.
export default defineConfig({
  base: './',
  build: {
    outDir: fileURLToPath(new URL('../../wwwroot', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    rollupOptions: {
      // @microsoft/signalr's bundle has /*#__PURE__*/ comments Rollup cannot place; harmless.
      onwarn(warning, warn) {
        if (warning.code !== 'INVALID_ANNOTATION') {
          warn(warning);
        }
      },
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
});
