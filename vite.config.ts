/**
 * `npm run build` builds the widget into dist/widget/ in two passes:
 *  1. the panel as ES modules (`panel-<hash>.js`: Preact UI + connection; `styles-<hash>.js`: its CSS as
 *     a string for a constructable stylesheet), loaded on demand with import();
 *  2. the loader `widget.js` as a classic-script IIFE (a pasted <script src> can't be a module), told
 *     the hashed panel file names at build time.
 * The server serves /widget.js and /widget/<file> from dist/widget/.
 */
import { build, defineConfig, type Plugin } from 'vite';

const outDir = 'dist/widget';

function buildLoader(): Plugin {
  const names: Record<string, string> = {};
  return {
    name: 'deputy-loader',
    apply: 'build',
    generateBundle(_options, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type === 'chunk' && file.isEntry) names[file.name] = file.fileName;
      }
    },
    async closeBundle() {
      if (!names.panel || !names.styles) throw new Error('panel build produced no panel/styles entry');
      await build({
        configFile: false,
        logLevel: 'warn',
        define: {
          __DEPUTY_PANEL__: JSON.stringify(names.panel),
          __DEPUTY_STYLES__: JSON.stringify(names.styles),
        },
        build: {
          outDir,
          emptyOutDir: false,
          target: 'es2020',
          lib: {
            entry: 'widget/loader.ts',
            formats: ['iife'],
            name: 'DeputyLoader',
            fileName: () => 'widget.js',
          },
        },
      });
    },
  };
}

export default defineConfig({
  logLevel: 'warn',
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2020',
    // Lib mode leaves ES output half-minified (for re-bundling); this code ships to browsers as is.
    rolldownOptions: { output: { minify: true, comments: false } },
    lib: {
      entry: { panel: 'widget/panel/index.tsx', styles: 'widget/panel/styles.ts' },
      formats: ['es'],
      fileName: (_format, name) => `${name}-[hash].js`,
    },
  },
  plugins: [buildLoader()],
});
