// Unit tests: no workers, no servers. The MCP configuration, and how MCP tools become tools of the runtime.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import { McpConfigError, mcpServersFromEnv, parseMcpServers } from '../../src/mcp/config';
import { McpConnections } from '../../src/mcp/connections';
import { mcpResultContent, mcpResultText } from '../../src/mcp/content';
import { ToolContent } from '../../src/activities/tool-output';
import { adaptMcpTool, mcpServerOf } from '../../src/mcp/tools';
import { createAgentWorker } from '../../src/worker';

const connections = new McpConnections({});

function tool(annotations: McpTool['annotations']): McpTool {
  return {
    name: 'do_it',
    description: 'Does it.',
    inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
    ...(annotations ? { annotations } : {}),
  };
}

describe('MCP configuration', () => {
  it('reads the Claude Desktop format with this project settings, from a file or inline JSON', () => {
    const document = {
      mcpServers: {
        filesystem: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/tmp'] },
        tickets: { type: 'http', url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer x' } },
        search: {
          command: 'search-mcp',
          timeout: '2m',
          retries: 4,
          needsApproval: 'destructive',
          tools: ['find'],
        },
      },
    };
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-config-')), 'mcp.json');
    fs.writeFileSync(file, JSON.stringify(document));
    const fromFile = mcpServersFromEnv({ DURABLE_AGENT_MCP: file });
    assert.deepEqual(fromFile, document.mcpServers);
    assert.deepEqual(mcpServersFromEnv({ DURABLE_AGENT_MCP: JSON.stringify(document) }), document.mcpServers);
    assert.deepEqual(mcpServersFromEnv({}), {});
  });

  it('names the server and the field of every problem', () => {
    const document = {
      mcpServers: {
        files: { command: 'x', args: 'not-a-list' },
        web: { url: 'ftp://example.com' },
        both: { command: 'x', url: 'http://example.com' },
        old: { type: 'sse', url: 'http://example.com/sse' },
        slow: { command: 'x', timeout: 'soon', retrys: 2 },
        bad__name: { command: 'x' },
      },
    };
    assert.throws(
      () => parseMcpServers(document, 'mcp.json'),
      (err: unknown) => {
        assert.ok(err instanceof McpConfigError);
        assert.match(err.message, /^mcp\.json:/);
        assert.match(err.message, /- mcpServers\.files\.args: .*expected array/);
        assert.match(err.message, /- mcpServers\.web\.url: must be an http:\/\/ or https:\/\/ URL/);
        assert.match(err.message, /- mcpServers\.both: give either "command" or "url", not both/);
        assert.match(err.message, /- mcpServers\.old\.type: the SSE transport is not supported/);
        assert.match(err.message, /- mcpServers\.slow\.timeout: must be positive milliseconds/);
        assert.match(err.message, /- mcpServers\.slow: Unrecognized key: "retrys"/);
        assert.match(err.message, /- mcpServers\.bad__name: the server name must be/);
        return true;
      },
    );
    assert.throws(
      () => mcpServersFromEnv({ DURABLE_AGENT_MCP: '{ "mcpServers": ' }),
      /inline JSON.*not valid JSON/,
    );
    assert.throws(
      () => mcpServersFromEnv({ DURABLE_AGENT_MCP: '/nowhere/mcp.json' }),
      /cannot read \/nowhere/,
    );
  });

  it('keeps a worker with a malformed configuration from starting', async () => {
    const saved = process.env.DURABLE_AGENT_MCP;
    process.env.DURABLE_AGENT_MCP = JSON.stringify({ mcpServers: { files: { args: ['x'] } } });
    try {
      await assert.rejects(
        createAgentWorker({ config: { toolModules: [] } }),
        (err: unknown) =>
          err instanceof McpConfigError && /mcpServers\.files: give "command"/.test(err.message),
      );
    } finally {
      if (saved === undefined) delete process.env.DURABLE_AGENT_MCP;
      else process.env.DURABLE_AGENT_MCP = saved;
    }
  });
});

describe('MCP tools', () => {
  it('take their effect from the annotations, unless the configuration overrides it', () => {
    const effect = (annotations: McpTool['annotations'], config = {}) =>
      adaptMcpTool('s', { command: 'x', ...config }, tool(annotations), connections).spec;
    assert.equal(effect({ readOnlyHint: true }).effect, 'read');
    assert.equal(effect({ idempotentHint: true, destructiveHint: true }).effect, 'idempotent');
    assert.equal(effect({ destructiveHint: false }).effect, 'unsafe');
    assert.equal(effect(undefined).effect, 'unsafe');
    assert.equal(effect(undefined).maxAttempts, 1);
    assert.equal(effect({ readOnlyHint: true }, { effect: 'unsafe' }).effect, 'unsafe');
    assert.equal(effect({ idempotentHint: true }, { retries: 4, timeout: '2m' }).maxAttempts, 5);
    assert.equal(effect({ idempotentHint: true }, { timeout: '2m' }).timeoutMs, 120_000);
  });

  it('need approval when configured, for destructive ones only with "destructive"', () => {
    const approval = (annotations: McpTool['annotations'], needsApproval: boolean | 'destructive') =>
      adaptMcpTool('s', { command: 'x', needsApproval }, tool(annotations), connections).spec.needsApproval;
    assert.equal(approval({ idempotentHint: true, destructiveHint: true }, 'destructive'), true);
    // MCP's default for destructiveHint is true.
    assert.equal(approval({}, 'destructive'), true);
    assert.equal(approval({ destructiveHint: false }, 'destructive'), false);
    assert.equal(approval({ readOnlyHint: true }, 'destructive'), false);
    assert.equal(approval({ readOnlyHint: true }, true), true);
    assert.equal(approval({}, false), false);
  });

  it('carry the server JSON Schema, named mcp__<server>__<tool>, with a hash that follows it', () => {
    const a = adaptMcpTool('files', { command: 'x' }, tool({ readOnlyHint: true }), connections).spec;
    assert.equal(a.name, 'mcp__files__do_it');
    assert.deepEqual(a.inputSchema, tool(undefined).inputSchema);
    const changed = { ...tool({ readOnlyHint: true }), inputSchema: { type: 'object' as const } };
    const b = adaptMcpTool('files', { command: 'x' }, changed, connections).spec;
    assert.notEqual(a.schemaHash, b.schemaHash);
    assert.equal(mcpServerOf('mcp__files__do_it'), 'files');
    assert.equal(mcpServerOf('mcp__files'), 'files');
    assert.equal(mcpServerOf('files'), undefined);
  });

  it('results become text: images described, structured content as JSON when there is no text', () => {
    assert.equal(
      mcpResultText({
        content: [
          { type: 'text', text: 'Here it is:' },
          { type: 'image', mimeType: 'image/png', data: Buffer.from('12345').toString('base64') },
        ],
      }),
      'Here it is:\n[image (image/png, 5 bytes) returned by the tool; not passed on]',
    );
    assert.equal(mcpResultText({ content: [], structuredContent: { total: 5 } }), '{"total":5}');
    assert.equal(
      mcpResultText({ content: [{ type: 'text', text: '5' }], structuredContent: { total: 5 } }),
      '5',
    );
    assert.equal(mcpResultText({ content: [] }), '(empty result)');
  });

  it('results with images the API takes become image blocks; others stay text', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64');
    const content = mcpResultContent({
      content: [
        { type: 'text', text: 'Here it is:' },
        { type: 'image', mimeType: 'image/png', data: png },
        { type: 'image', mimeType: 'image/svg+xml', data: png },
      ],
    });
    assert.ok(content instanceof ToolContent);
    assert.deepEqual(content.blocks, [
      { type: 'text', text: 'Here it is:' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } },
      { type: 'text', text: '[image (image/svg+xml, 4 bytes) returned by the tool; not passed on]' },
    ]);
    assert.match(content.text, /^Here it is:\n\[image \(image\/png, 4 bytes\)/);
    const structured = mcpResultContent({
      content: [{ type: 'image', mimeType: 'image/png', data: png }],
      structuredContent: { total: 5 },
    });
    assert.ok(structured instanceof ToolContent);
    assert.deepEqual(structured.blocks[1], { type: 'text', text: '{"total":5}' });
    const svgOnly = { type: 'image' as const, mimeType: 'image/svg+xml', data: png };
    assert.equal(typeof mcpResultContent({ content: [svgOnly] }), 'string');
  });
});
