/**
 * The dashboard's build: Preact, bundled by Vite into dashboard/dist with Brotli and gzip copies
 * next to each file (the API serves them to browsers that accept them). `npm run build` builds
 * it; `npm run dev` serves it with hot reload through the API (src/api/dashboard.ts).
 */
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import { compression } from 'vite-plugin-compression2';

export default defineConfig({
  root: import.meta.dirname,
  // Relative asset URLs, so the dashboard also works behind a proxy under a path prefix.
  base: './',
  plugins: [preact(), compression({ algorithms: ['gzip', 'brotliCompress'] })],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
});
