// Unit tests: no workers, no servers. How `durable-agent transcript` prints a conversation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRunningProgress, formatTranscript } from '../../src/cli/transcript';
import type { MessageParam, RunProgress } from '../../src/shared';

const conversation: MessageParam[] = [
  { role: 'user', content: 'Weather in Oslo?' },
  {
    role: 'assistant',
    content: [
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } },
      { type: 'tool_use', id: 'toolu_2', name: 'broken_lookup', input: {} },
    ],
  },
  {
    role: 'user',
    content: [
      { type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' },
      { type: 'tool_result', tool_use_id: 'toolu_2', content: 'backend down', is_error: true },
    ],
  },
  { role: 'assistant', content: [{ type: 'text', text: 'Sunny in Oslo.' }] },
];

describe('formatTranscript', () => {
  it('prints the prompt, tool calls with their input, results with ERROR marks, and the final answer', () => {
    assert.equal(
      formatTranscript(conversation, 'Sunny in Oslo.'),
      [
        '── user',
        '  Weather in Oslo?',
        '',
        '── claude · turn 1',
        '  Checking.',
        '  → get_weather {"city":"Oslo"}  [toolu_1]',
        '  → broken_lookup {}  [toolu_2]',
        '',
        '── tool results',
        '  ← get_weather [toolu_1]: sunny',
        '  ← broken_lookup [toolu_2] ERROR: backend down',
        '',
        '── claude · turn 2 · final answer',
        '  Sunny in Oslo.',
      ].join('\n'),
    );
  });

  it('prints the answer on its own when it is not the last turn text (a reply continued after max_tokens)', () => {
    const out = formatTranscript(conversation, 'Sunny in Oslo, all week.');
    assert.doesNotMatch(out, /final answer\n {2}Sunny in Oslo\.$/);
    assert.match(out, /── final answer\n {2}Sunny in Oslo, all week\.$/);
  });

  it('shows block types it does not know, and content kept out of line, as [type] instead of failing', () => {
    const odd = [
      { role: 'user', content: 'Go.' },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'hmm', signature: 'x' },
          { type: 'text_ref', ref: 'sha256:abc' },
          { type: 'tool_use', id: 'toolu_9', name: 'get_weather', input: { city: 'Rome' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content_ref: 'sha256:def' }] },
      { role: 'assistant', content: { ref: 'sha256:0123' } },
    ] as unknown as MessageParam[];
    const out = formatTranscript(odd, '');
    assert.match(out, /^ {2}\[thinking\]$/m);
    assert.match(out, /^ {2}\[text_ref\]$/m);
    assert.match(out, /← get_weather \[toolu_9\]: \[content sha256:def\]/);
    assert.match(out, /── claude · turn 2\n {2}\[content\]$/);
  });
});

describe('formatRunningProgress', () => {
  it('lists the tool calls so far, what runs and what waits for approval', () => {
    const progress = {
      status: 'running',
      iterations: 2,
      costUsd: 0.0123,
      toolCalls: [
        {
          toolUseId: 't1',
          name: 'get_weather',
          input: { city: 'Oslo' },
          status: 'succeeded',
          attempts: 1,
          durationMs: 5,
        },
      ],
      toolsRunning: ['slow_report'],
      approvalsWaiting: [{ toolUseId: 't3', name: 'close_account', input: {} }],
    } as unknown as RunProgress;
    const out = formatRunningProgress('run-1', progress);
    assert.match(out, /^Run run-1 is still running/);
    assert.match(out, /turn 2 · 1 tool calls done · \$0\.0123/);
    assert.match(out, /→ get_weather \{"city":"Oslo"\} {2}succeeded/);
    assert.match(out, /… slow_report running/);
    assert.match(out, /\? close_account \(t3\) waits for approval/);
  });

  it('says to start a worker when none answered the status query', () => {
    assert.match(formatRunningProgress('run-1', undefined), /start one with `durable-agent worker`/);
  });
});
