// Unit tests: no workers, no servers. Serializing a tool's result never throws and says what it converted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toolOutputText } from '../../src/activities/tool-output';

describe('tool output text', () => {
  it('keeps strings and plain JSON as they are', () => {
    assert.deepEqual(toolOutputText('hi'), { text: 'hi', lost: [] });
    assert.deepEqual(toolOutputText({ a: [1, 'b', null] }), { text: '{"a":[1,"b",null]}', lost: [] });
    assert.equal(toolOutputText(new Date(0)).text, '"1970-01-01T00:00:00.000Z"');
  });

  it('converts what JSON cannot hold and lists it', () => {
    const out = toolOutputText({
      n: 1n,
      f: () => 1,
      list: [Symbol('s'), NaN],
      map: new Map([['k', 2]]),
      set: new Set([3]),
      get broken(): number {
        throw new Error('no access');
      },
    });
    assert.equal(out.text, '{"n":"1","list":[null,null],"map":{"k":2},"set":[3]}');
    assert.equal(out.lost.length, 5, out.lost.join('; '));
  });

  it('cuts structures nested past the limit instead of overflowing the stack', () => {
    let deep: unknown = 'end';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const out = toolOutputText(deep);
    assert.match(out.text, /"\[Too deep\]"/);
  });

  it('survives a value that throws on every look', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    assert.match(toolOutputText(proxy).text, /could not be turned into text/);
  });
});
