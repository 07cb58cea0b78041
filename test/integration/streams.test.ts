// Integration tests: live event streams of runs on the default backend (files beside the message store), with a
// real Temporal dev server, an in-process worker and the fake Claude streaming slowly over real HTTP.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { watchRun, visibleText } from '../../src/client';
import type { StreamEvent } from '../../src/shared';
import { useTestEnv } from '../helpers/env';
import {
  firstDeltaEarly,
  lateReaderGetsEverything,
  readAll,
  resumeMissesNothing,
} from '../helpers/stream-checks';
import { testTools } from '../helpers/tools';

const env = useTestEnv(testTools);

describe('run event streams (files beside the message store)', () => {
  it('a reader sees the first text delta well before the model call ends', async () => {
    await firstDeltaEarly(env, 'stream first delta');
  });

  it('a reader that disconnects and resumes from its last offset misses nothing', async () => {
    await resumeMissesNothing(env, 'stream resume');
  });

  it('a reader that starts after the run ended gets every event and run_finished', async () => {
    await lateReaderGetsEverything(env, 'stream late reader');
  });

  it('a fan-out streams tool_started and tool_finished for every call, then the turns and the run end', async () => {
    const tag = 'stream fan out';
    env.fake.script(
      [
        {
          content: [
            { type: 'text', text: 'Checking three cities.' },
            ...['Oslo', 'Rome', 'Lima'].map((city) => ({
              type: 'tool_use',
              id: `toolu_fan_${city}`,
              name: 'get_weather',
              input: { city },
            })),
            { type: 'tool_use', id: 'toolu_fan_ghost', name: 'no_such_tool', input: {} },
          ],
        },
        { content: 'Sunny everywhere.' },
      ],
      { match: tag },
    );
    const id = `stream-fan-out-${Date.now()}`;
    const result = await env.run({ prompt: `${tag}: weather in Oslo, Rome and Lima?` }, id);
    assert.equal(result.status, 'completed');
    const events = await readAll(env, id);
    const of = <T extends StreamEvent['type']>(type: T) =>
      events.filter((e): e is Extract<StreamEvent, { type: T }> & { seenAt: number } => e.type === type);

    const started = of('tool_started');
    assert.deepEqual(started.map((e) => e.toolUseId).sort(), [
      'toolu_fan_Lima',
      'toolu_fan_Oslo',
      'toolu_fan_Rome',
    ]);
    assert.ok(started.every((e) => e.turn === 1 && e.attempt === 1 && e.name === 'get_weather'));
    const finished = new Map(of('tool_finished').map((e) => [e.toolUseId, e]));
    for (const city of ['Oslo', 'Rome', 'Lima']) {
      const done = finished.get(`toolu_fan_${city}`);
      assert.equal(done?.status, 'succeeded');
      assert.equal(done?.isError, false);
      // Each call's end comes after its start.
      const start = started.find((e) => e.toolUseId === `toolu_fan_${city}`);
      assert.ok(start && done && start.offset < (done as StreamEvent).offset);
    }
    // A call that never reached a tool activity is reported by the workflow.
    assert.equal(finished.get('toolu_fan_ghost')?.status, 'unknown_tool');
    assert.equal(finished.get('toolu_fan_ghost')?.isError, true);
    // Tool input streams as the model writes it, named on its first event.
    const inputs = of('tool_input').filter((e) => e.toolUseId !== undefined);
    assert.deepEqual(
      inputs.map((e) => e.name),
      ['get_weather', 'get_weather', 'get_weather', 'no_such_tool'],
    );
    assert.deepEqual(
      of('turn_finished').map((e) => [e.turn, e.stopReason]),
      [
        [1, 'tool_use'],
        [2, 'end_turn'],
      ],
    );
    // turn 1 ends after its tools, before turn 2's text.
    const turn1End = of('turn_finished')[0] as StreamEvent;
    assert.ok([...finished.values()].every((e) => (e as StreamEvent).offset < turn1End.offset));
    const turn2Text = events.filter((e) => e.type === 'text' && e.turn === 2);
    assert.ok(turn2Text.length > 0 && turn2Text.every((e) => e.offset > turn1End.offset));
    assert.equal(visibleText(events), 'Checking three cities.\n\nSunny everywhere.');
    assert.equal(events[events.length - 1]?.type, 'run_finished');
  });

  it('a run that fails ends its readers with a run_finished made from the failure', async () => {
    const tag = 'stream failed run';
    env.fake.script([{ fault: 'status', status: 400, message: 'messages: bad request for the test' }], {
      match: tag,
    });
    const id = `stream-failed-${Date.now()}`;
    const handle = await env.start({ prompt: `${tag}: anything.` }, id);
    await assert.rejects(handle.result());
    const events = await readAll(env, id);
    const last = events[events.length - 1];
    assert.ok(last?.type === 'run_finished', JSON.stringify(events));
    assert.equal(last.status, 'failed');
    assert.equal(last.error?.type, 'ClaudeBadRequest');
    assert.match(last.error?.message ?? '', /bad request for the test/);
    assert.equal(last.offset, events.length);
    // A reader that resumes after that made-up event gets nothing more, and ends.
    const after: StreamEvent[] = [];
    for await (const event of watchRun(env.client, id, { from: last.offset })) after.push(event);
    assert.deepEqual(after, []);
  });

  it('streaming does not make history grow with the answer: 500 deltas cost no more events than one', async () => {
    // 500 pieces of 5 characters: the fake splits it into exactly 500 deltas.
    const answer = Array.from({ length: 500 }, (_, i) => `w${String(i).padStart(3, '0')} `).join('');
    env.fake.script([{ content: answer, deltas: 500, chunkDelayMs: 2 }], { match: 'stream history many' });
    env.fake.script([{ content: answer, deltas: 1 }], { match: 'stream history one' });
    const many = `stream-history-many-${Date.now()}`;
    const one = `stream-history-one-${Date.now()}`;
    await env.run({ prompt: 'stream history many: a long answer.' }, many);
    await env.run({ prompt: 'stream history one: a long answer.' }, one);
    const events = async (id: string) =>
      (await env.client.workflow.getHandle(id).fetchHistory()).events?.length ?? 0;
    const [manyEvents, oneEvents] = [await events(many), await events(one)];
    assert.ok(manyEvents <= oneEvents, `${manyEvents} history events with 500 deltas, ${oneEvents} with one`);
    const streamed = await readAll(env, many);
    const request = env.fake.requests.find((r) => r.match === 'stream history many');
    assert.equal(request?.textDeltaAt?.length, 500, 'the fake wrote the answer in 500 deltas');
    assert.ok(streamed.filter((e) => e.type === 'text').length > 1, 'the answer did stream in parts');
    assert.equal(visibleText(streamed), answer);
  });
});
