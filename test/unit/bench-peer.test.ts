// Unit tests of the bench's peer project (bench/peer/): no workers, no servers, no install. They read its
// package.json and lock, so a bump of one Temporal or AI SDK package without the others fails here, not
// halfway through a bench run.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { benchStep } from '../../bench/tools';
import { PEER_TOOL } from '../../bench/peer/src/contract';

const peerDir = path.resolve(__dirname, '..', '..', 'bench', 'peer');
const manifest = JSON.parse(readFileSync(path.join(peerDir, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(path.join(peerDir, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; dependencies?: Record<string, string> }>;
};
const locked = (name: string) => lock.packages[`node_modules/${name}`];

describe('the bench peer project', () => {
  it('pins every @temporalio package at the version @temporalio/ai-sdk depends on', () => {
    const wanted = locked('@temporalio/ai-sdk')?.dependencies ?? {};
    const temporal = Object.keys(manifest.dependencies).filter((name) => name.startsWith('@temporalio/'));
    assert.ok(temporal.includes('@temporalio/worker'), 'the peer needs its own worker package');
    for (const name of temporal) {
      assert.equal(locked(name)?.version, manifest.dependencies[name], `${name} is locked as declared`);
      if (name !== '@temporalio/ai-sdk' && name !== '@temporalio/worker')
        assert.equal(
          manifest.dependencies[name],
          wanted[name],
          `${name} matches what @temporalio/ai-sdk asks for`,
        );
    }
    assert.equal(manifest.dependencies['@temporalio/worker'], manifest.dependencies['@temporalio/ai-sdk']);
  });

  it('declares exact versions only, so npm ci installs what was measured', () => {
    for (const [name, version] of Object.entries(manifest.dependencies))
      assert.match(version, /^\d+\.\d+\.\d+$/, `${name} is pinned`);
  });

  it('names its tool as durable-agent names the bench tool, so the fake scripts both alike', () => {
    assert.equal(PEER_TOOL, benchStep.name);
  });
});
