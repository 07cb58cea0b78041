// The Messages API's extended thinking rules: the `thinking` setting and what it forbids alongside it, and the
// thinking blocks sent back, which must carry the signature the API gave them and must not be dropped from the
// assistant turn whose tool calls the request answers.
import { reject } from './errors';
import type { JsonObject } from './json';
import { at, requireObject } from './json';
import type { Provenance } from './provenance';
import { canonical, isThinking } from './provenance';
import type { RequestMessage } from './types';

const INTERLEAVED_BETA = 'interleaved-thinking-2025-05-14';
const DOCS =
  'Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking';

/** Validates `thinking` and the settings it restricts; returns whether the model will think. */
export function validateThinking(body: JsonObject, betas: readonly string[]): boolean {
  const thinking = body['thinking'];
  if (thinking === undefined) return false;
  const value = requireObject(thinking, 'thinking');
  const type = value['type'];
  if (type === 'disabled') return false;
  if (type !== 'enabled' && type !== 'adaptive') {
    reject(
      'thinking',
      `Input tag '${String(type)}' found using 'type' does not match any of the expected tags: 'adaptive', 'disabled', 'enabled'`,
    );
  }
  if (type === 'enabled') {
    const budget = value['budget_tokens'];
    if (typeof budget !== 'number' || !Number.isInteger(budget)) {
      reject('thinking.enabled.budget_tokens', 'Input should be a valid integer');
    }
    if (budget < 1024)
      reject('thinking.enabled.budget_tokens', 'Input should be greater than or equal to 1024');
    const maxTokens = body['max_tokens'];
    // With interleaved thinking the budget spans every thinking block of the turn, so it may exceed max_tokens.
    if (typeof maxTokens === 'number' && maxTokens <= budget && !betas.includes(INTERLEAVED_BETA)) {
      reject('max_tokens', 'max_tokens must be greater than thinking.budget_tokens');
    }
  }
  const temperature = body['temperature'];
  if (temperature !== undefined && temperature !== 1)
    reject('', `\`temperature\` may only be set to 1 when thinking is enabled. ${DOCS}`);
  if (body['top_k'] !== undefined) reject('', `\`top_k\` is not supported when thinking is enabled. ${DOCS}`);
  const topP = body['top_p'];
  if (typeof topP === 'number' && topP < 0.95)
    reject('', `\`top_p\` must be greater than or equal to 0.95 or unset when thinking is enabled. ${DOCS}`);
  return true;
}

/**
 * Checks the thinking blocks of the request's messages: each one signed by this server, and, with thinking on,
 * the assistant turn with the latest tool calls still holding every thinking block it was played with.
 */
export function checkThinkingBlocks(
  messages: RequestMessage[],
  provenance: Provenance,
  thinkingOn: boolean,
): void {
  messages.forEach((message, index) => {
    if (typeof message.content === 'string') return;
    message.content.forEach((block, blockIndex) => {
      if (!isThinking(block)) return;
      const path = at(at(at('messages', index), 'content'), blockIndex);
      if (message.role !== 'assistant')
        reject(path, `\`${String(block['type'])}\` blocks may only appear in assistant messages`);
      if (block['type'] === 'thinking' && !provenance.signed(block))
        reject(path, 'Invalid `signature` in `thinking` block');
      if (block['type'] === 'redacted_thinking' && !provenance.sealed(block))
        reject(path, 'Invalid `data` in `redacted_thinking` block');
    });
  });
  if (thinkingOn) checkLastToolTurn(messages, provenance);
}

function hasToolUse(message: RequestMessage | undefined): boolean {
  return (
    message?.role === 'assistant' &&
    typeof message.content !== 'string' &&
    message.content.some((block) => block['type'] === 'tool_use')
  );
}

function checkLastToolTurn(messages: RequestMessage[], provenance: Provenance): void {
  let index = messages.length - 1;
  while (index >= 0 && !hasToolUse(messages[index])) index -= 1;
  const message = messages[index];
  if (!message || typeof message.content === 'string') return;
  const expected = message.content
    .filter((block) => block['type'] === 'tool_use')
    .map((block) => provenance.thinkingBefore(String(block['id'])))
    .find((blocks) => blocks !== undefined);
  if (!expected) return;
  const sent = message.content.filter(isThinking).map(canonical);
  const first = message.content[0];
  const path = at(at('messages', index), 'content');
  if (!first || !isThinking(first)) {
    reject(
      at(at(path, 0), 'type'),
      `Expected \`thinking\` or \`redacted_thinking\`, but found \`${String(first?.['type'])}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. ${DOCS}`,
    );
  }
  if (sent.length !== expected.length || sent.some((block, i) => block !== expected[i])) {
    reject(
      path,
      `The thinking blocks of this assistant turn were changed, dropped or reordered: send back every \`thinking\` and \`redacted_thinking\` block of the turn that made the tool calls exactly as it was received. ${DOCS}`,
    );
  }
}
