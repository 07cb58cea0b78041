// Unit tests: no workers, no servers. Worker concurrency, the model-call rate limit and the health file.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { modelTaskQueue } from '../../src/shared';
import {
  describeWorkerSettings,
  mainWorkerOptions,
  modelCallWorkerOptions,
  reportHealth,
  workerSettingsFromEnv,
} from '../../src/worker-settings';

describe('worker settings from the environment', () => {
  it('leaves everything to the SDK defaults when nothing is set, or set to empty', () => {
    assert.deepEqual(workerSettingsFromEnv({}), {});
    assert.deepEqual(
      workerSettingsFromEnv({
        DURABLE_AGENT_MAX_CONCURRENT_ACTIVITIES: '',
        DURABLE_AGENT_MODEL_CALLS_PER_SECOND: ' ',
      }),
      {},
    );
    assert.deepEqual(mainWorkerOptions({}), {});
    assert.deepEqual(modelCallWorkerOptions({}), {});
    assert.equal(describeWorkerSettings({}), 'no model-call rate limit');
  });

  it('reads every setting and maps it to the Worker.create option it controls', () => {
    const settings = workerSettingsFromEnv({
      DURABLE_AGENT_MAX_CONCURRENT_ACTIVITIES: '50',
      DURABLE_AGENT_MAX_CONCURRENT_MODEL_CALLS: '8',
      DURABLE_AGENT_MAX_CONCURRENT_WORKFLOW_TASKS: '20',
      DURABLE_AGENT_MAX_CACHED_WORKFLOWS: '500',
      DURABLE_AGENT_MODEL_CALLS_PER_SECOND: '2.5',
    });
    assert.deepEqual(settings, {
      maxConcurrentActivities: 50,
      maxConcurrentModelCalls: 8,
      maxConcurrentWorkflowTasks: 20,
      maxCachedWorkflows: 500,
      modelCallsPerSecond: 2.5,
    });
    assert.deepEqual(mainWorkerOptions(settings), {
      maxConcurrentActivityTaskExecutions: 50,
      maxConcurrentWorkflowTaskExecutions: 20,
      maxCachedWorkflows: 500,
    });
    // The rate goes to the model-call worker only: it is a limit of that task queue, enforced by the server.
    assert.deepEqual(modelCallWorkerOptions(settings), {
      maxConcurrentActivityTaskExecutions: 8,
      maxTaskQueueActivitiesPerSecond: 2.5,
    });
    assert.match(describeWorkerSettings(settings), /at most 2\.5 model calls per second over the task queue/);
  });

  it('accepts fractional rates such as one call every two seconds', () => {
    assert.equal(
      workerSettingsFromEnv({ DURABLE_AGENT_MODEL_CALLS_PER_SECOND: '0.5' }).modelCallsPerSecond,
      0.5,
    );
    assert.equal(
      workerSettingsFromEnv({ DURABLE_AGENT_MODEL_CALLS_PER_SECOND: '.25' }).modelCallsPerSecond,
      0.25,
    );
  });

  it('rejects counts that are not whole numbers of at least the minimum, naming the variable', () => {
    for (const value of ['0', '-3', '1.5', 'ten', '1e3']) {
      assert.throws(
        () => workerSettingsFromEnv({ DURABLE_AGENT_MAX_CONCURRENT_ACTIVITIES: value }),
        new RegExp(
          `DURABLE_AGENT_MAX_CONCURRENT_ACTIVITIES must be a whole number of at least 1, not "${value}"`,
        ),
      );
    }
    assert.throws(
      () => workerSettingsFromEnv({ DURABLE_AGENT_MAX_CONCURRENT_MODEL_CALLS: '0' }),
      /DURABLE_AGENT_MAX_CONCURRENT_MODEL_CALLS must be a whole number of at least 1/,
    );
    assert.throws(
      () => workerSettingsFromEnv({ DURABLE_AGENT_MAX_CONCURRENT_WORKFLOW_TASKS: '1' }),
      /DURABLE_AGENT_MAX_CONCURRENT_WORKFLOW_TASKS must be a whole number of at least 2/,
    );
    assert.throws(
      () => workerSettingsFromEnv({ DURABLE_AGENT_MAX_CACHED_WORKFLOWS: '1' }),
      /DURABLE_AGENT_MAX_CACHED_WORKFLOWS must be a whole number of at least 2/,
    );
  });

  it('rejects a rate that is not a positive number, naming the variable', () => {
    for (const value of ['0', '-1', 'fast', 'Infinity', '1/s']) {
      assert.throws(
        () => workerSettingsFromEnv({ DURABLE_AGENT_MODEL_CALLS_PER_SECOND: value }),
        /DURABLE_AGENT_MODEL_CALLS_PER_SECOND must be a number of model calls per second above 0/,
      );
    }
  });

  it('reads time limits in seconds, fractions allowed, and refuses the rest naming the variable', () => {
    assert.deepEqual(
      workerSettingsFromEnv({
        DURABLE_AGENT_TOOL_IMPORT_TIMEOUT_SECONDS: '45',
        DURABLE_AGENT_STREAM_IDLE_TIMEOUT_SECONDS: '0.5',
        DURABLE_AGENT_MAX_RETRY_AFTER_SECONDS: '120',
      }),
      { toolImportTimeoutMs: 45_000, streamIdleTimeoutMs: 500, maxRetryAfterMs: 120_000 },
    );
    assert.throws(
      () => workerSettingsFromEnv({ DURABLE_AGENT_STREAM_IDLE_TIMEOUT_SECONDS: '0' }),
      /DURABLE_AGENT_STREAM_IDLE_TIMEOUT_SECONDS must be a number of seconds above 0/,
    );
  });

  it('rejects more concurrent workflow tasks than cached runs', () => {
    assert.throws(
      () =>
        workerSettingsFromEnv({
          DURABLE_AGENT_MAX_CONCURRENT_WORKFLOW_TASKS: '50',
          DURABLE_AGENT_MAX_CACHED_WORKFLOWS: '10',
        }),
      /DURABLE_AGENT_MAX_CONCURRENT_WORKFLOW_TASKS \(50\) must not exceed DURABLE_AGENT_MAX_CACHED_WORKFLOWS \(10\)/,
    );
  });

  it('derives the model-call task queue from the run task queue', () => {
    assert.equal(modelTaskQueue('durable-agent'), 'durable-agent-model');
  });
});

describe('health file', () => {
  it('is touched while healthy, left alone while not, and no more after stopping', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'health-test-'));
    const file = path.join(dir, 'healthy');
    let healthy = false;
    const stop = reportHealth(file, () => Promise.resolve(healthy), 20);
    await sleep(80);
    assert.equal(existsSync(file), false, 'no file while unhealthy');

    healthy = true;
    await sleep(80);
    assert.ok(existsSync(file), 'a file once healthy');

    await stop();
    rmSync(file);
    await sleep(80);
    assert.equal(existsSync(file), false, 'no file after stop');
    rmSync(dir, { recursive: true });
  });

  it('counts a failing check as unhealthy', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'health-test-'));
    const file = path.join(dir, 'healthy');
    const stop = reportHealth(file, () => Promise.reject(new Error('server gone')), 20);
    await sleep(80);
    await stop();
    assert.equal(existsSync(file), false);
    assert.throws(() => readFileSync(file));
    rmSync(dir, { recursive: true });
  });
});
