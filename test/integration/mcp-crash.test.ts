// Integration tests: a worker process killed with SIGKILL during an MCP call, a real Temporal dev server, the
// fake Claude over real HTTP, and server-filesystem over stdio behind a pass-through that logs what it was sent.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { awaitResult } from '../../src/client';
import type { McpServers } from '../../src/mcp/config';
import { childWorkerSuite, waitFor } from '../helpers/child-worker';

const suite = childWorkerSuite('mcp-crash');
const tap = path.join(__dirname, '../helpers/mcp-tap.ts');
const filesystemServer = require.resolve('@modelcontextprotocol/server-filesystem/dist/index.js');

describe('MCP calls and worker crashes', () => {
  it('retries an idempotent MCP write on a new worker after the worker is killed during the call', async () => {
    const files = path.join(suite.dir, 'files');
    fs.mkdirSync(files);
    const log = path.join(suite.dir, 'tap.log');
    const marker = path.join(suite.dir, 'answer-held');
    const servers: McpServers = {
      filesystem: {
        command: process.execPath,
        args: ['--import', 'tsx', tap, log, process.execPath, filesystemServer, files],
        // The first write is done and its answer held back, so the worker is killed with the call in flight.
        env: {
          PATH: process.env.PATH ?? '',
          MCP_TAP_DROP_ANSWER_OF: 'write_file',
          MCP_TAP_MARKER: marker,
          MCP_TAP_MODE: 'hold',
        },
      },
    };
    const mcp = { DURABLE_AGENT_MCP: JSON.stringify({ mcpServers: servers }) };
    const match = 'write the release note';
    const target = path.join(files, 'release.txt');
    suite.env.fake.script(
      [
        {
          content: [
            {
              type: 'tool_use',
              id: 'toolu_note',
              name: 'mcp__filesystem__write_file',
              input: { path: target, content: 'Released on Tuesday.' },
            },
          ],
        },
        { content: 'The release note is written.' },
      ],
      { match },
    );
    const first = await suite.worker(path.join(suite.dir, 'first.jsonl'), mcp);
    const workflowId = `mcp-crash-${Date.now()}`;
    const handle = await suite.env.start(
      { prompt: `Please ${match}.`, tools: ['mcp__filesystem__write_file'] },
      workflowId,
    );
    await waitFor('the first write to be done and its answer held', () => fs.existsSync(marker));
    await first.kill();
    await suite.worker(path.join(suite.dir, 'second.jsonl'), mcp);
    const result = await awaitResult(handle);

    assert.equal(result.status, 'completed');
    assert.equal(fs.readFileSync(target, 'utf8'), 'Released on Tuesday.');
    assert.deepEqual(
      result.toolCalls.map((c) => [c.name, c.effect, c.status, c.attempts]),
      [['mcp__filesystem__write_file', 'idempotent', 'succeeded', 2]],
    );
    // The first model call finished before the crash and was not made again.
    assert.equal(suite.env.fake.requests.filter((r) => r.match === match).length, 2);
    const writes = fs
      .readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { method?: string; params?: { _meta?: Record<string, unknown> } })
      .filter((m) => m.method === 'tools/call');
    assert.deepEqual(
      writes.map((w) => w.params?._meta?.['durable-agent/idempotencyKey']),
      [`${workflowId}/toolu_note`, `${workflowId}/toolu_note`],
    );
  });
});
