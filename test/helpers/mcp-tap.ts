// A stdio pass-through in front of a real MCP server, for tests. It appends every message the client sends to
// a log file, so a test can see what reached the server (server-filesystem does not echo `_meta` back). With
// MCP_TAP_DROP_ANSWER_OF=<tool> and MCP_TAP_MARKER=<file> it kills the server once, right after the server
// answered the first call of that tool and before the answer reaches the client: the work done, the answer lost.
// With MCP_TAP_MODE=hold it keeps that answer back instead and goes on running (a call that never ends).
// With MCP_TAP_CHANGE_SCHEMAS_AFTER=<n>, every tools/list answer after the first n gives each tool's input an
// extra property, as a server redeployed with changed tools would.
// Usage: node --import tsx mcp-tap.ts <log file> <command> [args...]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';

const [log, command, ...args] = process.argv.slice(2);
if (!log || !command) throw new Error('usage: mcp-tap <log file> <command> [args...]');
const dropAnswerOf = process.env.MCP_TAP_DROP_ANSWER_OF;
const marker = process.env.MCP_TAP_MARKER;

const server = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
const watched = new Set<unknown>();
const lists = new Set<unknown>();
const changeAfter = Number(process.env.MCP_TAP_CHANGE_SCHEMAS_AFTER ?? Infinity);
let listed = 0;

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  fs.appendFileSync(log, `${line}\n`);
  const message = parse(line);
  if (message?.method === 'tools/call' && (message.params as { name?: string })?.name === dropAnswerOf) {
    watched.add(message.id);
  }
  if (message?.method === 'tools/list') lists.add(message.id);
  server.stdin.write(`${line}\n`);
});
process.stdin.on('end', () => server.stdin.end());

readline.createInterface({ input: server.stdout }).on('line', (line) => {
  const message = parse(line);
  if (message && watched.has(message.id) && marker && !fs.existsSync(marker)) {
    fs.writeFileSync(marker, line);
    if (process.env.MCP_TAP_MODE === 'hold') return;
    server.kill('SIGKILL');
    process.exit(1);
  }
  if (message && lists.has(message.id) && ++listed > changeAfter) {
    const result = message.result as { tools: Array<{ inputSchema: { properties?: object } }> };
    for (const tool of result.tools) {
      tool.inputSchema.properties = { ...tool.inputSchema.properties, reason: { type: 'string' } };
    }
    process.stdout.write(`${JSON.stringify(message)}\n`);
    return;
  }
  process.stdout.write(`${line}\n`);
});
server.on('exit', (code) => process.exit(code ?? 1));

function parse(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
