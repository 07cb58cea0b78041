import type Anthropic from '@anthropic-ai/sdk';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type {
  CallClaudeInput,
  CallClaudeOutput,
  ContentBlock,
  MessageParam,
  PinnedOutput,
  StopReason,
  ToolUseBlock,
} from '../shared';
import { ClaudeErrorType, ModelCallErrorType, textOf } from '../shared';
import type { ServerToolDeclaration } from '../shared';
import { apiUsage } from './api-usage';
import { keptBlocks } from './thinking-blocks';
import { betaHeaders, toApiParams } from './api-params';
import { contextBetas } from './context-params';
import { toClaudeFailure } from './claude-errors';
import { checkOutput } from './output-schema';
import { idleTimer, startHeartbeat } from './heartbeat';
import { storeFailure } from '../store';
import type { Transcripts } from '../store';
import { startModelCallStream } from './stream-events';
import type { StreamWriter } from '../streams/writer';

const OUTPUT_LIMIT_BYTES = 1.5 * 1024 * 1024;

/** The parts of a request that stay the same for a whole run, stored once when the run starts. */
export interface PinnedRequest {
  system?: string;
  /** The run's own tools, then its server tools (run by the API) as the run declared them. */
  tools: Array<Anthropic.Tool | ServerToolDeclaration>;
  /** The run's output schema and how it is asked for (the output tool, when there is one, is among `tools`). */
  output?: PinnedOutput;
}

/** Builds the Messages API request body. */
function toMessagesRequest(
  input: Pick<
    CallClaudeInput,
    | 'model'
    | 'maxTokens'
    | 'toolChoice'
    | 'disableParallelToolUse'
    | 'promptCaching'
    | 'requestParams'
    | 'contextManagement'
  >,
  pinned: PinnedRequest,
  messages: MessageParam[],
): Anthropic.MessageCreateParamsNonStreaming {
  const cache = input.promptCaching ? { cache_control: { type: 'ephemeral' as const } } : {};
  const params: Anthropic.MessageCreateParamsNonStreaming = {
    model: input.model,
    max_tokens: input.maxTokens,
    messages: withLastBlock(messages, cache) as Anthropic.MessageParam[],
    ...toApiParams(input.requestParams),
    // A beta field the stable request type does not list; the SDK sends the body as given.
    ...(input.contextManagement ? { context_management: input.contextManagement } : {}),
  };
  if (pinned.system) params.system = [{ type: 'text', text: pinned.system, ...cache }];
  if (pinned.output?.format)
    params.output_config = { format: { type: 'json_schema', schema: pinned.output.format } };
  // The API rejects tool_choice without tools, so both are left out when the run has no tools.
  if (pinned.tools.length > 0) {
    params.tools = pinned.tools.map((tool, i) =>
      i === pinned.tools.length - 1 ? { ...tool, ...cache } : tool,
    ) as Anthropic.ToolUnion[];
    const choice = input.toolChoice ?? { type: 'auto' as const };
    params.tool_choice =
      input.disableParallelToolUse && choice.type !== 'none'
        ? { ...choice, disable_parallel_tool_use: true }
        : (choice as Anthropic.ToolChoice);
  }
  return params;
}

// The moving breakpoint: caching up to the end of the conversation lets the next turn read all of it.
function withLastBlock(messages: MessageParam[], cache: object): MessageParam[] {
  const last = messages[messages.length - 1];
  if (!last || Object.keys(cache).length === 0) return messages;
  const blocks: ContentBlock[] =
    typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : [...last.content];
  const end = blocks[blocks.length - 1];
  if (!end || end.type === 'thinking' || end.type === 'redacted_thinking') return messages;
  blocks[blocks.length - 1] = { ...end, ...cache } as ContentBlock;
  return [...messages.slice(0, -1), { ...last, content: blocks }];
}

// A worker that cannot see the run's stored messages may be misconfigured while another one is not: the
// failure (a store error, see storeFailure) is retried a few times with a message that says what to fix.
// The request is built from memory (the earlier transcript, mostly from the cache, and this call's new
// messages as they came), so on a first attempt the new messages are written while the model answers: the
// store is off the call's critical path but for the reply. A retry waits for the write before it pays for
// another call, so a store that cannot be written costs at most the one call it was found out by.
async function readRequest(transcripts: Transcripts, input: CallClaudeInput, attempt: number) {
  const stored = transcripts.append(input.head, input.append);
  // Awaited after the model call; until then a failure must not go unhandled (the call may fail first).
  stored.catch(() => undefined);
  const [pinned, earlier, added] = await Promise.all([
    transcripts.json<PinnedRequest>(input.pinned),
    transcripts.load(input.head),
    transcripts.resolveAll(input.append),
    attempt > 1 ? stored : undefined,
  ]);
  return { stored, pinned, messages: [...earlier, ...added] };
}

/** Time limits of a model call (worker settings). */
export interface ModelCallLimits {
  /** A stream with no event (pings do not count) for this long is aborted and retried. */
  streamIdleTimeoutMs: number;
  /** The longest `retry-after` obeyed. */
  maxRetryAfterMs: number;
}

/** Defaults of ModelCallLimits. */
const MODEL_CALL_LIMITS: ModelCallLimits = { streamIdleTimeoutMs: 60_000, maxRetryAfterMs: 60_000 };

