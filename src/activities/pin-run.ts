// The pinRun activity: everything a run decides once is worked out here, outside the workflow, so it is
// recorded in history and replay never recomputes it with a newer deployment's defaults, bounds or prices.
import { ApplicationFailure } from '@temporalio/activity';
import {
  DEFAULT_HEARTBEAT_TIMEOUT_MS,
  firstMessages,
  listed,
  parseAgentInput,
  pricingFor,
  PROGRESS_EVERY_CALLS,
  RunErrorType,
  WEB_SEARCH_USD_PER_THOUSAND,
} from '../shared';
import { contextPlan } from '../shared/context-input';
import { pickRequestParams } from '../shared/request-params';
import type { MessageParam, ParsedAgentInput, PinnedRun, PinRunInput, ToolPolicy, ToolSpec } from '../shared';
import type { PinnedRequest } from './call-claude';
import { invalidAgentInput } from './invalid-input';
import { outputRequest } from './output-pin';
import { serverToolParams } from './server-tools';
import { checkSubagentNames, subagentPolicies, subagentToolParams } from './subagent-tools';
import { toToolParams } from './tools/params';
import type { ToolRegistry } from './tools/registry';
import type { Transcripts } from '../store';

/** Builds the pinRun activity; `heartbeatTimeoutMs` is the worker's setting, pinned into every run it starts. */
export function createPinRun(
  tools: ToolRegistry,
  transcripts: Transcripts,
  heartbeatTimeoutMs = DEFAULT_HEARTBEAT_TIMEOUT_MS,
) {
  const pinParsed = createPinParsed(tools, transcripts, heartbeatTimeoutMs);
  /**
   * Validates the run input and resolves its defaults and prices; stores the tools' descriptions, the system
   * prompt and the first messages in the message store; returns what the workflow needs to decide with.
   */
  return async function pinRun({ input: raw }: PinRunInput): Promise<PinnedRun> {
    const parsed = parseAgentInput(raw);
    if (!parsed.ok) {
      throw invalidAgentInput(parsed.problems);
    }
    return pinParsed(parsed.value, firstMessages(parsed.value));
  };
}

/**
 * Pins validated input with these first messages: a run's prompt or conversation, or none for a conversation
 * (agentSession), whose messages come with each send.
 */
export function createPinParsed(
  tools: ToolRegistry,
  transcripts: Transcripts,
  heartbeatTimeoutMs = DEFAULT_HEARTBEAT_TIMEOUT_MS,
) {
  return async function pinParsed(
    input: Omit<ParsedAgentInput, 'prompt' | 'messages'>,
    messages: MessageParam[],
  ): Promise<PinnedRun> {
    // A run's own prices that leave out searches get the API's list price, so searches are never free.
    const pricing = input.pricing
      ? { webSearchPerThousand: WEB_SEARCH_USD_PER_THOUSAND, ...input.pricing }
      : pricingFor(input.model);
    if (!pricing) {
      throw ApplicationFailure.create({
        type: RunErrorType.UnknownModelPrice,
        nonRetryable: true,
        message: `No price is known for model "${input.model}", so the cost budget cannot be enforced. Pass "pricing": { inputPerMTok, outputPerMTok, cacheWritePerMTok, cacheReadPerMTok } with the run.`,
      });
    }
    // MCP servers are listed here, so a server that cannot start fails the run now, naming the server.
    const names = input.tools && tools.prepare ? await tools.prepare(input.tools) : input.tools;
    const specs = names === undefined ? tools.specs() : pick(tools, names);
    // Input validation checks a forced tool against the run's "tools" list; without one, only the worker knows.
    const forced = input.toolChoice?.type === 'tool' ? input.toolChoice.name : undefined;
    const agents = input.subagents ?? [];
    checkSubagentNames(agents, specs);
    if (
      forced !== undefined &&
      !specs.some((spec) => spec.name === forced) &&
      !agents.some((agent) => agent.name === forced)
    ) {
      const problem = `toolChoice.name: toolChoice names "${forced}", which is not one of the run's tools (${listed(specs.map((s) => s.name)) || 'none'}); add it to "tools" or choose another`;
      throw invalidAgentInput([problem]);
    }
    const request: PinnedRequest = {
      tools: [
        ...toToolParams(specs),
        ...subagentToolParams(agents),
        ...serverToolParams(input.serverTools, [...specs.map((s) => s.name), ...agents.map((a) => a.name)]),
      ],
      ...(input.system ? { system: input.system } : {}),
    };
    const output = input.output ? outputRequest(input.output, input.model, request) : undefined;
    const requestParams = pickRequestParams(input);
    const [pinned, head] = await Promise.all([
      transcripts.putJson(request),
      transcripts.append(null, messages),
    ]);
    return {
      plan: {
        model: input.model,
        limits: input.limits,
        pricing,
        ...(input.toolChoice ? { toolChoice: input.toolChoice } : {}),
        parallelToolCalls: input.parallelToolCalls,
        onMaxTokens: input.onMaxTokens,
        promptCaching: input.promptCaching,
        ...(requestParams ? { requestParams } : {}),
        ...(agents.length > 0 ? { subagents: subagentPolicies(input) } : {}),
        ...(output ? { output } : {}),
        heartbeatTimeoutMs,
        context: contextPlan(input.context, input.model, input.betas),
        streamEvents: true,
        upsertChanged: true,
        progressEvery: PROGRESS_EVERY_CALLS,
      },
      tools: specs.map(policyOf),
      pinned,
      head,
      messages: messages.length,
    };
  };
}

function policyOf({ description: _d, inputSchema: _s, ...policy }: ToolSpec): ToolPolicy {
  return policy;
}

function pick(tools: ToolRegistry, names: string[]): ToolSpec[] {
  const missing = names.filter((name) => !tools.spec(name));
  if (missing.length > 0) {
    const known = tools.specs().map((s) => s.name);
    throw ApplicationFailure.create({
      type: RunErrorType.ToolsUnavailable,
      nonRetryable: true,
      message: `The run asked for tools this worker does not have: ${listed(missing)}. Known tools: ${listed(known) || 'none'}. Fix the run's "tools" list or load the tool with DURABLE_AGENT_TOOLS.`,
    });
  }
  return names.map((name) => tools.spec(name) as ToolSpec);
}
