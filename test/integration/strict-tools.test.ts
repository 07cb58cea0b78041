// Integration tests: a real Temporal dev server, a worker in this process, the fake Claude over real HTTP. Tools
// with closed input schemas reach Claude with `strict: true`; a tool whose input is a record still works, sent
// without it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { defineTool } from '../../src/activities/tools/define';
import type { MessageParam, ToolResultBlock } from '../../src/shared';
import { useTestEnv } from '../helpers/env';

const labelled: Array<Record<string, string>> = [];
const label = defineTool({
  name: 'label_issue',
  description: 'Sets labels on an issue, as name → value pairs.',
  input: z.object({ issue: z.number().int().min(1), labels: z.record(z.string(), z.string()) }),
  effect: 'idempotent',
  run: ({ labels }) => (labelled.push(labels), `set ${Object.keys(labels).length} labels`),
});
const lookup = defineTool({
  name: 'lookup_issue',
  description: 'Looks up an issue by number.',
  input: z.object({ issue: z.number().int().min(1), fields: z.array(z.string()).optional() }),
  effect: 'read',
  run: ({ issue }) => `issue ${issue} is open`,
});

const env = useTestEnv([label, lookup]);

interface SentTool {
  name: string;
  strict?: boolean;
  input_schema: { properties: Record<string, Record<string, unknown>> };
}

describe('strict tool schemas', () => {
  it('sends closed tools with strict: true and runs a tool whose input is a z.record', async () => {
    env.fake.script(
      [
        {
          content: [
            { type: 'tool_use', id: 'toolu_look', name: 'lookup_issue', input: { issue: 7 } },
            {
              type: 'tool_use',
              id: 'toolu_label',
              name: 'label_issue',
              input: { issue: 7, labels: { priority: 'high', area: 'billing' } },
            },
          ],
        },
        { content: 'Labelled issue 7.' },
      ],
      { match: 'Label issue 7' },
    );
    const result = await env.run({ prompt: 'Label issue 7 as high priority billing.' });

    assert.equal(result.status, 'completed');
    assert.equal(result.text, 'Labelled issue 7.');
    assert.deepEqual(labelled, [{ priority: 'high', area: 'billing' }]);
    const served = env.fake.requests.filter((r) => r.match === 'Label issue 7');
    assert.equal(served.length, 2);
    const body = served[1]?.body as { tools: SentTool[]; messages: MessageParam[] };
    const sent = Object.fromEntries(body.tools.map((t) => [t.name, t]));
    assert.equal(sent.lookup_issue?.strict, true);
    assert.equal(sent.lookup_issue?.input_schema.properties.issue?.minimum, undefined);
    assert.equal('strict' in (sent.label_issue ?? {}), false);
    assert.deepEqual(sent.label_issue?.input_schema.properties.labels?.additionalProperties, {
      type: 'string',
    });
    const results = body.messages[body.messages.length - 1]?.content as ToolResultBlock[];
    assert.deepEqual(
      results.map((r) => [r.tool_use_id, r.is_error, r.content]),
      [
        ['toolu_look', undefined, 'issue 7 is open'],
        ['toolu_label', undefined, 'set 2 labels'],
      ],
    );
  });
});
