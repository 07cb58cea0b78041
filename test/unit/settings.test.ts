// Unit tests: no servers. The one schema of the DURABLE_AGENT_* variables: every problem at once, and every
// variable the README documents.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigErrorType, DEFAULT_TASK_QUEUE } from '../../src/shared';
import { resolveSettings, SETTING_NAMES, SettingsError } from '../../src/settings';
import { workerSettingsFromEnv } from '../../src/worker-settings';

describe('settings from the environment', () => {
  it('names every variable with a bad value in one error', () => {
    const env = {
      DURABLE_AGENT_MAX_CONCURRENT_ACTIVITIES: 'lots',
      DURABLE_AGENT_LOG_LEVEL: 'loud',
      DURABLE_AGENT_TASK_QUEUE: 'fine',
    };
    assert.throws(
      () => resolveSettings(env),
      (err: unknown) => {
        assert.ok(err instanceof SettingsError, `got ${String(err)}`);
        assert.equal(err.type, ConfigErrorType.InvalidSettings);
        assert.equal(err.problems.length, 2);
        assert.match(err.message, /DURABLE_AGENT_MAX_CONCURRENT_ACTIVITIES must be a whole number .*"lots"/);
        assert.match(
          err.message,
          /DURABLE_AGENT_LOG_LEVEL must be one of TRACE, DEBUG, INFO, WARN, ERROR, not "LOUD"/,
        );
        return true;
      },
    );
  });

  it('names every broken combination of variables in one error, not only the first', () => {
    const env = {
      DURABLE_AGENT_TRACE_CONTENT: 'true',
      DURABLE_AGENT_ENCRYPTION_KEY: 'a-key',
      DURABLE_AGENT_MAX_CONCURRENT_WORKFLOW_TASKS: '50',
      DURABLE_AGENT_MAX_CACHED_WORKFLOWS: '10',
    };
    assert.throws(
      () => resolveSettings(env, Object.keys(env) as typeof SETTING_NAMES),
      (err: unknown) => {
        assert.ok(err instanceof SettingsError, `got ${String(err)}`);
        assert.equal(err.problems.length, 2);
        assert.match(err.message, /DURABLE_AGENT_TRACE_CONTENT=true would put prompts/);
        assert.match(err.message, /DURABLE_AGENT_MAX_CONCURRENT_WORKFLOW_TASKS \(50\) must not exceed/);
        return true;
      },
    );
  });

  it('gives one bad value the error its check throws', () => {
    assert.throws(
      () => resolveSettings({ DURABLE_AGENT_ALLOW_PLAINTEXT: 'yes' }),
      (err: unknown) => {
        assert.equal((err as { type?: string }).type, 'InvalidEncryptionKeyConfig');
        assert.match((err as Error).message, /DURABLE_AGENT_ALLOW_PLAINTEXT must be 1 .* not "yes"/);
        return true;
      },
    );
  });

  it('fills in the defaults', () => {
    const settings = resolveSettings({ DURABLE_AGENT_CACHE_DIR: '/cache' });
    assert.equal(settings.DURABLE_AGENT_TASK_QUEUE, DEFAULT_TASK_QUEUE);
    assert.equal(settings.DURABLE_AGENT_LOG_FORMAT, 'json');
    assert.equal(settings.DURABLE_AGENT_METRICS_ADDRESS, '127.0.0.1:9464');
    assert.equal(settings.storeDir, path.join('/cache', 'messages'));
    assert.equal(settings.DURABLE_AGENT_TOOLS, undefined);
  });

  it('reads the heartbeat and sticky timeouts in seconds, refusing a heartbeat timeout under a second', () => {
    const settings = resolveSettings({
      DURABLE_AGENT_HEARTBEAT_TIMEOUT_SECONDS: '2.5',
      DURABLE_AGENT_STICKY_TIMEOUT_SECONDS: '1',
    });
    assert.equal(settings.DURABLE_AGENT_HEARTBEAT_TIMEOUT_SECONDS, 2_500);
    assert.equal(settings.DURABLE_AGENT_STICKY_TIMEOUT_SECONDS, 1_000);
    assert.throws(
      () => resolveSettings({ DURABLE_AGENT_HEARTBEAT_TIMEOUT_SECONDS: '0.5' }),
      /DURABLE_AGENT_HEARTBEAT_TIMEOUT_SECONDS must be at least 1 second/,
    );
    assert.deepEqual(
      workerSettingsFromEnv({
        DURABLE_AGENT_HEARTBEAT_TIMEOUT_SECONDS: '2',
        DURABLE_AGENT_STICKY_TIMEOUT_SECONDS: '4',
      }),
      { heartbeatTimeoutMs: 2_000, stickyTimeoutMs: 4_000 },
    );
  });

  it('reads every variable the README documents', () => {
    const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const documented = new Set([...readme.matchAll(/^\| `(DURABLE_AGENT_[A-Z0-9_]+)`/gm)].map((m) => m[1]));
    assert.ok(documented.size >= 20, `found only ${documented.size} documented variables`);
    const missing = [...documented].filter((name) => !(SETTING_NAMES as string[]).includes(name as string));
    assert.deepEqual(missing, []);
  });
});
