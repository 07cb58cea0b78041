// Unit tests: no workers, no servers. Tool declarations, schema derivation and the schema hash.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { defineTool } from '../../src/activities/tools/define';
import { createToolRegistry, describeTool } from '../../src/activities/tools/registry';
import { toInputSchema } from '../../src/activities/tools/schema';

const base = {
  name: 'lookup',
  description: 'Look something up.',
  effect: 'read' as const,
  run: () => 'ok',
};

function everyObject(node: unknown, visit: (schema: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) return node.forEach((n) => everyObject(n, visit));
  if (!node || typeof node !== 'object') return;
  const schema = node as Record<string, unknown>;
  if (schema.type === 'object') visit(schema);
  Object.values(schema).forEach((v) => everyObject(v, visit));
}

describe('tool schema derivation', () => {
  it('closes every object so the schema is valid for strict tool use', () => {
    const schema = toInputSchema(
      'nested',
      z.object({
        id: z.string().describe('The id.'),
        filter: z.object({ status: z.enum(['open', 'closed']) }).optional(),
        lines: z.array(z.object({ sku: z.string(), qty: z.number().int() })),
        either: z.union([z.object({ a: z.string() }), z.object({ b: z.number() })]),
      }),
    );
    let objects = 0;
    everyObject(schema, (o) => {
      objects += 1;
      assert.equal(o.additionalProperties, false);
    });
    assert.equal(objects, 5);
    assert.equal(schema.$schema, undefined);
    assert.deepEqual(schema.required, ['id', 'lines', 'either']);
    assert.equal((schema.properties as Record<string, { description?: string }>).id?.description, 'The id.');
  });

  it('drops the safe-integer bounds zod adds but keeps real ones', () => {
    const schema = toInputSchema(
      'ints',
      z.object({ n: z.number().int(), m: z.number().int().min(1).max(5) }),
    );
    const props = schema.properties as Record<string, Record<string, unknown>>;
    assert.deepEqual(props.n, { type: 'integer' });
    assert.equal(props.m?.minimum, 1);
    assert.equal(props.m?.maximum, 5);
  });

  it('accepts records and loose objects, keeping them open, and refuses non-objects', () => {
    const schema = toInputSchema(
      'rec',
      z.object({ tags: z.record(z.string(), z.string()), meta: z.looseObject({ a: z.string() }) }),
    );
    const props = schema.properties as Record<string, Record<string, unknown>>;
    assert.deepEqual(props.tags?.additionalProperties, { type: 'string' });
    assert.deepEqual(props.meta?.additionalProperties, {});
    assert.equal(schema.additionalProperties, false);
    assert.throws(() => toInputSchema('str', z.string() as never), /must be a z.object/);
  });

  it('derives a spec with timeouts and attempts from the effect', () => {
    const read = describeTool(
      defineTool({ ...base, input: z.object({ q: z.string() }), timeout: '2s', retries: 4 }),
    );
    assert.equal(read.timeoutMs, 2000);
    assert.equal(read.maxAttempts, 5);
    const unsafe = describeTool(
      defineTool({ ...base, effect: 'unsafe', input: z.object({ q: z.string() }) }),
    );
    assert.equal(unsafe.maxAttempts, 1);
    assert.equal(unsafe.timeoutMs, 30_000);
  });

  it('changes the schema hash when the input schema or effect changes, not the description', () => {
    const a = describeTool(defineTool({ ...base, input: z.object({ q: z.string() }) }));
    const b = describeTool(
      defineTool({ ...base, description: 'Other words.', input: z.object({ q: z.string() }) }),
    );
    const c = describeTool(defineTool({ ...base, input: z.object({ q: z.string(), r: z.number() }) }));
    const d = describeTool(defineTool({ ...base, effect: 'idempotent', input: z.object({ q: z.string() }) }));
    assert.equal(a.schemaHash, b.schemaHash);
    assert.notEqual(a.schemaHash, c.schemaHash);
    assert.notEqual(a.schemaHash, d.schemaHash);
  });

  it('refuses bad declarations with a message naming the tool and the fix', () => {
    const input = z.object({});
    assert.throws(() => describeTool({ ...base, name: 'has space', input }), /name must match/);
    assert.throws(
      () => describeTool({ ...base, description: ' ', input }),
      /tool "lookup": give a description/,
    );
    assert.throws(() => describeTool({ ...base, effect: 'maybe' as never, input }), /effect/);
    assert.throws(
      () => describeTool({ ...base, effect: 'unsafe', retries: 2, input }),
      /exactly one attempt/,
    );
    assert.throws(() => describeTool({ ...base, input, timeout: 'soon' as never }), /timeout/);
    assert.throws(() => describeTool({ ...base, input: { parse() {} } as never }), /zod object schema/);
    assert.throws(
      () =>
        createToolRegistry([
          { ...base, input },
          { ...base, input },
        ]),
      /two tools are named "lookup"/,
    );
  });
});
