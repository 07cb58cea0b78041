// Unit tests of structured output's pure parts: no workers, no servers. pinRun's schema checks and normalization,
// the answer check, the model table, and when the workflow forces the output (also with thinking on).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkOutput, outputProblems, pinOutput } from '../../src/activities/output-schema';
import { supportsNativeOutput } from '../../src/shared';
import type { PinnedOutput, RunPlan } from '../../src/shared';
import { outputTurn, withInstruction } from '../../src/workflows/output';
import { freshState } from '../../src/workflows/run-state';

const schema = {
  type: 'object',
  properties: { city: { type: 'string' }, celsius: { type: 'number', minimum: -90 } },
  required: ['city', 'celsius'],
};

function pinned(model: string, s: Record<string, unknown> = schema): PinnedOutput {
  const result = pinOutput({ schema: s }, model);
  if (!result.ok) throw new Error(result.problems.join('; '));
  return result.output;
}

const problemsOf = (s: Record<string, unknown>): string[] => {
  const result = pinOutput({ schema: s }, 'claude-sonnet-4-6');
  return result.ok ? [] : result.problems;
};

describe('output schema checks (pinRun)', () => {
  it('closes objects that leave additionalProperties out, nested ones too', () => {
    const out = pinned('claude-3-7-sonnet-20250219', {
      type: 'object',
      properties: { place: { type: 'object', properties: { name: { type: 'string' } } } },
    });
    assert.equal(out.schema.additionalProperties, false);
    const place = (out.schema.properties as Record<string, Record<string, unknown>>).place;
    assert.equal(place?.additionalProperties, false);
  });

  it('refuses open objects, a non-object root, external and recursive $refs, saying what to change', () => {
    assert.match(
      problemsOf({ type: 'object', properties: { m: { type: 'object', additionalProperties: true } } })[0] ??
        '',
      /output\.schema\.properties\.m: additionalProperties must be false or left out.*array of \{ key, value \}/,
    );
    assert.match(problemsOf({ type: 'string' })[0] ?? '', /the root must be \{ "type": "object"/);
    assert.match(
      problemsOf({ type: 'object', properties: { a: { $ref: 'https://example.com/a.json' } } })[0] ?? '',
      /points outside the schema; put the definition in \$defs/,
    );
    assert.match(
      problemsOf({ type: 'object', properties: { self: { $ref: '#' } } })[0] ?? '',
      /makes the schema recursive/,
    );
    assert.match(
      problemsOf({ type: 'object', properties: { a: { $ref: '#/$defs/missing' } } })[0] ?? '',
      /points to nothing in the schema/,
    );
    assert.match(
      problemsOf({ type: 'object', properties: { a: { type: 'wat' } } })[0] ?? '',
      /is not a JSON Schema Ajv can compile/,
    );
  });

  it('accepts a non-recursive local $ref', () => {
    assert.deepEqual(
      problemsOf({
        type: 'object',
        properties: { a: { $ref: '#/$defs/p' }, b: { $ref: '#/$defs/p' } },
        $defs: { p: { type: 'object', properties: { x: { type: 'number' } } } },
      }),
      [],
    );
  });

  it('chooses the native path for models in the table, moving unsupported constraints into descriptions', () => {
    const native = pinned('claude-sonnet-4-6');
    assert.equal(native.mode, 'native');
    const celsius = (native.format?.properties as Record<string, Record<string, unknown>>).celsius;
    assert.equal(celsius?.minimum, undefined);
    assert.match(String(celsius?.description), /minimum: -90/);
    // The runtime still checks the constraint.
    assert.equal((native.schema.properties as Record<string, Record<string, unknown>>).celsius?.minimum, -90);
    const tool = pinned('claude-3-5-haiku-20241022');
    assert.equal(tool.mode, 'tool');
    assert.equal(tool.name, 'final_output');
    assert.equal(tool.format, undefined);
  });

  it('knows which model families take output_config.format', () => {
    assert.equal(supportsNativeOutput('claude-sonnet-4-5-20250929'), true);
    assert.equal(supportsNativeOutput('claude-opus-4-6'), true);
    assert.equal(supportsNativeOutput('claude-haiku-4-5'), true);
    assert.equal(supportsNativeOutput('claude-sonnet-4-20250514'), false);
    assert.equal(supportsNativeOutput('claude-3-7-sonnet-20250219'), false);
    assert.equal(supportsNativeOutput('claude-opus-4-50'), false);
  });
});

describe('output answer checks (callClaude)', () => {
  it('names each problem of an invalid output', () => {
    const out = pinned('claude-3-7-sonnet-20250219');
    assert.deepEqual(outputProblems(out, { celsius: -100, extra: 1 }, 'k1'), [
      'the output: is missing the required property "city"',
      'the output: has the property "extra", which the schema does not allow',
      'celsius: must be >= -90',
    ]);
    assert.deepEqual(outputProblems(out, { city: 'Oslo', celsius: 3 }, 'k1'), []);
  });

  it('finds the answer in the output tool call (tool path) or the final JSON text (native path)', () => {
    const tool = pinned('claude-3-7-sonnet-20250219');
    const call = {
      type: 'tool_use',
      id: 'toolu_1',
      name: 'final_output',
      input: { city: 'Oslo', celsius: 3 },
    };
    assert.deepEqual(checkOutput(tool, [call], '', 'k2'), {
      source: { kind: 'tool', toolUseId: 'toolu_1' },
      problems: [],
    });
    assert.equal(checkOutput(tool, [{ type: 'text', text: 'hi' }], 'hi', 'k2'), undefined);

    const native = pinned('claude-sonnet-4-6');
    assert.deepEqual(checkOutput(native, [], '{"city":"Oslo","celsius":3}', 'k3'), {
      source: { kind: 'text' },
      problems: [],
    });
    assert.match(checkOutput(native, [], 'Oslo, 3°C', 'k3')?.problems[0] ?? '', /the reply is not JSON/);
    assert.equal(checkOutput(native, [{ ...call, name: 'get_weather' }], '', 'k3'), undefined);
  });
});

describe('when the workflow asks for the output', () => {
  const plan = (extra: Record<string, unknown>): RunPlan =>
    ({ output: { mode: 'tool', name: 'final_output' }, ...extra }) as unknown as RunPlan;

  it('forces the output tool on the last turn and after an invalid or missing output', () => {
    const state = freshState();
    assert.equal(outputTurn(plan({}), state, false), undefined);
    assert.deepEqual(outputTurn(plan({}), state, true), {
      toolChoice: { type: 'tool', name: 'final_output' },
    });
    state.outputDue = true;
    assert.deepEqual(outputTurn(plan({}), state, false), {
      toolChoice: { type: 'tool', name: 'final_output' },
    });
  });

  it('never forces a tool with thinking on: auto, and an instruction on the last turn', () => {
    const thinking = plan({ requestParams: { thinking: { type: 'enabled', budgetTokens: 2048 } } });
    // Thinking turned off explicitly forces the output tool as with no thinking at all.
    const off = plan({ requestParams: { thinking: { type: 'disabled' } } });
    assert.deepEqual(outputTurn(off, freshState(), true), {
      toolChoice: { type: 'tool', name: 'final_output' },
    });
    const turn = outputTurn(thinking, freshState(), true);
    assert.deepEqual(turn?.toolChoice, { type: 'auto' });
    assert.match(turn?.instruction ?? '', /call the final_output tool now/);
  });

  it('never forces on the native path', () => {
    const native = { output: { mode: 'native', name: 'final_output' } } as unknown as RunPlan;
    assert.equal(outputTurn(native, freshState(), true), undefined);
  });

  it('adds the instruction after the tool results of the last user turn', () => {
    const pending = withInstruction(
      [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'ok' }] }],
      'answer now',
    );
    assert.deepEqual(pending, [
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't', content: 'ok' },
          { type: 'text', text: 'answer now' },
        ],
      },
    ]);
  });
});
