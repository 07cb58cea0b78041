// What a compaction keeps and what it cuts, as pure functions: no API, no store, so they are unit-tested
// directly. A compacted transcript is the first user message (the task) with the summary as its last block,
// then the latest turns word for word. The kept turns always start at an assistant message, so a tool_use and
// its tool_result (the next user message) are never split, roles still alternate and the first message is
// still the user's.
import type { ContentBlock, MessageParam, TextBlock } from '../shared';
import { SUMMARY_PREFIX } from '../shared/context';

/**
 * Index of the first message kept word for word when the latest `keepTurns` assistant turns are kept, or
 * undefined when there is nothing before them to summarize. The first message is never summarized, and at
 * least one message between it and the kept turns must be.
 */
export function cutIndex(messages: readonly MessageParam[], keepTurns: number): number | undefined {
  const starts: number[] = [];
  messages.forEach((message, index) => {
    if (index >= 2 && message.role === 'assistant') starts.push(index);
  });
  if (starts.length === 0 || keepTurns < 1) return undefined;
  return starts[Math.max(0, starts.length - keepTurns)];
}

/** The first message split into the task and, when an earlier compaction added one, its summary. */
export function splitFirst(
  first: MessageParam,
  compacted: boolean,
): { task: MessageParam; previous?: string } {
  if (!compacted || typeof first.content === 'string') return { task: first };
  const last = first.content[first.content.length - 1];
  if (!last || last.type !== 'text' || !(last as TextBlock).text.startsWith(SUMMARY_PREFIX))
    return { task: first };
  const rest = first.content.slice(0, -1);
  return {
    task: { role: first.role, content: rest.length > 0 ? rest : '' },
    previous: (last as TextBlock).text.slice(SUMMARY_PREFIX.length),
  };
}

/** The first message of a compacted transcript: the task, then the summary as one more text block. */
export function withSummary(task: MessageParam, summary: string): MessageParam {
  const blocks: ContentBlock[] =
    typeof task.content === 'string'
      ? task.content === ''
        ? []
        : [{ type: 'text', text: task.content }]
      : [...task.content];
  return { role: 'user', content: [...blocks, { type: 'text', text: SUMMARY_PREFIX + summary }] };
}

/** The compacted transcript: the task with the summary, then the messages from `cut` on. */
export function compactedMessages(
  messages: readonly MessageParam[],
  cut: number,
  task: MessageParam,
  summary: string,
): MessageParam[] {
  return [withSummary(task, summary), ...messages.slice(cut)];
}

/**
 * The conversation to summarize as text for the summary call, at most `budgetChars` long: each block is cut to
 * an equal share when the whole would not fit (tool results are what makes a conversation long).
 */
export function renderForSummary(
  task: MessageParam,
  previous: string | undefined,
  cutMessages: readonly MessageParam[],
  budgetChars: number,
): string {
  const lines = cutMessages.flatMap((message) =>
    (typeof message.content === 'string'
      ? [{ type: 'text', text: message.content } as ContentBlock]
      : message.content
    ).map((block) => ({ role: message.role, text: renderBlock(block) })),
  );
  const taskText = renderContent(task.content);
  const fixed = taskText.length + (previous?.length ?? 0) + 600;
  const total = lines.reduce((sum, line) => sum + line.text.length, 0);
  const room = Math.max(0, budgetChars - fixed);
  const share = total <= room ? Infinity : Math.max(200, Math.floor(room / Math.max(1, lines.length)));
  const conversation = lines.map((line) => `[${line.role}] ${clip(line.text, share)}`).join('\n');
  return [
    'The task the agent was given (it stays in the conversation as it is):',
    '<task>',
    clip(taskText, Math.max(1_000, Math.floor(budgetChars / 4))),
    '</task>',
    ...(previous !== undefined
      ? ['The summary of the turns before these:', '<summary>', previous, '</summary>']
      : []),
    'The turns to summarize, oldest first:',
    '<conversation>',
    conversation,
    '</conversation>',
    'Write the summary of everything above that the agent still needs to finish its task.',
  ].join('\n');
}

function renderContent(content: MessageParam['content']): string {
  return typeof content === 'string' ? content : content.map(renderBlock).join('\n');
}

function renderBlock(block: ContentBlock): string {
  switch (block.type) {
    case 'text':
      return (block as TextBlock).text;
    case 'tool_use': {
      const use = block as { name: string; id: string; input: unknown };
      return `called tool ${use.name} (${use.id}) with ${JSON.stringify(use.input)}`;
    }
    case 'tool_result': {
      const result = block as { tool_use_id: string; content?: unknown; is_error?: boolean };
      const content =
        typeof result.content === 'string'
          ? result.content
          : Array.isArray(result.content)
            ? (result.content as ContentBlock[]).map(renderBlock).join('\n')
            : '';
      return `result of ${result.tool_use_id}${result.is_error ? ' (error)' : ''}: ${content}`;
    }
    case 'thinking':
    case 'redacted_thinking':
      return '[thinking]';
    case 'compaction':
      return typeof block['content'] === 'string' ? `[earlier summary] ${block['content']}` : '[compaction]';
    default:
      return `[${block.type}]`;
  }
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… [${text.length - max} more characters]`;
}
