// Structured output in the loop: when to ask for the output (and how, so the API accepts it), and what to do with
// the answer callClaude checked. Decisions only; the schema and its validation live in the activities.
import { ApplicationFailure } from '@temporalio/workflow';
import type { CallClaudeOutput } from '../shared/activity-contract';
import { RunErrorType } from '../shared/errors';
import type { ContentBlock, MessageParam, ToolResultBlock, ToolUseBlock } from '../shared/messages';
import { MAX_OUTPUT_CORRECTIONS } from '../shared/output';
import type { OutputCheck, OutputPlan } from '../shared/output';
import type { ToolCallRecord } from '../shared/result';
import type { RunPlan, ToolChoice } from '../shared/run-plan';
import { thinkingOn } from '../shared/thinking-config';
import type { RunState } from './run-state';
import { toolResult } from './tool-results';
import type { TurnContext } from './tool-calls';

/** How this turn asks for the output: the tool_choice to send, and an instruction to add to the turn. */
interface OutputTurn {
  toolChoice: ToolChoice;
  instruction?: string;
}

/**
 * The answering turn of the tool path: the last allowed turn, or the turn after the model ended without the output
 * or gave an invalid one. The output tool is forced there (instead of `tool_choice: none` on the last turn); with
 * thinking on, it is offered with `auto` and an instruction. Undefined: the run's usual tool_choice applies (the
 * native path never forces: its answer is the reply's JSON text, whatever the tool_choice).
 */
export function outputTurn(plan: RunPlan, state: RunState, finalTurn: boolean): OutputTurn | undefined {
  const output = plan.output;
  if (!output || output.mode !== 'tool' || !(finalTurn || state.outputDue)) return undefined;
  // With extended thinking on, the API takes only tool_choice `auto` or `none`, so the output is never forced.
  // Plans pinned before `thinking` existed have none.
  if (!thinkingOn(plan.requestParams?.thinking)) return { toolChoice: { type: 'tool', name: output.name } };
  return finalTurn
    ? {
        toolChoice: { type: 'auto' },
        instruction: `This is your last turn: call the ${output.name} tool now with your final answer.`,
      }
    : { toolChoice: { type: 'auto' } };
}

/** The messages to send with an instruction added at the end of the last user turn (or as a turn of its own). */
export function withInstruction(pending: MessageParam[], instruction: string): MessageParam[] {
  const last = pending[pending.length - 1];
  const text: ContentBlock = { type: 'text', text: instruction };
  if (!last || last.role !== 'user') return [...pending, { role: 'user', content: [text] }];
  const blocks: ContentBlock[] =
    typeof last.content === 'string' ? [{ type: 'text', text: last.content }, text] : [...last.content, text];
  return [...pending.slice(0, -1), { role: 'user', content: blocks }];
}

/** What the loop does after a reply of a run with an output. */
type OutputNext =
  /** The output is accepted (in `state.output`); the next user turn is in `state.pending`; `skipped` go to the ledger. */
  | { next: 'finish'; skipped: ToolCallRecord[] }
  /** Run these calls as usual and send `extra` with their results. */
  | { next: 'run_tools'; calls: ToolUseBlock[]; extra: ContentBlock[] }
  /** Send `state.pending` (feedback on the output) without running a tool. */
  | { next: 'ask' }
  /** The reply holds no answer: go on as without an output. */
  | { next: 'as_usual' };

/**
 * Judges the answer a reply holds. A valid output ends the run; other tool calls of the same reply are then not
 * run (the answer did not wait for them; an unsafe one must not run after the run has ended) and get an is_error
 * result that says so. An invalid output goes back with its problems, at most MAX_OUTPUT_CORRECTIONS times, while
 * the other calls run as usual. A turn that ends without the output is answered with a request for it.
 */
