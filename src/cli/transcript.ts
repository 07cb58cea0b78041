// `durable-agent transcript`: a finished run's conversation as a person reads it. Blocks are printed
// defensively: content may come from older or newer workers (a block type this code does not know, content
// stored out of line as a reference), and a transcript must never crash on it.
import { loadTranscript } from '../client';
import { toolCallTotal } from '../shared';
import type { AgentResult, MessageParam, RunProgress } from '../shared';
import { CliError } from './exit-codes';
import { modelCallWaitText } from './progress';

type Block = { type?: unknown; [key: string]: unknown };

/** A finished run's conversation: from the message store, or inline in results of runs from before it. */
export async function loadConversation(
  workflowId: string,
  result: AgentResult,
  storeDir: string,
): Promise<MessageParam[]> {
  const inline = (result as { messages?: unknown }).messages;
  if (Array.isArray(inline)) return inline as MessageParam[];
  try {
    return await loadTranscript(result.transcript);
  } catch (err) {
    throw new CliError(
      `cannot read the conversation of run ${workflowId} from the message store at ${storeDir} (${(err as Error).message}). Run the CLI where the workers' store is, with the same DURABLE_AGENT_STORE_DIR.`,
    );
  }
}

/** The conversation of a finished run: prompt, Claude's turns and tool calls, tool results, final answer. */
export function formatTranscript(messages: readonly MessageParam[], answer: string): string {
  const names = new Map<string, string>();
  const sections: string[] = [];
  const last = messages[messages.length - 1];
  // The final answer is usually the last turn's text; it is printed on its own only when it is not.
  const answerIsLastTurn =
    answer !== '' && last?.role === 'assistant' && joinedText(asBlocks(last.content)) === answer;
  let turn = 0;
  for (const message of messages) {
    const blocks = asBlocks(message.content);
    if (message.role === 'assistant') {
      turn += 1;
      for (const b of blocks) if (b.type === 'tool_use') names.set(String(b.id), String(b.name));
      const final = message === last && answerIsLastTurn ? ' · final answer' : '';
      sections.push(section(`claude · turn ${turn}${final}`, blocks.map(assistantBlock)));
    } else {
      const results = blocks.some((b) => b.type === 'tool_result');
      sections.push(
        section(
          results ? 'tool results' : 'user',
          blocks.map((b) => userBlock(b, names)),
        ),
      );
    }
  }
  if (!answerIsLastTurn && answer) sections.push(section('final answer', [answer]));
  return sections.join('\n\n');
}

/** What can be said of a run that is still going: the tool calls so far and what is in flight. */
export function formatRunningProgress(workflowId: string, progress: RunProgress | undefined): string {
  const lines = [`Run ${workflowId} is still running; its transcript is ready when it ends.`];
  if (!progress) {
    lines.push('No worker answered the status query; start one with `durable-agent worker`.');
    return lines.join('\n');
  }
  lines.push(
    `turn ${progress.iterations} · ${toolCallTotal(progress)} tool calls done · $${progress.costUsd.toFixed(4)}`,
  );
  const earlier = toolCallTotal(progress) - progress.toolCalls.length;
  if (earlier > 0) lines.push(`  … ${earlier} earlier calls (the whole ledger is in the message store)`);
  for (const call of progress.toolCalls) {
    lines.push(
      `  → ${call.name} ${json(call.input)}  ${call.status}${call.error ? `: ${call.error.message}` : ''}`,
    );
  }
  for (const name of progress.toolsRunning) lines.push(`  … ${name} running`);
  for (const a of progress.approvalsWaiting) lines.push(`  ? ${a.name} (${a.toolUseId}) waits for approval`);
  if (progress.modelCallWaiting) lines.push(`  … ${modelCallWaitText(progress.modelCallWaiting)}`);
  return lines.join('\n');
}

function section(title: string, lines: string[]): string {
  const body = lines.flatMap((l) => l.split('\n')).map((l) => (l ? `  ${l}` : ''));
  return [`── ${title}`, ...body].join('\n');
}

function assistantBlock(block: Block): string {
  if (block.type === 'text' && typeof block.text === 'string') return block.text;
  if (block.type === 'tool_use' && typeof block.name === 'string')
    return `→ ${block.name} ${json(block.input)}  [${String(block.id)}]`;
  return unknownBlock(block);
}

function userBlock(block: Block, names: Map<string, string>): string {
  if (block.type === 'text' && typeof block.text === 'string') return block.text;
  if (block.type === 'tool_result') {
    const id = String(block.tool_use_id);
    const marker = block.is_error === true ? ' ERROR' : '';
    return `← ${names.get(id) ?? 'tool'} [${id}]${marker}: ${resultContent(block)}`;
  }
  return unknownBlock(block);
}

function resultContent(block: Block): string {
  const content = block.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return asBlocks(content).map(assistantBlock).join('\n');
  return typeof block.content_ref === 'string' ? `[content ${block.content_ref}]` : '[content]';
}

function unknownBlock(block: Block): string {
  return `[${typeof block.type === 'string' ? block.type : 'block'}]`;
}

function asBlocks(content: unknown): Block[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return [{ type: 'content' }];
  return content.map((b: unknown) => (b && typeof b === 'object' ? (b as Block) : { type: typeof b }));
}

function joinedText(blocks: Block[]): string {
  return blocks
    .filter((b) => b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text as string)
    .join('');
}

function json(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
