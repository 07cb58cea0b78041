// Unit tests: no workers, no servers. Which tools a run sends with `strict: true`, and in what form.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import type { AnyTool } from '../../src/activities/tools/define';
import { defineTool } from '../../src/activities/tools/define';
import { STRICT_LIMITS, toToolParams } from '../../src/activities/tools/params';
import { describeTool } from '../../src/activities/tools/registry';

function tool(name: string, input: z.ZodObject): AnyTool {
  return defineTool({ name, description: `The ${name} tool.`, input, effect: 'read', run: () => 'ok' });
}

const params = (...tools: AnyTool[]) => toToolParams(tools.map(describeTool));

describe('tool definitions sent to Claude', () => {
  it('sends a closed object tool with strict: true and a schema strict tool use accepts', () => {
    const [param] = params(
      tool(
        'order',
        z.object({
          sku: z.string().min(3).describe('Stock keeping unit.'),
          qty: z.number().int().min(1).max(5),
          note: z.string().optional(),
          lines: z.array(z.object({ id: z.string() })),
        }),
      ),
    );
    assert.equal(param?.strict, true);
    const schema = param?.input_schema as { properties: Record<string, Record<string, unknown>> };
    const { sku, qty, lines } = schema.properties;
    // Constraints strict decoding cannot enforce are moved into the description; zod still checks them.
    assert.equal(sku?.minLength, undefined);
    assert.equal(sku?.description, 'Stock keeping unit.\n\n{minLength: 3}');
    assert.equal(qty?.minimum, undefined);
    assert.match(String(qty?.description), /minimum: 1, maximum: 5/);
    assert.equal((lines?.items as Record<string, unknown>).additionalProperties, false);
  });

  it('sends a tool with a z.record or loose object input without strict, schema unchanged', () => {
    const record = tool('tag', z.object({ tags: z.record(z.string(), z.string()) }));
    const loose = tool('meta', z.looseObject({ a: z.string() }));
    const [tagParam, metaParam] = params(record, loose);
    assert.equal(tagParam?.strict, undefined);
    assert.equal(metaParam?.strict, undefined);
    assert.deepEqual(tagParam?.input_schema, describeTool(record).inputSchema);
  });

  it('sends untyped and recursive inputs without strict', () => {
    const anything = tool('any', z.object({ value: z.unknown() }));
    const node: z.ZodType = z.object({
      name: z.string(),
      get children() {
        return z.array(node);
      },
    });
    const tree = tool('tree', z.object({ root: node }) as z.ZodObject);
    const sent = params(anything, tree);
    assert.deepEqual(
      sent.map((p) => p.strict),
      [undefined, undefined],
    );
  });

  it('stops marking tools strict where the request would pass the API limits', () => {
    const many = Array.from({ length: STRICT_LIMITS.tools + 1 }, (_, i) =>
      tool(`t${i}`, z.object({ q: z.string() })),
    );
    const sent = params(...many);
    assert.equal(sent.filter((p) => p.strict).length, STRICT_LIMITS.tools);
    assert.equal(sent[STRICT_LIMITS.tools]?.strict, undefined);

    const optional = Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [`o${i}`, z.string().optional()]),
    );
    const sentOptional = params(
      tool('a', z.object(optional)),
      tool('b', z.object(optional)),
      tool('c', z.object({})),
    );
    assert.deepEqual(
      sentOptional.map((p) => p.strict),
      [true, undefined, true],
    );
  });
});
