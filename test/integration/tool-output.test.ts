// Integration tests: a real Temporal dev server, a worker in this process, the fake Claude over real HTTP.
// What a tool returns is serialized by the runtime after the tool succeeded: never a reason to run it again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { defineTool } from '../../src/activities/tools/define';
import type { AnyTool } from '../../src/activities/tools/define';
import type { MessageParam, ToolResultBlock } from '../../src/shared';
import { useTestEnv } from '../helpers/env';

const runs = new Map<string, number>();

function returning(name: string, effect: 'read' | 'unsafe', make: () => unknown): AnyTool {
  return defineTool({
    name,
    description: `Returns a value JSON cannot hold as it is (${name}).`,
    input: z.object({}),
    effect,
    run() {
      runs.set(name, (runs.get(name) ?? 0) + 1);
      return make();
    },
  });
}

const circular = () => {
  const order: Record<string, unknown> = { id: 'o-1', total: 12n };
  order.self = order;
  return order;
};

const tools = [
  returning('big_number', 'read', () => ({ balance: 12345678901234567890n })),
  returning('circular_order', 'unsafe', circular),
  returning('a_symbol', 'read', () => Symbol('token')),
  returning('a_function', 'read', () => () => 1),
];

const env = useTestEnv(tools);

describe('tool results JSON cannot hold', () => {
  it('are converted once and the tools run once, unsafe ones reported as succeeded', async () => {
    const names = ['big_number', 'circular_order', 'a_symbol', 'a_function'];
    env.fake.script(
      [
        { content: names.map((name) => ({ type: 'tool_use', id: `toolu_${name}`, name, input: {} })) },
        { content: 'Done.' },
      ],
      { match: 'odd results' },
    );
    const result = await env.run({ prompt: 'Return odd results.' });
    assert.equal(result.status, 'completed');
    for (const name of names) assert.equal(runs.get(name), 1, `${name} ran ${runs.get(name)} times`);
    for (const call of result.toolCalls) assert.equal(call.status, 'succeeded', call.name);

    const served = env.fake.requests.filter((r) => r.match === 'odd results');
    const messages = (served[1]?.body as { messages: MessageParam[] }).messages;
    const blocks = messages[messages.length - 1]?.content as ToolResultBlock[];
    const content = new Map(blocks.map((b) => [b.tool_use_id, String(b.content)]));
    assert.equal(content.get('toolu_big_number'), '{"balance":"12345678901234567890"}');
    assert.equal(content.get('toolu_circular_order'), '{"id":"o-1","total":"12","self":"[Circular]"}');
    assert.match(content.get('toolu_a_symbol') ?? '', /returned a symbol, which has no JSON form/);
    assert.match(content.get('toolu_a_function') ?? '', /returned a function, which has no JSON form/);
    for (const block of blocks) assert.equal(block.is_error, undefined);
  });
});
