// The widget's size budget: the wasm, its bindings and app.js of web/dist, each gzipped at level 9,
// must add up to at most 500,000 bytes. `bench.mjs` prints this figure; `cargo xtask ci` runs this
// file after `cargo xtask web` and stops when the widget is over budget.
//
//   node size.mjs        (after cargo xtask web; exits 1 when over budget)
import { readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const BUDGET_BYTES = 500_000;
/** The files a first visit loads to start the widget, by their source names. */
const WIDGET = ['duijie-web_bg.wasm', 'duijie-web.js', 'app.js'];

/** Sum of the gzip -9 sizes of the widget's files in `dist` (hashed names from its manifest). */
export function widgetGzipBytes(dist) {
  const manifest = JSON.parse(readFileSync(join(dist, '.manifest.json'), 'utf8'));
  return WIDGET.reduce((sum, name) => sum + gzipSync(readFileSync(join(dist, manifest[name] || name)), { level: 9 }).length, 0);
}

/** The line bench.mjs and this check print. */
export function describe(bytes) {
  return `widget wasm+JS gzip: ${(bytes / 1024).toFixed(1)} KiB (${bytes} bytes; budget 500 KB)`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../../web/dist');
  const bytes = widgetGzipBytes(dist);
  console.log(describe(bytes));
  if (bytes > BUDGET_BYTES) {
    console.error(`the widget is over its size budget: ${bytes} bytes gzip > ${BUDGET_BYTES} `
      + `(${WIDGET.join(' + ')} in web/dist, each gzip -9); see "Figures" in web/README.md`);
    process.exit(1);
  }
}
