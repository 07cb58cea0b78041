import { reject } from './errors';
import type { JsonObject } from './json';
import { at, cacheBreakpoint, rejectExtraFields, requireObject } from './json';
import type { MessagesRequestBody } from './types';
import { validateTextBlock } from './validate-blocks';
import { validateMessages } from './validate-messages';
import { validateOutputFormat } from './validate-output';
import { checkServerBlocks } from './validate-server-tools';
import { checkThinkingBlocks, validateThinking } from './validate-thinking';
import type { Provenance } from './provenance';
import { validateToolChoice, validateTools } from './validate-tools';

/** The two endpoints the fake serves; count_tokens takes the same body minus the generation settings. */
export type Endpoint = 'messages' | 'count_tokens';

const SHARED_FIELDS = [
  'model',
  'messages',
  'system',
  'tools',
  'tool_choice',
  'thinking',
  'mcp_servers',
  'context_management',
  'output_format',
  'output_config',
  'cache_control',
  'speed',
  'user_profile_id',
  'workspace_id',
];

const GENERATION_FIELDS = [
  'max_tokens',
  'stream',
  'temperature',
  'top_p',
  'top_k',
  'stop_sequences',
  'metadata',
  'service_tier',
  'container',
  'diagnostics',
  'inference_geo',
];

const MAX_CACHE_BREAKPOINTS = 4;
const MAX_USER_ID_CHARS = 256;

/** What validation knows beyond the body: the request's beta flags and what this server handed out before. */
interface RequestContext {
  betas?: readonly string[];
  /** Thinking signatures and server tool blocks this server played, checked when they come back. */
  provenance?: Provenance;
}

/** Validates a request body like the real API and returns it typed, or throws an `ApiRejection`. */
export function validateRequestBody(
  raw: unknown,
  endpoint: Endpoint,
  context: RequestContext = {},
): MessagesRequestBody {
  const body = requireObject(raw, '');
  rejectExtraFields(
    body,
    endpoint === 'messages' ? [...SHARED_FIELDS, ...GENERATION_FIELDS] : SHARED_FIELDS,
    '',
  );
  if (body['model'] === undefined) reject('model', 'Field required');
  if (typeof body['model'] !== 'string' || body['model'] === '') {
    reject('model', 'Input should be a non-empty string');
  }
  if (endpoint === 'messages') validateGenerationSettings(body);
  const thinkingEnabled = validateThinking(body, context.betas ?? []);
  let breakpoints = validateSystem(body['system']);
  const tools = validateTools(body['tools']);
  breakpoints += tools.breakpoints;
  validateToolChoice(body['tool_choice'], tools.names, thinkingEnabled);
  validateOutputFormat(body);
  breakpoints += validateMessages(body['messages'], tools.names.size > 0);
  if (context.provenance) {
    const messages = body['messages'] as MessagesRequestBody['messages'];
    checkThinkingBlocks(messages, context.provenance, thinkingEnabled);
    checkServerBlocks(messages, context.provenance);
  }
  // Top-level cache_control (automatic caching) takes one of the same four breakpoint slots.
  breakpoints += cacheBreakpoint(body, '');
  if (breakpoints > MAX_CACHE_BREAKPOINTS) {
    reject(
      '',
      `A maximum of ${MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. Found ${breakpoints}.`,
    );
  }
  return body as MessagesRequestBody;
}

function validateGenerationSettings(body: JsonObject): void {
  const maxTokens = body['max_tokens'];
  if (maxTokens === undefined) reject('max_tokens', 'Field required');
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens)) {
    reject('max_tokens', 'Input should be a valid integer');
  }
  if (maxTokens < 1) reject('max_tokens', 'Input should be greater than or equal to 1');
  if (body['stream'] !== undefined && typeof body['stream'] !== 'boolean') {
    reject('stream', 'Input should be a valid boolean');
  }
  numberInRange(body, 'temperature', 0, 1);
  numberInRange(body, 'top_p', 0, 1);
  const topK = body['top_k'];
  if (topK !== undefined && (typeof topK !== 'number' || !Number.isInteger(topK) || topK < 0)) {
    reject('top_k', 'Input should be a non-negative integer');
  }
  const stops = body['stop_sequences'];
  if (stops !== undefined && (!Array.isArray(stops) || stops.some((stop) => typeof stop !== 'string'))) {
    reject('stop_sequences', 'Input should be a valid list of strings');
  }
  if (Array.isArray(stops) && stops.some((stop) => !/\S/.test(stop as string))) {
    reject('stop_sequences', 'each stop sequence must contain non-whitespace');
  }
  if (body['metadata'] !== undefined) {
    const metadata = requireObject(body['metadata'], 'metadata');
    rejectExtraFields(metadata, ['user_id'], 'metadata');
    const userId = metadata['user_id'];
    if (userId !== undefined && userId !== null && typeof userId !== 'string') {
      reject('metadata.user_id', 'Input should be a valid string');
    }
    if (typeof userId === 'string' && userId.length > MAX_USER_ID_CHARS) {
      reject('metadata.user_id', `String should have at most ${MAX_USER_ID_CHARS} characters`);
    }
  }
  const tier = body['service_tier'];
  if (tier !== undefined && tier !== 'auto' && tier !== 'standard_only') {
    reject('service_tier', "Input should be 'auto' or 'standard_only'");
  }
}

// Every beta the API has shipped is named `<feature>-<yyyy>-<mm>-<dd>`; the real API refuses names it does
// not know, and a list of today's names would go stale, so the fake refuses what cannot be a beta name.
const BETA_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*-\d{4}-\d{2}-\d{2}$/;

/** Validates the `anthropic-beta` header (comma-separated flags) like the real API; returns its flags. */
export function validateBetaHeader(header: string | string[] | undefined): string[] {
  if (header === undefined) return [];
  const flags = (Array.isArray(header) ? header.join(',') : header).split(',').map((f) => f.trim());
  const unknown = flags.filter((flag) => !BETA_NAME.test(flag));
  if (unknown.length > 0) {
    reject(
      '',
      `Unexpected value(s) \`${unknown.join(', ')}\` for the \`anthropic-beta\` header. Please consult our documentation at docs.anthropic.com or try again without the header.`,
    );
  }
  return flags;
}

function numberInRange(body: JsonObject, key: string, min: number, max: number): void {
  const value = body[key];
  if (value === undefined) return;
  if (typeof value !== 'number' || Number.isNaN(value)) reject(key, 'Input should be a valid number');
  if (value < min) reject(key, `Input should be greater than or equal to ${min}`);
  if (value > max) reject(key, `Input should be less than or equal to ${max}`);
}

/** Returns the cache breakpoints set in the system blocks. */
function validateSystem(system: unknown): number {
  if (system === undefined || typeof system === 'string') return 0;
  if (!Array.isArray(system)) reject('system', 'Input should be a valid string or a list of text blocks');
  let breakpoints = 0;
  system.forEach((raw, index) => {
    const path = at('system', index);
    const block = requireObject(raw, path);
    if (block['type'] !== 'text') reject(at(path, 'type'), "Input should be 'text'");
    breakpoints += validateTextBlock(block, path);
  });
  return breakpoints;
}

/** The text of the first user message, which script routing matches against. */
export function firstUserText(body: MessagesRequestBody): string {
  const first = body.messages.find((message) => message.role === 'user');
  if (!first) return '';
  if (typeof first.content === 'string') return first.content;
  return first.content
    .filter((block) => block['type'] === 'text' && typeof block['text'] === 'string')
    .map((block) => String(block['text']))
    .join('\n');
}
