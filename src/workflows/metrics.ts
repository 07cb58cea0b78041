// The agent's own metrics, through Temporal's metric meter: they leave on the worker's Prometheus endpoint next
// to Temporal's runtime metrics, and the SDK drops them while a workflow replays, so nothing is counted twice.
import { metricMeter } from '@temporalio/workflow';
import type { ApiUsage } from '../shared/messages';
import type { RunStatus, ToolCallRecord } from '../shared/result';

/** Tokens and cost of one model call, by model. */
export function recordModelCall(model: string, usage: ApiUsage, costMicroUsd: number): void {
  const tokens = metricMeter.createCounter(
    'durable_agent_tokens',
    'tokens',
    'Tokens spent, by model and kind',
  );
  tokens.add(usage.input_tokens, { model, kind: 'input' });
  tokens.add(usage.output_tokens, { model, kind: 'output' });
  tokens.add(usage.cache_read_input_tokens, { model, kind: 'cache_read' });
  tokens.add(usage.cache_creation_input_tokens, { model, kind: 'cache_write' });
  // Counters take whole numbers, so cost is counted in millionths of a dollar.
  metricMeter
    .createCounter('durable_agent_cost_micro_usd', 'micro_usd', 'Cost in millionths of a US dollar, by model')
    .add(Math.max(0, Math.round(costMicroUsd)), { model });
}

/** Latency and outcome of one tool call, by tool; errors also by type. */
export function recordToolCall(record: ToolCallRecord): void {
  metricMeter
    .createHistogram('durable_agent_tool_duration', 'int', 'ms', 'Tool call duration, by tool and status')
    .record(Math.max(0, Math.round(record.durationMs)), { tool: record.name, status: record.status });
  if (record.error) {
    metricMeter
      .createCounter('durable_agent_tool_errors', 'errors', 'Failed tool calls, by tool and error type')
      .add(1, { tool: record.name, type: record.error.type });
  }
}

/** One finished run, by final status. */
export function recordRunEnd(status: RunStatus, model: string): void {
  metricMeter
    .createCounter('durable_agent_runs', 'runs', 'Finished runs, by status')
    .add(1, { status, model });
}
