// Structured outputs: `output_config.format` (and the deprecated beta `output_format`) constrain the reply's text
// to a JSON Schema. The real API compiles that schema into a grammar, so it refuses what strict tools refuse, a
// schema that recurses, and models without the feature; the fake refuses the same requests. It also refuses to
// play a scripted reply the real API could not give under that format: text that is not JSON matching the schema.
import { Ajv2020 } from 'ajv/dist/2020';
import { supportsNativeOutput } from '../../shared/models';
import { reject } from './errors';
import type { JsonObject } from './json';
import { at, isObject, rejectExtraFields, requireObject } from './json';
import { isFault } from './reply';
import type { FakeFault, FakeReply, MessagesRequestBody } from './types';
import { validateStrictSchema } from './validate-strict';

const FEATURE = 'structured outputs';
const EFFORTS = ['low', 'medium', 'high', 'xhigh', 'max'];

/** Validates `output_config` and `output_format`; returns the output schema the request sets, if any. */
export function validateOutputFormat(body: JsonObject): JsonObject | undefined {
  let schema: JsonObject | undefined;
  const config = body['output_config'];
  if (config !== undefined) {
    const value = requireObject(config, 'output_config');
    rejectExtraFields(value, ['format', 'effort'], 'output_config');
    const effort = value['effort'];
    if (effort !== undefined && effort !== null && !EFFORTS.includes(effort as string)) {
      reject('output_config.effort', `Input should be ${EFFORTS.map((e) => `'${e}'`).join(', ')}`);
    }
    if (value['format'] !== undefined && value['format'] !== null) {
      schema = validateFormat(value['format'], 'output_config.format', body);
    }
  }
  if (body['output_format'] !== undefined && body['output_format'] !== null) {
    if (schema) reject('', 'Cannot specify both `output_format` and `output_config.format`.');
    schema = validateFormat(body['output_format'], 'output_format', body);
  }
  return schema;
}

function validateFormat(raw: unknown, path: string, body: JsonObject): JsonObject {
  const format = requireObject(raw, path);
  rejectExtraFields(format, ['type', 'schema'], path);
  if (format['type'] !== 'json_schema') reject(at(path, 'type'), "Input should be 'json_schema'");
  if (format['schema'] === undefined) reject(at(path, 'schema'), 'Field required');
  const schema = requireObject(format['schema'], at(path, 'schema'));
  const model = String(body['model']);
  if (!supportsNativeOutput(model)) {
    reject(path, `'${model}' does not support structured outputs (output format).`);
  }
  validateStrictSchema(schema, at(path, 'schema'), FEATURE);
  rejectRecursion(schema, at(path, 'schema'));
  return schema;
}

// A `$ref` to the schema itself or to a definition it is inside of makes the grammar infinite.
function rejectRecursion(root: JsonObject, path: string): void {
  const visit = (node: unknown, inside: string[]): void => {
    if (Array.isArray(node)) return node.forEach((item) => visit(item, inside));
    if (!isObject(node)) return;
    const ref = node['$ref'];
    if (typeof ref === 'string' && (ref === '#' || inside.includes(ref))) {
      reject(path, `Recursive schemas are not supported (${FEATURE}): ${ref}`);
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === 'enum' || key === 'const') continue;
      if ((key === '$defs' || key === 'definitions') && isObject(value)) {
        for (const [name, def] of Object.entries(value)) visit(def, [...inside, `#/${key}/${name}`]);
      } else visit(value, inside);
    }
  };
  visit(root, []);
}

/**
 * Why a scripted turn cannot answer a request with an output format, or undefined when it can: a final text reply
 * must be JSON that matches the schema sent (the API's constrained decoding guarantees it). Replies that stop for
 * another reason (max_tokens, refusal) or call tools are not held to it.
 */
export function outputMisfit(
  turn: FakeReply | FakeFault,
  body: MessagesRequestBody,
  schema: JsonObject | undefined,
  seq: number,
): string | undefined {
  if (!schema || isFault(turn)) return undefined;
  const blocks: JsonObject[] =
    typeof turn.content === 'string' ? [{ type: 'text', text: turn.content }] : turn.content;
  if (blocks.some((b) => b['type'] === 'tool_use')) return undefined;
  const stop = turn.stopReason ?? (turn.stopSequence !== undefined ? 'stop_sequence' : 'end_turn');
  if (stop !== 'end_turn') return undefined;
  const text = blocks
    .filter((b) => b['type'] === 'text')
    .map((b) => String(b['text']))
    .join('');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return `fake-claude: the turn for request #${seq} answers a request with an output format (model ${body.model}) with text that is not JSON: ${JSON.stringify(text.slice(0, 80))}`;
  }
  const validate = new Ajv2020({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
  if (validate(value)) return undefined;
  const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
  return `fake-claude: the turn for request #${seq} answers with JSON that the request's output schema forbids, which the real API never sends: ${problems.join('; ')}`;
}
