// Unit tests (no workers, no servers): the agent flags `run` and `chat` share.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agentFlags } from '../../src/cli/args';
import { CliError, ExitCode } from '../../src/cli/exit-codes';

describe('agent flags', () => {
  it('turns --tools, --model, --system and --max-iterations into input fields', () => {
    assert.deepEqual(
      agentFlags({
        tools: ' search, ,lookup ',
        model: 'claude-x',
        system: 'Be brief.',
        'max-iterations': '4',
      }),
      { tools: ['search', 'lookup'], model: 'claude-x', system: 'Be brief.', limits: { maxIterations: 4 } },
    );
    assert.deepEqual(agentFlags({}), {});
  });

  it('refuses a --max-iterations that is not a whole number with a usage error', () => {
    assert.throws(
      () => agentFlags({ 'max-iterations': '0' }),
      (err: unknown) =>
        err instanceof CliError && err.exitCode === ExitCode.Usage && /--max-iterations/.test(err.message),
    );
  });
});
