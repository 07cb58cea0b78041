// What comes from outside the workflow is checked where it enters, before a decision uses it: the start
// argument, and the results of activities (which a different worker version, a proxy in front of the model or a
// broken tool may have shaped). A bad value either becomes a safe one, with a log line, or ends the run with a
// typed failure; it never fails the workflow task, which the server would retry for ever or terminate.
import { ApplicationFailure } from '@temporalio/workflow';
import type { CallClaudeOutput } from '../shared/activity-contract';
import { RunErrorType } from '../shared/errors';
import { inputFailure } from '../shared/input-failure';
import type { ApiUsage } from '../shared/messages';
import { MAX_MODEL_NAME_CHARS } from '../shared/run-plan';
import type { PinnedRun, RunPlan, SubagentPolicy, ToolPolicy } from '../shared/run-plan';
import { formatBytes, jsonBytes, PAYLOAD_LIMIT_BYTES } from './payload-guard';

/** More tokens than any one model call can spend; a larger count is clamped to this. */
export const MAX_TOKENS_PER_CALL = 100_000_000;

const USAGE_FIELDS = [
  'input_tokens',
  'output_tokens',
  'cache_creation_input_tokens',
  'cache_read_input_tokens',
] as const;

/** The run's input failure: the same type whether the workflow or the pinRun activity found the problem. */
export function invalidInput(problems: string[]): ApplicationFailure {
  return inputFailure(RunErrorType.InvalidAgentInput, 'run', problems);
}

/**
 * Checks the start argument before it is sent anywhere: the pinRun activity and continue-as-new carry it
 * again, and a payload over Temporal's limit would fail the workflow task instead of the run.
 */
export function checkStartInput(raw: unknown): void {
  const bytes = jsonBytes(raw);
  if (bytes > PAYLOAD_LIMIT_BYTES) {
    throw invalidInput([
      `input: the run input is ${formatBytes(bytes)} and at most ${formatBytes(PAYLOAD_LIMIT_BYTES)} fits in history; give large documents to the agent through a tool instead of the prompt`,
    ]);
  }
}

/** The pinRun result, checked; a malformed one fails the run with InvalidActivityResult. */
export function checkPinned(value: unknown): PinnedRun {
  const problems: string[] = [];
  const pinned = value as PinnedRun;
  if (!isObject(value)) problems.push('pinRun returned no object');
  else {
    problems.push(...planProblems(pinned.plan), ...toolProblems(pinned.tools));
    if (typeof pinned.pinned !== 'string') problems.push('pinned is not a reference');
    if (!isRef(pinned.head)) problems.push('head is not a reference or null');
    if (!isCount(pinned.messages)) problems.push('messages is not a count');
  }
  if (problems.length > 0) throw badResult('pinRun', problems);
  return pinned;
}

/** Problems of a run plan (from pinRun, or carried across continue-as-new). */
export function planProblems(plan: unknown): string[] {
  if (!isObject(plan)) return ['plan is missing'];
  const p = plan as unknown as RunPlan;
  const problems: string[] = [];
  if (typeof p.model !== 'string' || p.model === '' || p.model.length > MAX_MODEL_NAME_CHARS)
    problems.push(`plan.model is not a model name of 1 to ${MAX_MODEL_NAME_CHARS} characters`);
  for (const [group, fields] of [
    ['limits', p.limits],
    ['pricing', p.pricing],
  ] as const) {
    if (!isObject(fields)) problems.push(`plan.${group} is missing`);
    else
      for (const [key, n] of Object.entries(fields))
        if (typeof n !== 'number' || !Number.isFinite(n) || n < 0)
          problems.push(`plan.${group}.${key} is not a number`);
  }
  if (typeof p.parallelToolCalls !== 'boolean' || typeof p.promptCaching !== 'boolean')
    problems.push('plan flags are not booleans');
  if (p.onMaxTokens !== 'fail' && p.onMaxTokens !== 'continue') problems.push('plan.onMaxTokens is unknown');
  const beat = p.heartbeatTimeoutMs;
  if (beat !== undefined && !(typeof beat === 'number' && Number.isFinite(beat) && beat > 0))
    problems.push('plan.heartbeatTimeoutMs is not a positive number');
  problems.push(...subagentPlanProblems(p.subagents));
  return problems;
}

// A sub-agent's limits are capped with arithmetic, so they must be numbers the child's input check accepts.
function subagentPlanProblems(agents: unknown): string[] {
  if (agents === undefined) return [];
  if (!Array.isArray(agents)) return ['plan.subagents is not a list'];
  return agents.flatMap((agent: SubagentPolicy, i) =>
    isObject(agent) &&
    typeof agent.name === 'string' &&
    isObject(agent.child) &&
    isObject(agent.child.limits) &&
    isCount(agent.child.limits.maxTotalTokens) &&
    typeof agent.child.limits.maxCostUsd === 'number' &&
    isCount(agent.child.depth)
      ? []
      : [`plan.subagents.${i} is not a sub-agent policy`],
  );
}

