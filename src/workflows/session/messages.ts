// How a conversation's user content joins the messages that go to the next model call. Pure: no workers, no
// servers. The API wants the tool_result blocks first in the user message that follows a tool_use, and one user
// message per turn of the conversation, so new content is added to a user message still waiting to be sent
// rather than after it.
import type { ContentBlock, MessageParam } from '../../shared/messages';

/** `pending` with `blocks` added: after the last waiting user message's blocks, or as a new user message. */
export function withUserContent(pending: readonly MessageParam[], blocks: ContentBlock[]): MessageParam[] {
  const last = pending.at(-1);
  if (!last || last.role !== 'user') return [...pending, { role: 'user', content: blocks }];
  const before: ContentBlock[] =
    typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : last.content;
  return [...pending.slice(0, -1), { role: 'user', content: [...before, ...blocks] }];
}

/**
 * What of a failed turn's waiting messages the conversation must keep: the tool results that answer the
 * stored transcript's last tool calls (without them no later request is valid). The user's own words of that
 * turn are dropped with its failure: they may be what the API refused, and the failed send tells the person.
 */
export function keepToolResults(pending: readonly MessageParam[]): MessageParam[] {
  const first = pending[0];
  if (!first || first.role !== 'user' || typeof first.content === 'string') return [];
  const results = first.content.filter((b) => b.type === 'tool_result');
  return results.length > 0 ? [{ role: 'user', content: results }] : [];
}
