// `durable-agent list`: agent runs from the server's visibility store, read through the typed search
// attributes the workflow publishes every turn.
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import {
  AgentCostUsd,
  AgentIteration,
  AgentModel,
  AgentStatus,
  AgentTotalTokens,
  WORKFLOW_TYPE,
} from '../shared';
import type { RunStatus } from '../shared';
import { CliError, ExitCode } from './exit-codes';

// A record rather than an array so the compiler insists on every RunStatus, and on no other.
const RUN_STATUSES: Record<RunStatus, true> = {
  completed: true,
  iteration_limit: true,
  budget_exceeded: true,
  refused: true,
  cancelled: true,
  needs_attention: true,
};

// A run that failed, was terminated or timed out never published a final AgentStatus (it stays `running`),
// so those statuses come from the execution status instead.
const EXECUTION_STATUSES = { failed: 'Failed', terminated: 'Terminated', timed_out: 'TimedOut' } as const;

/** Every value `list --status` accepts: the run statuses, `running`, and how an execution can end without a result. */
const LIST_STATUSES: readonly ListStatus[] = [
  'running',
  ...(Object.keys(RUN_STATUSES) as RunStatus[]),
  ...(Object.keys(EXECUTION_STATUSES) as Array<keyof typeof EXECUTION_STATUSES>),
];

/** A status `list --status` accepts. */
type ListStatus = 'running' | RunStatus | keyof typeof EXECUTION_STATUSES;

/** One row of `durable-agent list`. */
export interface RunSummary {
  workflowId: string;
  runId: string;
  status: string;
  turns: number | null;
  totalTokens: number | null;
  costUsd: number | null;
  model: string | null;
  startTime: string;
  closeTime: string | null;
}

/** Checks a `--status` value; a bad one is a usage error naming the valid ones. */
export function parseListStatus(value: string): ListStatus {
  const known = LIST_STATUSES.find((s) => s === value);
  if (known) return known;
  throw new CliError(
    `--status ${value} is not a run status; use one of: ${LIST_STATUSES.join(', ')}.`,
    ExitCode.Usage,
  );
}

/** The visibility query of `list`; the same text works with `temporal workflow list --query`. */
export function listQuery(status?: ListStatus): string {
  const clauses = [`WorkflowType = '${WORKFLOW_TYPE}'`];
  // A long run continues as new under the same ID; its earlier executions are not runs of their own.
  if (status === undefined) clauses.push(`ExecutionStatus != 'ContinuedAsNew'`);
  else if (status === 'running') clauses.push(`ExecutionStatus = 'Running'`);
  else if (isExecutionStatus(status)) clauses.push(`ExecutionStatus = '${EXECUTION_STATUSES[status]}'`);
  else clauses.push(`${AgentStatus.name} = '${status}'`);
  return clauses.join(' AND ');
}

/**
 * The most recent agent runs, newest start first. The dev server's SQL visibility cannot ORDER BY, and it
 * returns running runs first, then by close time; the `limit` most recent of those are sorted by start.
 */
export async function listRuns(
  client: Client,
  options: { status?: ListStatus; limit: number },
): Promise<RunSummary[]> {
  const rows: RunSummary[] = [];
  const query = listQuery(options.status);
  try {
    for await (const info of client.workflow.list({ query, pageSize: Math.min(options.limit, 100) })) {
      rows.push(summarize(info));
      if (rows.length >= options.limit) break;
    }
  } catch (err) {
    const message = (err as Error).message;
    if (options.status && /AgentStatus/.test(message)) {
      throw new CliError(
        `the server does not know the search attribute AgentStatus (${message}). Start a worker once (it registers the search attributes), or: temporal operator search-attribute create --name AgentStatus --type Keyword`,
      );
    }
    throw new CliError(`cannot list runs: ${message}`);
  }
  return rows.sort((a, b) => b.startTime.localeCompare(a.startTime));
}

/** The runs as an aligned table for people. */
export function formatRunList(rows: RunSummary[]): string {
  const header = ['ID', 'STATUS', 'TURNS', 'TOKENS', 'COST', 'MODEL', 'STARTED'];
  const cells = rows.map((r) => [
    r.workflowId,
    r.status,
    r.turns === null ? '-' : String(r.turns),
    r.totalTokens === null ? '-' : String(r.totalTokens),
    r.costUsd === null ? '-' : `$${r.costUsd.toFixed(4)}`,
    r.model ?? '-',
    localTime(new Date(r.startTime)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => (row[i] ?? '').length)));
  // Numbers are right-aligned so their digits line up.
  const numeric = new Set([2, 3, 4]);
  const line = (row: string[]) =>
    row
      .map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...cells.map(line)].join('\n');
}

function isExecutionStatus(status: string): status is keyof typeof EXECUTION_STATUSES {
  return Object.hasOwn(EXECUTION_STATUSES, status);
}

function summarize(info: WorkflowExecutionInfo): RunSummary {
  const attrs = info.typedSearchAttributes;
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    status: displayStatus(info.status.name, attrs.get(AgentStatus)),
    turns: attrs.get(AgentIteration) ?? null,
    totalTokens: attrs.get(AgentTotalTokens) ?? null,
    costUsd: attrs.get(AgentCostUsd) ?? null,
    model: attrs.get(AgentModel) ?? null,
    startTime: info.startTime.toISOString(),
    closeTime: info.closeTime?.toISOString() ?? null,
  };
}

function displayStatus(execution: WorkflowExecutionInfo['status']['name'], agentStatus: string | undefined) {
  if (execution === 'RUNNING') return 'running';
  if (execution === 'COMPLETED') return agentStatus ?? 'completed';
  return execution.toLowerCase();
}

function localTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}
