// Integration tests: a real Temporal dev server, a worker in this process, the fake Claude over real HTTP. A run
// with `output: { schema }` ends only with an object the runtime validated against the schema: through the API's
// native structured output where the model has it, through the forced output tool where it does not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { RunFailedError, runWithOutput } from '../../src/client';
import type { MessageParam, ToolResultBlock } from '../../src/shared';
import type { RecordedRequest } from '../../src/testing';
import { useTestEnv } from '../helpers/env';
import { servedBy, toolResultsIn } from '../helpers/fake-requests';
import { executions, transfer, weather } from '../helpers/tools';

const env = useTestEnv([weather, transfer]);

// claude-3-7-sonnet has no native structured output (forced-tool path); claude-sonnet-4-6 has it.
const TOOL_MODEL = 'claude-3-7-sonnet-20250219';
const NATIVE_MODEL = 'claude-sonnet-4-6';

const schema = {
  type: 'object',
  properties: {
    warmest: { type: 'string' },
    celsius: { type: 'number', minimum: -90, maximum: 60 },
  },
  required: ['warmest', 'celsius'],
};

interface Body {
  tools?: Array<{ name: string; input_schema: Record<string, unknown> }>;
  tool_choice?: Record<string, unknown>;
  output_config?: { format: { type: string; schema: Record<string, unknown> } };
  messages: MessageParam[];
}

const bodyOf = (request: RecordedRequest | undefined): Body => request?.body as Body;

const lastMessage = (request: RecordedRequest | undefined): MessageParam | undefined =>
  bodyOf(request).messages.at(-1);

