import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// Built into web/dist, which `neo-events demo` serves at http://127.0.0.1:8000/. `npm run dev`
// proxies the server's endpoints to a demo already running on :8000.
export default defineConfig({
  plugins: [vue()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1000 },
  server: {
    proxy: {
      '/demo': 'http://127.0.0.1:8000',
      '/connection': { target: 'ws://127.0.0.1:8000', ws: true },
    },
  },
});