/** The callClaude activity: one streamed Messages API call that heartbeats while tokens arrive. */
export function createCallClaude(
  anthropic: Anthropic,
  transcripts: Transcripts,
  limits: Partial<ModelCallLimits> = {},
  streams?: StreamWriter,
) {
  const { streamIdleTimeoutMs, maxRetryAfterMs } = { ...MODEL_CALL_LIMITS, ...limits };
  return async function callClaude(input: CallClaudeInput): Promise<CallClaudeOutput> {
    const ctx = Context.current();
    // The timer heartbeat stays on while streaming: real replies may pause longer than the heartbeat timeout
    // (the SDK swallows pings), so stalls are caught by the idle timer instead.
    let events = 0;
    let lastEvent: string | undefined;
    // Progress rides on the timer's beats: a beat per stream event would be a server write per event.
    const stopHeartbeat = startHeartbeat(ctx, undefined, () => ({ event: lastEvent, events }));
    const abort = new AbortController();
    const cancel = () => abort.abort(ctx.cancellationSignal.reason);
    ctx.cancellationSignal.addEventListener('abort', cancel, { once: true });
    let idle: ReturnType<typeof idleTimer> | undefined;
    const live = startModelCallStream(streams, ctx, input);
    try {
      const { stored, pinned, messages } = await readRequest(transcripts, input, ctx.info.attempt);
      idle = idleTimer(streamIdleTimeoutMs, () => abort.abort());
      const stream = anthropic.messages.stream(toMessagesRequest(input, pinned, messages), {
        signal: abort.signal,
        headers: betaHeaders(input.requestParams, contextBetas(input.contextManagement)),
      });
      stream.on('streamEvent', (event) => {
        events += 1;
        idle?.touch();
        lastEvent = event.type;
        live?.push(event);
      });
      const message = await stream.finalMessage();
      idle.stop();
      // Readers get every delta before the turn's end, which a later activity writes.
      await live?.finish();
      const content = keptBlocks(message.content as ContentBlock[]);
      // An empty reply cannot be sent back (the API rejects empty content), so it is not kept.
      const reply: MessageParam[] = content.length > 0 ? [{ role: 'assistant', content }] : [];
      const [head, fullHead] = await Promise.all([
        stored.then((before) => transcripts.append(before, reply)),
        // A compacted run's whole conversation gets the same messages: the store keeps it for audit.
        input.fullHead !== undefined
          ? transcripts.append(input.fullHead, [...input.append, ...reply])
          : undefined,
      ]);
      const text = textOf(content);
      const output: CallClaudeOutput = {
        id: message.id,
        head,
        appended: input.append.length + (content.length > 0 ? 1 : 0),
        stopReason: message.stop_reason as StopReason | null,
        // Absent when null, as is text when empty: each model call's result stays in history for good.
        ...(message.stop_sequence != null ? { stopSequence: message.stop_sequence } : {}),
        usage: apiUsage(message.usage),
        ...(text ? { text } : {}),
        toolUses: content.filter((b): b is ToolUseBlock => b.type === 'tool_use'),
        ...(fullHead !== undefined ? { fullHead } : {}),
      };
      const outputCheck = pinned.output && checkOutput(pinned.output, content, text, input.pinned);
      if (outputCheck) output.outputCheck = outputCheck;
      const bytes = Buffer.byteLength(JSON.stringify(output));
      if (bytes > OUTPUT_LIMIT_BYTES) {
        // Temporal would refuse this result and the call would fail on every retry; say so once instead.
        const largest = [...output.toolUses].sort(
          (a, b) => JSON.stringify(b.input).length - JSON.stringify(a.input).length,
        )[0];
        const culprit = largest ? `, most of it the input for "${largest.name}"` : '';
        throw ApplicationFailure.create({
          type: ModelCallErrorType.PayloadTooLarge,
          nonRetryable: true,
          message: `The model's reply is ${(bytes / 1024 / 1024).toFixed(2)} MiB of text and tool input${culprit}, over the ${OUTPUT_LIMIT_BYTES / 1024 / 1024} MiB a result may carry in history. Lower limits.maxTokens, or give the tool a way to take a reference instead of the data.`,
        });
      }
      return output;
    } catch (err) {
      // Once cancelled, report the cancellation itself, not the aborted request's error.
      if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason ?? err;
      if (idle?.fired) throw stalled(streamIdleTimeoutMs, events);
      if (err instanceof ApplicationFailure) throw err;
      // The reply is stored after the call: a failing store must not be blamed on the API.
      throw storeFailure(err, ctx.info.attempt) ?? toClaudeFailure(err, { maxRetryAfterMs });
    } finally {
      live?.stop();
      idle?.stop();
      stopHeartbeat();
      ctx.cancellationSignal.removeEventListener('abort', cancel);
    }
  };
}

function stalled(idleMs: number, events: number): ApplicationFailure {
  const after = events === 0 ? 'before its first event' : `after ${events} events`;
  return ApplicationFailure.create({
    type: ClaudeErrorType.StreamStalled,
    message: `The Messages API stream went silent ${after}: nothing but pings for ${idleMs / 1000}s, so it was aborted; retrying. Raise DURABLE_AGENT_STREAM_IDLE_TIMEOUT_SECONDS if replies from this endpoint really pause that long.`,
  });
}