describe('structured output', () => {
  it('forced-tool path: gives a validated output after two tool calls', async () => {
    env.fake.script(
      [
        { content: [{ type: 'tool_use', name: 'get_weather', input: { city: 'Oslo' } }] },
        { content: [{ type: 'tool_use', name: 'get_weather', input: { city: 'Rome' } }] },
        {
          content: [
            { type: 'text', text: 'Rome is warmer.' },
            { type: 'tool_use', name: 'final_output', input: { warmest: 'Rome', celsius: 21 } },
          ],
        },
      ],
      { match: 'Warmest of Oslo and Rome (tool)' },
    );
    const result = await env.run({
      prompt: 'Warmest of Oslo and Rome (tool)?',
      model: TOOL_MODEL,
      output: { schema },
    });

    assert.equal(result.status, 'completed');
    assert.deepEqual(result.output, { warmest: 'Rome', celsius: 21 });
    assert.equal(result.text, 'Rome is warmer.');
    assert.equal(result.toolCalls.length, 2, 'the output tool is not a tool call of the ledger');
    const requests = servedBy(env.fake, 'Warmest of Oslo and Rome (tool)');
    assert.equal(requests.length, 3);
    for (const request of requests) {
      const body = bodyOf(request);
      assert.equal(body.output_config, undefined);
      const tool = body.tools?.find((t) => t.name === 'final_output');
      assert.equal(tool?.input_schema.additionalProperties, false, 'the output tool takes a closed object');
      assert.deepEqual(body.tool_choice, { type: 'auto' }, 'the model is free to call other tools first');
    }
  });

  it('native path: sends the schema as output_config and takes the JSON answer after two tool calls', async () => {
    env.fake.script(
      [
        { content: [{ type: 'tool_use', name: 'get_weather', input: { city: 'Oslo' } }] },
        { content: [{ type: 'tool_use', name: 'get_weather', input: { city: 'Rome' } }] },
        { content: '{"warmest":"Rome","celsius":21}' },
      ],
      { match: 'Warmest of Oslo and Rome (native)' },
    );
    const result = await env.run({
      prompt: 'Warmest of Oslo and Rome (native)?',
      model: NATIVE_MODEL,
      output: { schema },
    });

    assert.equal(result.status, 'completed');
    assert.deepEqual(result.output, { warmest: 'Rome', celsius: 21 });
    const requests = servedBy(env.fake, 'Warmest of Oslo and Rome (native)');
    assert.equal(requests.length, 3);
    for (const request of requests) {
      const body = bodyOf(request);
      const sent = body.output_config?.format;
      assert.equal(sent?.type, 'json_schema');
      assert.equal(sent?.schema.additionalProperties, false);
      const celsius = (sent?.schema.properties as Record<string, Record<string, unknown>>).celsius;
      // The native form cannot take minimum/maximum: they travel in the description, and the runtime checks them.
      assert.equal(celsius?.minimum, undefined);
      assert.match(String(celsius?.description), /minimum: -90/);
      assert.equal(
        body.tools?.some((t) => t.name === 'final_output'),
        false,
      );
    }
  });

  it('sends an invalid output back as an is_error tool_result naming each problem, then accepts the corrected one', async () => {
    env.fake.script(
      [
        {
          content: [{ type: 'tool_use', id: 'toolu_out_1', name: 'final_output', input: { celsius: 210 } }],
        },
        { content: [{ type: 'tool_use', name: 'final_output', input: { warmest: 'Rome', celsius: 21 } }] },
      ],
      { match: 'Corrected once (tool)' },
    );
    const result = await env.run({ prompt: 'Corrected once (tool)', model: TOOL_MODEL, output: { schema } });

    assert.equal(result.status, 'completed');
    assert.deepEqual(result.output, { warmest: 'Rome', celsius: 21 });
    const requests = servedBy(env.fake, 'Corrected once (tool)');
    assert.equal(requests.length, 2);
    const feedback = toolResultsIn(requests[1]).get('toolu_out_1') as ToolResultBlock;
    assert.equal(feedback.is_error, true);
    assert.match(String(feedback.content), /missing the required property "warmest"/);
    assert.match(String(feedback.content), /celsius: must be <= 60/);
    // The answering turn after an invalid output forces the output tool.
    assert.deepEqual(bodyOf(requests[1]).tool_choice, { type: 'tool', name: 'final_output' });
  });

  it('native path: sends an invalid answer back as a user message, then accepts the corrected one', async () => {
    env.fake.script(
      [{ content: '{"warmest":"Rome","celsius":99}' }, { content: '{"warmest":"Rome","celsius":21}' }],
      { match: 'Corrected once (native)' },
    );
    const result = await env.run({
      prompt: 'Corrected once (native)',
      model: NATIVE_MODEL,
      output: { schema },
    });

    assert.equal(result.status, 'completed');
    assert.deepEqual(result.output, { warmest: 'Rome', celsius: 21 });
    const requests = servedBy(env.fake, 'Corrected once (native)');
    assert.equal(requests.length, 2);
    const feedback = lastMessage(requests[1]);
    assert.equal(feedback?.role, 'user');
    assert.match(JSON.stringify(feedback?.content), /celsius: must be <= 60/);
  });

  it('runWithOutput sends a zod outputSchema as JSON Schema and returns the output parsed by it', async () => {
    const Answer = z.object({
      warmest: z.string(),
      celsius: z.number().max(60),
      note: z.string().default('none'),
    });
    env.fake.script(
      [{ content: [{ type: 'tool_use', name: 'final_output', input: { warmest: 'Rome', celsius: 21 } }] }],
      { match: 'Typed output' },
    );
    const result = await runWithOutput(
      env.client,
      { prompt: 'Typed output', model: TOOL_MODEL, outputSchema: Answer },
      { taskQueue: env.taskQueue },
    );

    const note: string | undefined = result.output?.note;
    assert.equal(note, 'none', 'the zod default applies: the output is parsed by the schema');
    assert.deepEqual(result.output, { warmest: 'Rome', celsius: 21, note: 'none' });
    const sent = bodyOf(servedBy(env.fake, 'Typed output')[0]).tools?.find((t) => t.name === 'final_output');
    assert.deepEqual(sent?.input_schema.required, ['warmest', 'celsius']);
    assert.equal(sent?.input_schema.additionalProperties, false);
  });

  it('fails InvalidOutput when the output is invalid three times', async () => {
    const invalid = { content: [{ type: 'tool_use', name: 'final_output', input: { warmest: 'Rome' } }] };
    env.fake.script([invalid, invalid, invalid], { match: 'Never valid' });
    await assert.rejects(
      env.run({ prompt: 'Never valid', model: TOOL_MODEL, output: { schema } }),
      (err: unknown) => {
        assert.ok(err instanceof RunFailedError);
        assert.equal(err.type, 'InvalidOutput');
        assert.match(err.message, /3 times/);
        assert.match(err.message, /missing the required property "celsius"/);
        return true;
      },
    );
    assert.equal(servedBy(env.fake, 'Never valid').length, 3);
  });

  it('asks for the output with the tool forced when the model ends its turn without it', async () => {
    env.fake.script(
      [
        { content: 'Rome is warmest, 21°C.' },
        { content: [{ type: 'tool_use', name: 'report', input: { warmest: 'Rome', celsius: 21 } }] },
      ],
      { match: 'Ended without output' },
    );
    const result = await env.run({
      prompt: 'Ended without output',
      model: TOOL_MODEL,
      output: { schema, name: 'report', description: 'The warmest city and its temperature.' },
    });

    assert.equal(result.status, 'completed');
    assert.deepEqual(result.output, { warmest: 'Rome', celsius: 21 });
    const requests = servedBy(env.fake, 'Ended without output');
    assert.equal(
      bodyOf(requests[0]).tools?.find((t) => t.name === 'report') !== undefined,
      true,
      'the output tool carries the name the run gave',
    );
    assert.deepEqual(bodyOf(requests[1]).tool_choice, { type: 'tool', name: 'report' });
    assert.match(JSON.stringify(lastMessage(requests[1])?.content), /calling the report tool/);
  });

  it('the iteration cap forces the output tool on the last turn instead of tool_choice none', async () => {
    env.fake.script(
      [
        { content: [{ type: 'tool_use', name: 'get_weather', input: { city: 'Oslo' } }] },
        { content: [{ type: 'tool_use', name: 'final_output', input: { warmest: 'Oslo', celsius: 21 } }] },
      ],
      { match: 'Capped run' },
    );
    const result = await env.run({
      prompt: 'Capped run',
      model: TOOL_MODEL,
      output: { schema },
      limits: { maxIterations: 2 },
    });

    const requests = servedBy(env.fake, 'Capped run');
    assert.equal(requests.length, 2);
    assert.deepEqual(bodyOf(requests[0]).tool_choice, { type: 'auto' });
    assert.deepEqual(bodyOf(requests[1]).tool_choice, { type: 'tool', name: 'final_output' });
    assert.deepEqual(result.output, { warmest: 'Oslo', celsius: 21 });
    assert.equal(result.status, 'iteration_limit');
  });

  it('with thinking on, asks for the output with tool_choice auto and an instruction, never forcing the tool', async () => {
    env.fake.script(
      [
        {
          content: [
            { type: 'thinking', thinking: 'I should look up Oslo first.' },
            { type: 'tool_use', name: 'get_weather', input: { city: 'Oslo' } },
          ],
        },
        {
          content: [
            { type: 'thinking', thinking: 'Now I answer with the output tool.' },
            { type: 'tool_use', name: 'final_output', input: { warmest: 'Oslo', celsius: 4 } },
          ],
        },
      ],
      { match: 'Capped thinking run' },
    );
    const result = await env.run({
      prompt: 'Capped thinking run',
      model: TOOL_MODEL,
      output: { schema },
      thinking: { type: 'enabled', budgetTokens: 1024 },
      limits: { maxIterations: 2, maxTokens: 4096 },
    });

    const requests = servedBy(env.fake, 'Capped thinking run');
    assert.deepEqual(
      requests.map((r) => r.response.status),
      [200, 200],
      'the API would refuse a forced tool with thinking on',
    );
    for (const request of requests) assert.deepEqual(bodyOf(request).tool_choice, { type: 'auto' });
    const last = lastMessage(requests[1]);
    const texts = Array.isArray(last?.content) ? last.content.filter((b) => b.type === 'text') : [];
    assert.match(JSON.stringify(texts), /call the final_output tool now/);
    assert.deepEqual(result.output, { warmest: 'Oslo', celsius: 4 });
  });

  it('does not run the other tool calls of the reply that gives a valid output', async () => {
    const before = executions.filter((e) => e.tool === 'send_transfer').length;
    env.fake.script(
      [
        {
          content: [
            { type: 'tool_use', name: 'final_output', input: { warmest: 'Rome', celsius: 21 } },
            { type: 'tool_use', id: 'toolu_transfer', name: 'send_transfer', input: { cents: 100 } },
          ],
        },
      ],
      { match: 'Output with a transfer' },
    );
    const result = await env.run({ prompt: 'Output with a transfer', model: TOOL_MODEL, output: { schema } });

    assert.equal(result.status, 'completed');
    assert.deepEqual(result.output, { warmest: 'Rome', celsius: 21 });
    assert.equal(executions.filter((e) => e.tool === 'send_transfer').length, before);
    assert.deepEqual(
      result.toolCalls.map((c) => [c.toolUseId, c.status]),
      [['toolu_transfer', 'skipped']],
    );
  });

  it('rejects an output schema the API would refuse, saying what to change, before any model call', async () => {
    const requestsBefore = env.fake.requests.length;
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [
        {
          type: 'object',
          properties: { tags: { type: 'object', additionalProperties: { type: 'string' } } },
        },
        /output\.schema\.properties\.tags: additionalProperties must be false or left out/,
      ],
      [{ type: 'array', items: { type: 'string' } }, /the root must be \{ "type": "object"/],
      [
        {
          type: 'object',
          properties: { node: { $ref: '#/$defs/node' } },
          $defs: { node: { type: 'object', properties: { next: { $ref: '#/$defs/node' } } } },
        },
        /makes the schema recursive/,
      ],
    ];
    for (const [bad, message] of cases) {
      await assert.rejects(
        env.run({ prompt: 'Bad schema', model: NATIVE_MODEL, output: { schema: bad } }),
        (err: unknown) => {
          assert.ok(err instanceof RunFailedError);
          assert.equal(err.type, 'InvalidAgentInput');
          assert.match(err.message, message);
          return true;
        },
      );
    }
    await assert.rejects(
      env.run({ prompt: 'Bad name', model: TOOL_MODEL, output: { schema, name: 'get_weather' } }),
      /output\.name: "get_weather" is already the name of one of the run's tools/,
    );
    await assert.rejects(
      env.run({ prompt: 'Bad name', output: { schema, name: 'final answer' } }),
      /output\.name: the output name must be 1 to 64 letters/,
    );
    assert.equal(env.fake.requests.length, requestsBefore, 'no model call was made');
  });

  it('the fake refuses what the API refuses: open output schemas, recursion, unsupported models, forced tools with thinking', async () => {
    const post = async (body: Record<string, unknown>) => {
      const response = await fetch(`${env.fake.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], ...body }),
      });
      return {
        status: response.status,
        body: (await response.json()) as { error: { type: string; message: string } },
      };
    };
    const format = (s: Record<string, unknown>) => ({ format: { type: 'json_schema', schema: s } });
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [
        { model: NATIVE_MODEL, output_config: format({ type: 'object', properties: {} }) },
        /output_config\.format\.schema: For 'object' type, 'additionalProperties' must be explicitly set to false \(structured outputs\)/,
      ],
      [
        {
          model: NATIVE_MODEL,
          output_config: format({
            type: 'object',
            additionalProperties: false,
            properties: { n: { type: 'integer', minimum: 1 } },
          }),
        },
        /property 'minimum' is not supported \(structured outputs\)/,
      ],
      [
        {
          model: NATIVE_MODEL,
          output_config: format({
            type: 'object',
            additionalProperties: false,
            properties: { n: { $ref: '#/$defs/n' } },
            $defs: {
              n: { type: 'object', additionalProperties: false, properties: { m: { $ref: '#/$defs/n' } } },
            },
          }),
        },
        /Recursive schemas are not supported/,
      ],
      [
        { model: TOOL_MODEL, output_config: format({ type: 'object', additionalProperties: false }) },
        /does not support structured outputs/,
      ],
      [
        {
          model: NATIVE_MODEL,
          thinking: { type: 'enabled', budget_tokens: 1024 },
          max_tokens: 2000,
          tools: [{ name: 't', input_schema: { type: 'object' } }],
          tool_choice: { type: 'tool', name: 't' },
        },
        /Thinking may not be enabled when tool_choice forces tool use/,
      ],
    ];
    for (const [body, message] of cases) {
      const answer = await post(body);
      assert.equal(answer.status, 400);
      assert.equal(answer.body.error.type, 'invalid_request_error');
      assert.match(answer.body.error.message, message);
    }
  });
});
