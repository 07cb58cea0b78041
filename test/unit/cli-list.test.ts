// Unit tests: no workers, no servers. The query, the status check and the table of `durable-agent list`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError, ExitCode } from '../../src/cli/exit-codes';
import { formatRunList, listQuery, parseListStatus } from '../../src/cli/list';
import type { RunSummary } from '../../src/cli/list';

describe('list --status', () => {
  it('filters final statuses on the AgentStatus search attribute, as `temporal workflow list` would', () => {
    assert.equal(listQuery(), "WorkflowType = 'agentRun' AND ExecutionStatus != 'ContinuedAsNew'");
    assert.equal(listQuery('completed'), "WorkflowType = 'agentRun' AND AgentStatus = 'completed'");
    assert.equal(
      listQuery('needs_attention'),
      "WorkflowType = 'agentRun' AND AgentStatus = 'needs_attention'",
    );
  });

  it('filters running and failed runs on the execution status, which a failed run never published', () => {
    assert.equal(listQuery('running'), "WorkflowType = 'agentRun' AND ExecutionStatus = 'Running'");
    assert.equal(listQuery('failed'), "WorkflowType = 'agentRun' AND ExecutionStatus = 'Failed'");
    assert.equal(listQuery('timed_out'), "WorkflowType = 'agentRun' AND ExecutionStatus = 'TimedOut'");
  });

  it('rejects an unknown status as bad usage naming every valid one', () => {
    assert.equal(parseListStatus('refused'), 'refused');
    assert.throws(
      () => parseListStatus("completed' OR 1=1"),
      (err: unknown) =>
        err instanceof CliError &&
        err.exitCode === ExitCode.Usage &&
        err.type === 'BadUsage' &&
        /use one of: running, completed, iteration_limit, budget_exceeded, refused, cancelled, needs_attention, failed, terminated, timed_out\.$/.test(
          err.message,
        ),
    );
  });
});

describe('formatRunList', () => {
  it('aligns the columns, right-aligns numbers and shows - for attributes a run never published', () => {
    const rows: RunSummary[] = [
      {
        workflowId: 'order-48810',
        runId: 'r1',
        status: 'completed',
        turns: 12,
        totalTokens: 20815,
        costUsd: 0.0712,
        model: 'claude-sonnet-4-6',
        startTime: new Date(2026, 0, 5, 14, 3, 22).toISOString(),
        closeTime: null,
      },
      {
        workflowId: 'x',
        runId: 'r2',
        status: 'failed',
        turns: null,
        totalTokens: null,
        costUsd: null,
        model: null,
        startTime: new Date(2026, 0, 5, 9, 0, 0).toISOString(),
        closeTime: null,
      },
    ];
    assert.equal(
      formatRunList(rows),
      [
        'ID           STATUS     TURNS  TOKENS     COST  MODEL              STARTED',
        'order-48810  completed     12   20815  $0.0712  claude-sonnet-4-6  2026-01-05 14:03:22',
        'x            failed         -       -        -  -                  2026-01-05 09:00:00',
      ].join('\n'),
    );
  });
});
