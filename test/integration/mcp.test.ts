// Integration tests: a real Temporal dev server, a worker in this process, the fake Claude over real HTTP, and
// real MCP servers from npm that no one here wrote: server-filesystem over stdio (behind a pass-through that
// logs what the client sent) and server-everything over Streamable HTTP.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { temporal } from '@temporalio/proto';
import { RunFailedError } from '../../src/client';
import { freePort } from '../../src/dev-server';
import type { McpServers } from '../../src/mcp/config';
import type { MessageParam, ToolResultBlock } from '../../src/shared';
import { useTestEnv } from '../helpers/env';

const env = useTestEnv(null);
const work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'durable-agent-mcp-')));
const files = path.join(work, 'files');
const tap = path.join(__dirname, '../helpers/mcp-tap.ts');
const filesystemServer = require.resolve('@modelcontextprotocol/server-filesystem/dist/index.js');
const everythingServer = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
let everything: ChildProcess | undefined;

// Each stdio server runs behind the tap, which logs what the worker's client sent it.
function tapped(name: string, extraEnv: Record<string, string> = {}) {
  return {
    command: process.execPath,
    args: ['--import', 'tsx', tap, path.join(work, `${name}.log`), process.execPath, filesystemServer, files],
    env: { PATH: process.env.PATH ?? '', ...extraEnv },
  };
}

function sent(name: string): Array<{ method?: string; params?: Record<string, unknown> }> {
  return fs
    .readFileSync(path.join(work, `${name}.log`), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { method?: string; params?: Record<string, unknown> });
}

function toolResults(match: string, request: number): ToolResultBlock[] {
  const served = env.fake.requests.filter((r) => r.match === match);
  const messages = (served[request]?.body as { messages: MessageParam[] }).messages;
  return messages[messages.length - 1]?.content as ToolResultBlock[];
}

