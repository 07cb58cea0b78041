#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx durable-agent` works in a checkout without a build step.
'use strict';
require('tsx/cjs');
require('../src/cli.ts').main(process.argv.slice(2));
