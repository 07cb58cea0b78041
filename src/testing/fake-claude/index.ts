/**
 * A strict fake of the Anthropic Messages API for testing agents without a network or an API key.
 *
 * ```ts
 * const fake = await startFakeClaude();
 * fake.script([
 *   { content: [{ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } }] },
 *   { content: 'It is sunny in Paris.' },
 * ]);
 * const client = new Anthropic({ apiKey: 'test', baseURL: fake.url });
 * // ... run the agent against `client` (or set ANTHROPIC_BASE_URL=fake.url) ...
 * fake.assertAllConsumed();
 * await fake.close();
 * ```
 *
 * Requests the real API would refuse (a tool_use without its tool_result, an empty text block, an unknown
 * field, ...) get the same 400 the real API sends, so agent bugs surface in tests instead of in production.
 */
export { startFakeClaude } from './server';
export type {
  FakeClaude,
  FakeContentBlock,
  FakeFault,
  FakeReply,
  FakeTurn,
  MessagesRequestBody,
  RecordedRequest,
  RequestMessage,
  StartFakeClaudeOptions,
} from './types';