describe('MCP servers as tools', () => {
  before(async () => {
    fs.mkdirSync(files);
    fs.writeFileSync(path.join(files, 'notes.txt'), 'The launch is on Tuesday.\n');
    const port = await freePort();
    everything = spawn(process.execPath, [everythingServer, 'streamableHttp'], {
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      let output = '';
      everything?.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('listening on port')) resolve();
      });
      everything?.on('exit', (code) => reject(new Error(`server-everything exited (${code}): ${output}`)));
    });
    const servers: McpServers = {
      filesystem: tapped('filesystem'),
      flaky: tapped('flaky', {
        MCP_TAP_DROP_ANSWER_OF: 'write_file',
        MCP_TAP_MARKER: path.join(work, 'flaky.dropped'),
      }),
      changing: tapped('changing', { MCP_TAP_CHANGE_SCHEMAS_AFTER: '1' }),
      everything: { url: `http://127.0.0.1:${port}/mcp` },
      broken: {
        command: process.execPath,
        args: ['-e', 'console.error("cannot open /var/db/tickets.sqlite"); process.exit(3)'],
      },
    };
    await env.startWorker([], { mcpServers: servers });
  });

  after(() => {
    everything?.kill();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('lists and reads a file through server-filesystem over stdio, as read tools', async () => {
    const match = 'what the notes say';
    env.fake.script(
      [
        {
          content: [
            {
              type: 'tool_use',
              id: 'toolu_ls',
              name: 'mcp__filesystem__list_directory',
              input: { path: files },
            },
          ],
        },
        {
          content: [
            {
              type: 'tool_use',
              id: 'toolu_cat',
              name: 'mcp__filesystem__read_text_file',
              input: { path: path.join(files, 'notes.txt') },
            },
          ],
        },
        { content: 'The notes say the launch is on Tuesday.' },
      ],
      { match },
    );
    const result = await env.run({ prompt: `Tell me ${match}.`, tools: ['mcp__filesystem'] });
    assert.equal(result.status, 'completed');
    assert.equal(result.text, 'The notes say the launch is on Tuesday.');
    assert.deepEqual(
      result.toolCalls.map((c) => [c.name, c.effect, c.status]),
      [
        ['mcp__filesystem__list_directory', 'read', 'succeeded'],
        ['mcp__filesystem__read_text_file', 'read', 'succeeded'],
      ],
    );
    assert.match(String(toolResults(match, 1)[0]?.content), /\[FILE\] notes\.txt/);
    assert.equal(toolResults(match, 2)[0]?.content, 'The launch is on Tuesday.\n');
    // The model was offered every tool of the server, with the server's own JSON Schemas.
    const request = env.fake.requests.find((r) => r.match === match)?.body as {
      tools: Array<{ name: string; input_schema: { properties?: Record<string, unknown> } }>;
    };
    const names = request.tools.map((t) => t.name);
    assert.ok(names.includes('mcp__filesystem__write_file'), names.join(', '));
    const read = request.tools.find((t) => t.name === 'mcp__filesystem__read_text_file');
    assert.ok(read?.input_schema.properties?.path, JSON.stringify(read));
  });

  it('passes an MCP error result on as an is_error tool_result, and checks input against the JSON Schema', async () => {
    const match = 'a file that is not there';
    env.fake.script(
      [
        {
          content: [
            {
              type: 'tool_use',
              id: 'toolu_missing',
              name: 'mcp__filesystem__read_text_file',
              input: { path: path.join(files, 'missing.txt') },
            },
            {
              type: 'tool_use',
              id: 'toolu_bad',
              name: 'mcp__filesystem__read_text_file',
              input: { path: 7 },
            },
          ],
        },
        { content: 'There is no such file.' },
      ],
      { match },
    );
    const before = sent('filesystem').length;
    const result = await env.run({ prompt: `Read ${match}.`, tools: ['mcp__filesystem__read_text_file'] });
    assert.equal(result.status, 'completed');
    const [missing, bad] = toolResults(match, 1);
    assert.equal(missing?.is_error, true);
    assert.match(String(missing?.content), /ENOENT|no such file/i);
    assert.equal(bad?.is_error, true);
    assert.match(String(bad?.content), /input for .* is invalid:\n- path: must be string/);
    // The invalid input never reached the server.
    const calls = sent('filesystem')
      .slice(before)
      .filter((m) => m.method === 'tools/call');
    assert.equal(calls.length, 1);
  });

  it('retries an idempotent write whose answer was lost, with the same idempotency key in _meta', async () => {
    const match = 'write the summary';
    const target = path.join(files, 'summary.txt');
    env.fake.script(
      [
        {
          content: [
            {
              type: 'tool_use',
              id: 'toolu_write',
              name: 'mcp__flaky__write_file',
              input: { path: target, content: 'Launch: Tuesday.' },
            },
          ],
        },
        { content: 'Written.' },
      ],
      { match },
    );
    const workflowId = `mcp-write-${Date.now()}`;
    const result = await env.run(
      { prompt: `Please ${match}.`, tools: ['mcp__flaky__write_file'] },
      workflowId,
    );
    assert.equal(result.status, 'completed');
    assert.equal(fs.readFileSync(target, 'utf8'), 'Launch: Tuesday.');
    const [call] = result.toolCalls;
    assert.equal(call?.effect, 'idempotent');
    assert.equal(call?.status, 'succeeded');
    assert.equal(call?.attempts, 2);
    // The first answer was dropped (the server was killed after writing), so the client reconnected and sent again.
    assert.ok(fs.existsSync(path.join(work, 'flaky.dropped')));
    const writes = sent('flaky').filter((m) => m.method === 'tools/call');
    assert.equal(writes.length, 2);
    for (const write of writes) {
      const meta = write.params?._meta as Record<string, unknown> | undefined;
      assert.equal(meta?.['durable-agent/idempotencyKey'], `${workflowId}/toolu_write`);
    }
  });

  it('refuses a call to an MCP tool whose schema changed since the run pinned it', async () => {
    const match = 'after the server changed';
    env.fake.script(
      [
        {
          content: [
            {
              type: 'tool_use',
              id: 'toolu_changed',
              name: 'mcp__changing__read_text_file',
              input: { path: path.join(files, 'notes.txt') },
            },
          ],
        },
        { content: 'The tool changed, so I could not read it.' },
      ],
      { match },
    );
    const result = await env.run({ prompt: `Read the notes ${match}.`, tools: ['mcp__changing'] });
    assert.equal(result.status, 'completed');
    const [changed] = toolResults(match, 1);
    assert.equal(changed?.is_error, true);
    assert.match(String(changed?.content), /not run: the tool "mcp__changing__read_text_file" changed/);
    assert.equal(result.toolCalls[0]?.error?.type, 'ToolSchemaChanged');
    assert.equal(sent('changing').filter((m) => m.method === 'tools/call').length, 0);
  });

  it('calls server-everything over Streamable HTTP, passing its image on as an image block', async () => {
    const match = 'sum and a picture';
    env.fake.script(
      [
        {
          content: [
            { type: 'tool_use', id: 'toolu_sum', name: 'mcp__everything__get-sum', input: { a: 2, b: 3 } },
            { type: 'tool_use', id: 'toolu_img', name: 'mcp__everything__get-tiny-image', input: {} },
          ],
        },
        { content: 'The sum is 5, and there is a tiny image.' },
      ],
      { match },
    );
    const workflowId = `mcp-image-${Date.now()}`;
    const result = await env.run(
      {
        prompt: `Give me a ${match}.`,
        tools: ['mcp__everything__get-sum', 'mcp__everything__get-tiny-image'],
      },
      workflowId,
    );
    assert.equal(result.status, 'completed');
    const [sum, image] = toolResults(match, 1);
    assert.match(String(sum?.content), /\b5\b/);
    assert.equal(sum?.is_error, undefined);
    assert.ok(Array.isArray(image?.content), `image result: ${JSON.stringify(image)}`);
    const picture = image.content.find((block) => block.type === 'image');
    assert.equal(picture?.type, 'image');
    assert.equal(picture.source.media_type, 'image/png');
    const png = Buffer.from(picture.source.data, 'base64');
    assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    // Only a reference to the image crossed the run's history, never its bytes.
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const encoded = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('latin1');
    assert.ok(encoded.includes('"blocks":true'), 'the tool result is in history, by reference');
    assert.ok(!encoded.includes(picture.source.data), 'the image data is not in history');
  });

  it('fails the run at pin time, naming the MCP server that cannot start and why', async () => {
    const requestsBefore = env.fake.requests.length;
    await assert.rejects(
      env.run({ prompt: 'Open a ticket.', tools: ['mcp__filesystem__read_text_file', 'mcp__broken'] }),
      (err: unknown) => {
        assert.ok(err instanceof RunFailedError);
        assert.equal(err.type, 'McpServerUnavailable');
        assert.match(err.message, /MCP server "broken" .* could not be started/);
        assert.match(err.message, /cannot open \/var\/db\/tickets\.sqlite/);
        return true;
      },
    );
    assert.equal(env.fake.requests.length, requestsBefore, 'no model call was made');
  });
});