export function judgeOutput(
  output: OutputPlan,
  reply: CallClaudeOutput & { text: string },
  state: RunState,
  turn: TurnContext,
): OutputNext {
  const check = checkedOutput(reply.outputCheck);
  if (output.mode === 'native') {
    if (!check || check.source.kind !== 'text') return { next: 'as_usual' };
    const problems = check.problems.length > 0 ? check.problems : parseProblems(reply.text);
    if (problems.length === 0) {
      state.output = JSON.parse(reply.text) as unknown;
      return { next: 'finish', skipped: [] };
    }
    countInvalid(state, problems);
    state.pending = [{ role: 'user', content: [{ type: 'text', text: nativeFeedback(problems) }] }];
    return { next: 'ask' };
  }

  const calls = reply.toolUses;
  const answers = calls.filter((call) => call.name === output.name);
  const others = calls.filter((call) => call.name !== output.name);
  const source = check?.source;
  const chosen = source?.kind === 'tool' ? answers.find((call) => call.id === source.toolUseId) : undefined;
  if (!check || !chosen) {
    if (calls.length > 0) return { next: 'as_usual' };
    // The model ended its turn without the output: the next turn is the answering turn. One that was already
    // asked for it and still ends without it counts as an invalid output, so the run cannot loop for ever.
    if (state.outputDue) countInvalid(state, [`the reply did not call the ${output.name} tool`]);
    state.outputDue = true;
    state.pending = [
      {
        role: 'user',
        content: [
          {
            type: 'text',
            text: `Give your final answer now by calling the ${output.name} tool; the run ends only when it is called with an input that matches its schema.`,
          },
        ],
      },
    ];
    return { next: 'ask' };
  }
  const ignored = answers
    .filter((call) => call !== chosen)
    .map((call) =>
      errorResult(
        call.id,
        `ignored: only the first call of ${output.name} in a reply is taken as the output.`,
      ),
    );
  if (check.problems.length === 0) {
    state.output = chosen.input;
    const skipped = others.map((call) =>
      toolResult(
        call,
        {
          status: 'skipped',
          attempts: 0,
          content: `Tool call failed: not run: the run ended with the output given in this same reply (${output.name}).`,
          error: {
            type: 'skipped',
            message: `not run: the run ended with the output given in the same reply`,
          },
        },
        0,
        turn.tools.get(call.name),
      ),
    );
    state.pending = [
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: chosen.id, content: 'Output accepted.' },
          ...ignored,
          ...skipped.map((s) => s.block),
        ],
      },
    ];
    return { next: 'finish', skipped: skipped.map((s) => s.record) };
  }
  countInvalid(state, check.problems);
  state.outputDue = true;
  const feedback = [errorResult(chosen.id, toolFeedback(output.name, check.problems)), ...ignored];
  if (others.length === 0) {
    state.pending = [{ role: 'user', content: feedback }];
    return { next: 'ask' };
  }
  return { next: 'run_tools', calls: others, extra: feedback };
}

function errorResult(id: string, content: string): ToolResultBlock {
  return { type: 'tool_result', tool_use_id: id, content, is_error: true };
}

function toolFeedback(name: string, problems: string[]): string {
  return `The output does not match the schema of ${name}:\n- ${problems.join('\n- ')}\nCall ${name} again with a corrected input.`;
}

function nativeFeedback(problems: string[]): string {
  return `Your answer does not match the output schema:\n- ${problems.join('\n- ')}\nAnswer again with only the corrected JSON object.`;
}

// callClaude parsed the text already; parsing again here keeps a value that is not JSON out of the result even if
// the check came from a worker of another version.
function parseProblems(text: string): string[] {
  try {
    JSON.parse(text);
    return [];
  } catch {
    return ['the reply is not JSON; answer with the JSON object only'];
  }
}

function countInvalid(state: RunState, problems: string[]): void {
  const count = (state.invalidOutputs ?? 0) + 1;
  state.invalidOutputs = count;
  if (count <= MAX_OUTPUT_CORRECTIONS) return;
  throw ApplicationFailure.create({
    type: RunErrorType.InvalidOutput,
    nonRetryable: true,
    message: `The model's output did not match the run's output schema ${count} times (it was sent back with its problems ${MAX_OUTPUT_CORRECTIONS} times). Last problems:\n- ${problems.join('\n- ')}\nSimplify the schema, describe the expected answer in the prompt, or use a stronger model.`,
    details: [{ problems }],
  });
}

// The check comes from an activity (maybe another worker version): one of the wrong shape fails the run.
function checkedOutput(value: unknown): OutputCheck | undefined {
  if (value === undefined) return undefined;
  const check = value as OutputCheck;
  const ok =
    typeof check === 'object' &&
    check !== null &&
    Array.isArray(check.problems) &&
    check.problems.every((p) => typeof p === 'string') &&
    typeof check.source === 'object' &&
    check.source !== null &&
    (check.source.kind === 'text' ||
      (check.source.kind === 'tool' && typeof check.source.toolUseId === 'string'));
  if (ok) return check;
  throw ApplicationFailure.create({
    type: RunErrorType.InvalidActivityResult,
    nonRetryable: true,
    message:
      'The callClaude activity returned an output check the run cannot use. Are all workers of this task queue running the same version of durable-agent?',
  });
}
