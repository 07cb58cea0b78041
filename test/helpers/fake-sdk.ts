// A fake Claude over real HTTP with the real Anthropic SDK pointed at it, for unit tests of what the fake accepts.
import { after, before, beforeEach } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import type { FakeClaude } from '../../src/testing';
import { startFakeClaude } from '../../src/testing';

/** The fake and its SDK client; both are set once the suite's `before` hook has run. */
export interface FakeSdk {
  fake: FakeClaude;
  client: Anthropic;
}

/** Starts a fake Claude and an SDK client (no retries) for the enclosing suite, resets it before each test. */
export function useFakeClaudeClient(): FakeSdk {
  const sdk = {} as FakeSdk;
  before(async () => {
    sdk.fake = await startFakeClaude();
    sdk.client = new Anthropic({ apiKey: 'test', baseURL: sdk.fake.url, maxRetries: 0 });
  });
  beforeEach(() => sdk.fake.reset());
  after(() => sdk.fake.close());
  return sdk;
}
