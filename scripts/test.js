#!/usr/bin/env node
// Runs the test suite with node's test runner in one invocation, so its summary is the last thing printed.
// Usage: node scripts/test.js [unit|integration] [extra node --test flags]
'use strict';
const { spawnSync } = require('node:child_process');
const { readdirSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const [which, ...extra] = process.argv.slice(2);
const suites = which === 'unit' || which === 'integration' ? [which] : ['unit', 'integration'];
const files = suites.flatMap((suite) =>
  readdirSync(path.join(root, 'test', suite))
    .filter((name) => name.endsWith('.test.ts'))
    .sort()
    .map((name) => path.join('test', suite, name)),
);
const args = [
  '--import',
  'tsx',
  '--test',
  '--test-reporter=spec',
  `--test-concurrency=${process.env.TEST_CONCURRENCY ?? '2'}`,
  ...(which && !suites.includes(which) ? [which] : []),
  ...extra,
  ...files,
];
const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
