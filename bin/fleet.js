#!/usr/bin/env node
// Launches the compiled CLI. `npm ci` and `npm install` compile it through the "prepare" script;
// after editing the sources, run `npm run build` again.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('fleet is not built yet: run "npm run build" in the Fleet directory, then try again.\n');
  process.exit(2);
}
await import(entry.href);
