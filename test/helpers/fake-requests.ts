// Reading what the fake Claude received, for tests that check what a run sent the model.
import type { MessageParam, ToolResultBlock } from '../../src/shared';
import type { FakeClaude, RecordedRequest } from '../../src/testing';

/** The requests that the script with this `match` served, in order. */
export function servedBy(fake: FakeClaude, match: string): RecordedRequest[] {
  return fake.requests.filter((r) => r.match === match);
}

/** The tool_result blocks a request sent back in its last message, by tool_use id. */
export function toolResultsIn(request: RecordedRequest | undefined): Map<string, ToolResultBlock> {
  const messages = (request?.body as { messages: MessageParam[] }).messages;
  const blocks = messages[messages.length - 1]?.content as ToolResultBlock[];
  return new Map(blocks.map((b) => [b.tool_use_id, b]));
}

/** The tool_result blocks of the last request the script with this `match` served. */
export function lastToolResults(fake: FakeClaude, match: string): Map<string, ToolResultBlock> {
  return toolResultsIn(servedBy(fake, match).at(-1));
}