/** Problems of the tools' policies. */
export function toolProblems(tools: unknown): string[] {
  if (!Array.isArray(tools)) return ['tools is not a list'];
  return tools.flatMap((tool: ToolPolicy, i) =>
    isObject(tool) &&
    typeof tool.name === 'string' &&
    ['read', 'idempotent', 'unsafe'].includes(tool.effect) &&
    typeof tool.timeoutMs === 'number' &&
    tool.timeoutMs > 0 &&
    isCount(tool.maxAttempts) &&
    typeof tool.schemaHash === 'string'
      ? []
      : [`tools.${i} is not a tool policy`],
  );
}

/**
 * The model call's result, checked. Usage that is missing, negative, not a number or beyond any real call is
 * made safe (`fixed` says what was changed, for a log line), because budgets, metrics and search attributes are
 * computed from it; a reply whose shape is wrong fails the run rather than its workflow task.
 */
export function checkReply(value: unknown): {
  reply: CallClaudeOutput & { text: string };
  fixed: string[];
} {
  const reply = value as CallClaudeOutput;
  const problems: string[] = [];
  if (!isObject(value)) problems.push('callClaude returned no object');
  else {
    if (!isRef(reply.head)) problems.push('head is not a reference or null');
    if (!isCount(reply.appended)) problems.push('appended is not a count');
    if (reply.stopReason !== null && typeof reply.stopReason !== 'string')
      problems.push('stopReason is not a string');
    if (reply.stopSequence != null && typeof reply.stopSequence !== 'string')
      problems.push('stopSequence is not a string');
    if (reply.text !== undefined && typeof reply.text !== 'string') problems.push('text is not a string');
    if (
      !Array.isArray(reply.toolUses) ||
      !reply.toolUses.every((b) => isObject(b) && typeof b.id === 'string' && typeof b.name === 'string')
    )
      problems.push('toolUses is not a list of tool_use blocks');
  }
  if (problems.length > 0) throw badResult('callClaude', problems);
  const { usage, fixed } = safeUsage(reply.usage);
  return { reply: { ...reply, text: reply.text ?? '', usage }, fixed };
}

function safeUsage(raw: unknown): { usage: ApiUsage; fixed: string[] } {
  const given = isObject(raw) ? raw : {};
  const usage = {} as ApiUsage;
  const fixed: string[] = [];
  for (const field of USAGE_FIELDS) {
    const n = given[field];
    const safe =
      typeof n === 'number' && Number.isFinite(n) && n >= 0
        ? Math.min(Math.round(n), MAX_TOKENS_PER_CALL)
        : 0;
    if (safe !== n) fixed.push(`${field}: ${JSON.stringify(n) ?? 'missing'} → ${safe}`);
    usage[field] = safe;
  }
  const servers = serverToolUsage(given['server_tool_use'], fixed);
  if (servers) usage.server_tool_use = servers;
  return { usage, fixed };
}

// Searches are priced, so their counts are made safe like token counts; absent when the reply had none.
function serverToolUsage(raw: unknown, fixed: string[]): ApiUsage['server_tool_use'] {
  if (raw === undefined) return undefined;
  const given = isObject(raw) ? raw : {};
  const count = (field: 'web_search_requests' | 'web_fetch_requests') => {
    const n = given[field];
    const safe =
      typeof n === 'number' && Number.isFinite(n) && n >= 0
        ? Math.min(Math.round(n), MAX_TOKENS_PER_CALL)
        : 0;
    if (safe !== n) fixed.push(`server_tool_use.${field}: ${JSON.stringify(n) ?? 'missing'} → ${safe}`);
    return safe;
  };
  return {
    web_search_requests: count('web_search_requests'),
    web_fetch_requests: count('web_fetch_requests'),
  };
}

/**
 * A tool call's result, made usable. The tool ran and took effect, so a result of the wrong shape must not turn
 * into a failure (an unsafe call would then be reported as failed, or retried): what it holds is kept as text.
 */
export function checkToolOutput(value: unknown): {
  content?: string;
  contentRef?: string;
  blocks?: true;
  attempt: number;
} {
  const output = isObject(value) ? value : {};
  const attempt = isCount(output.attempt) && output.attempt > 0 ? output.attempt : 1;
  if (typeof output.contentRef === 'string') {
    return output.blocks === true
      ? { contentRef: output.contentRef, blocks: true, attempt }
      : { contentRef: output.contentRef, attempt };
  }
  const content = output.content;
  return { content: typeof content === 'string' ? content : (JSON.stringify(content) ?? ''), attempt };
}

function badResult(activity: string, problems: string[]): ApplicationFailure {
  return ApplicationFailure.create({
    type: RunErrorType.InvalidActivityResult,
    nonRetryable: true,
    message: `The ${activity} activity returned a result the run cannot use (${problems.join('; ')}). Are all workers of this task queue running the same version of durable-agent?`,
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRef(value: unknown): boolean {
  return value === null || typeof value === 'string';
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
