// The run's output schema, outside the workflow: pinRun checks and normalizes it once (so a schema the API would
// refuse fails the run before any model call, saying what to change), and callClaude checks each answer against
// it with Ajv. Neither zod nor Ajv ever enters the workflow bundle.
import { transformJSONSchema } from '@anthropic-ai/sdk/lib/transform-json-schema';
import { Ajv2020 } from 'ajv/dist/2020';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { DEFAULT_OUTPUT_TOOL_NAME, supportsNativeOutput } from '../shared';
import type { ContentBlock, OutputCheck, OutputInput, PinnedOutput, ToolUseBlock } from '../shared';

type Schema = Record<string, unknown>;

/** What pinRun makes of the run's `output`: the stored part, or the problems that make the input invalid. */
type PinnedOutputResult = { ok: true; output: PinnedOutput } | { ok: false; problems: string[] };

/**
 * Normalizes the run's output schema and decides how the model gives its output. The rules are those of the
 * API's native structured outputs, applied on both paths so that whether a schema is accepted does not depend on
 * the model: the root is an object; every object is closed (`additionalProperties` left out becomes false);
 * `$ref`s are local and not recursive. Constraints the native form cannot enforce (minimum, maxLength, …) are
 * kept: the runtime checks them, and the native request carries them in descriptions.
 */
export function pinOutput(output: OutputInput, model: string): PinnedOutputResult {
  const schema = structuredClone(output.schema) as Schema;
  // The dialect is Ajv's (2020-12, what zod writes); naming another one would only make Ajv refuse the schema.
  delete schema.$schema;
  const problems: string[] = [];
  if (schema.type !== 'object') {
    problems.push(
      `output.schema: the root must be { "type": "object", … } (got type ${JSON.stringify(schema.type) ?? 'none'}); wrap other answers in an object property`,
    );
  }
  closeObjects(schema, 'output.schema', problems);
  problems.push(...refProblems(schema));
  if (problems.length > 0) return { ok: false, problems };
  try {
    compile(schema);
  } catch (err) {
    return {
      ok: false,
      problems: [`output.schema: is not a JSON Schema Ajv can compile: ${(err as Error).message}`],
    };
  }
  const name = output.name ?? DEFAULT_OUTPUT_TOOL_NAME;
  if (!supportsNativeOutput(model)) return { ok: true, output: { mode: 'tool', name, schema } };
  let format: Schema;
  try {
    format = transformJSONSchema(schema);
  } catch (err) {
    return {
      ok: false,
      problems: [
        `output.schema: ${(err as Error).message}; give every value a "type" (or an enum, const or anyOf)`,
      ],
    };
  }
  return { ok: true, output: { mode: 'native', name, schema, format } };
}

// Open objects cannot be expressed by the native form, and a missing `additionalProperties` would let the model
// invent keys on the tool path: both become closed, and an explicitly open one is refused with what to use instead.
function closeObjects(node: unknown, path: string, problems: string[]): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => closeObjects(item, `${path}.${i}`, problems));
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const schema = node as Schema;
  const isObject =
    schema.type === 'object' ||
    (Array.isArray(schema.type) && schema.type.includes('object')) ||
    'properties' in schema;
  if (isObject) {
    if (schema.additionalProperties === undefined) schema.additionalProperties = false;
    else if (schema.additionalProperties !== false) {
      problems.push(
        `${path}: additionalProperties must be false or left out (structured output takes closed objects only); for a map, use an array of { key, value } objects`,
      );
    }
  }
  if ('patternProperties' in schema) {
    problems.push(`${path}: patternProperties is not supported; list the properties by name`);
  }
  for (const [key, value] of Object.entries(schema)) {
    // Values of these keywords are data, not schemas.
    if (key === 'enum' || key === 'const' || key === 'default' || key === 'examples') continue;
    closeObjects(value, `${path}.${key}`, problems);
  }
}

