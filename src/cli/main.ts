#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { runCli } from './run.js';

// The process edge: real streams, files and environment go in here and nowhere else.
const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readFile: (path) => readFile(path, 'utf8'),
  env: process.env,
});
process.exitCode = code;
