#!/usr/bin/env node
// The `durable-agent` command. In a checkout (src/ is there and tsx is installed) it runs the TypeScript
// source through tsx, so `npx durable-agent` needs no build step; an installed package runs the compiled dist/.
'use strict';
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const source = path.join(root, 'src', 'cli.ts');

function canLoad(name) {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

if (existsSync(source) && canLoad('tsx/cjs')) {
  require('tsx/cjs');
  require(source).main(process.argv.slice(2));
} else {
  require(path.join(root, 'dist', 'src', 'cli.js')).main(process.argv.slice(2));
}