// Only `#/…` references inside the schema, and none that reaches back to itself: the native form compiles the
// schema into a grammar, which cannot recurse.
function refProblems(root: Schema): string[] {
  const problems: string[] = [];
  const resolve = (ref: string): unknown =>
    ref
      .slice(2)
      .split('/')
      .filter((p) => p !== '')
      .reduce<unknown>(
        (at, part) =>
          at && typeof at === 'object'
            ? (at as Schema)[part.replaceAll('~1', '/').replaceAll('~0', '~')]
            : undefined,
        root,
      );
  const visit = (node: unknown, stack: string[]): void => {
    if (Array.isArray(node)) return node.forEach((item) => visit(item, stack));
    if (node === null || typeof node !== 'object') return;
    const schema = node as Schema;
    const ref = schema.$ref;
    if (typeof ref === 'string') {
      if (ref !== '#' && !ref.startsWith('#/')) {
        problems.push(`output.schema: $ref "${ref}" points outside the schema; put the definition in $defs`);
      } else if (ref === '#' || stack.includes(ref)) {
        problems.push(
          `output.schema: $ref "${ref}" makes the schema recursive, which structured output does not support; flatten it to a fixed depth`,
        );
      } else {
        const target = resolve(ref);
        if (target === undefined)
          problems.push(`output.schema: $ref "${ref}" points to nothing in the schema`);
        else visit(target, [...stack, ref]);
      }
    }
    for (const [key, value] of Object.entries(schema)) {
      if (key === 'enum' || key === 'const' || key === '$defs' || key === 'definitions') continue;
      visit(value, stack);
    }
  };
  visit(root, []);
  return [...new Set(problems)];
}

function compile(schema: Schema): ValidateFunction {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

// Compiling is the costly part; a worker serves many calls of the same few runs.
const validators = new Map<string, ValidateFunction>();
const MAX_VALIDATORS = 100;

function validatorFor(key: string, schema: Schema): ValidateFunction {
  let validate = validators.get(key);
  if (!validate) {
    validate = compile(schema);
    if (validators.size >= MAX_VALIDATORS) validators.delete(validators.keys().next().value as string);
    validators.set(key, validate);
  }
  return validate;
}

const MAX_PROBLEMS = 10;

/** One line per way `value` fails the schema (at most ten and a count); empty when it matches. */
export function outputProblems(output: PinnedOutput, value: unknown, cacheKey: string): string[] {
  const validate = validatorFor(cacheKey, output.schema);
  if (validate(value)) return [];
  const lines = (validate.errors ?? []).map(describe);
  const unique = [...new Set(lines)];
  return unique.length > MAX_PROBLEMS
    ? [...unique.slice(0, MAX_PROBLEMS), `… and ${unique.length - MAX_PROBLEMS} more problems`]
    : unique;
}

function describe(error: ErrorObject): string {
  const where = error.instancePath === '' ? 'the output' : error.instancePath.slice(1).replaceAll('/', '.');
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties')
    return `${where}: has the property "${String(params.additionalProperty)}", which the schema does not allow`;
  if (error.keyword === 'required')
    return `${where}: is missing the required property "${String(params.missingProperty)}"`;
  if (error.keyword === 'enum') return `${where}: must be one of ${JSON.stringify(params.allowedValues)}`;
  return `${where}: ${error.message ?? 'is invalid'}`;
}

/**
 * The answer a reply holds, checked: on the tool path the first call of the output tool; on the native path the
 * reply's text, when the reply calls no tool (then it is the model's final answer, JSON by the API's contract).
 */
export function checkOutput(
  output: PinnedOutput,
  content: ContentBlock[],
  text: string,
  cacheKey: string,
): OutputCheck | undefined {
  const calls = content.filter((b): b is ToolUseBlock => b.type === 'tool_use');
  if (output.mode === 'tool') {
    const call = calls.find((c) => c.name === output.name);
    if (!call) return undefined;
    return {
      source: { kind: 'tool', toolUseId: call.id },
      problems: outputProblems(output, call.input, cacheKey),
    };
  }
  if (calls.length > 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return {
      source: { kind: 'text' },
      problems: [`the reply is not JSON (${(err as Error).message}); answer with the JSON object only`],
    };
  }
  return { source: { kind: 'text' }, problems: outputProblems(output, value, cacheKey) };
}
