// Scripted fake-Claude jobs for the benchmarks. A job is a chain of steps: each model turn asks for the next
// step (one call of bench_step, or several at once) until every step has a result, then answers. Turns are
// functions of the request, so a retried or restarted request gets the same answer for the same state, and
// the durable runs and the in-process baseline get byte-for-byte the same replies.
import { randomUUID } from 'node:crypto';
import type { FakeClaude, FakeReply, FakeTurn, MessagesRequestBody, RecordedRequest } from '../src/testing';

/** What a chain job looks like. */
export interface ChainJob {
  /** Tool steps before the final answer. */
  steps: number;
  /** Tool calls per model turn (default 1). */
  fanOut?: number;
  /** Duration of step n's tool call. */
  toolMs: number | ((n: number) => number);
  /** Size of each tool result (default: a short line). */
  bytes?: number;
  /** Model latency: the fake waits this long before replying, for the given turn and how often it was asked. */
  delayMs?: number | ((turn: number, timesAsked: number) => number);
  /** Records the tokens each request is billed, as the fake reports them. */
  ledger?: TokenLedger;
  /** The tool each step calls (default bench_step; bench_step_local is the same tool as a local activity). */
  tool?: string;
}

/** Tokens billed for one model request. */
export interface BilledRequest {
  /** 1-based turn (how many tool rounds the request's transcript holds, plus one). */
  turn: number;
  inputTokens: number;
  outputTokens: number;
}

/** Every request a job's turns answered, with the tokens it was billed. */
export class TokenLedger {
  readonly requests: BilledRequest[] = [];

  /** Input plus output tokens of every request. */
  total(): number {
    return this.requests.reduce((sum, r) => sum + r.inputTokens + r.outputTokens, 0);
  }

  /** Tokens of requests that repeat a turn already asked: work paid for twice. */
  spentAgain(): number {
    const seen = new Set<number>();
    let again = 0;
    for (const r of this.requests) {
      if (seen.has(r.turn)) again += r.inputTokens + r.outputTokens;
      seen.add(r.turn);
    }
    return again;
  }

  /** USD at Claude Sonnet's list price ($3 in, $15 out per million tokens), no prompt caching. */
  costUsd(requests: BilledRequest[] = this.requests): number {
    return requests.reduce((sum, r) => sum + (r.inputTokens * 3 + r.outputTokens * 15) / 1e6, 0);
  }
}

/** A unique marker for one run; the prompt carries it and the fake routes the run's requests by it. */
export function marker(label: string): string {
  return `bench ${label} ${randomUUID().slice(0, 8)}`;
}

/** The prompt of a job run. */
export function promptFor(mark: string): string {
  return `Run the benchmark job "${mark}" step by step.`;
}

/** Tool results in a request: how many steps are done. */
export function toolResults(body: { messages: MessagesRequestBody['messages'] }): number {
  return body.messages
    .flatMap((m) => (Array.isArray(m.content) ? m.content : []))
    .filter((b) => b['type'] === 'tool_result').length;
}

// The fake's own estimate (4 characters a token) of the prompt, computed here so the ledger and the usage the
// fake reports are the same numbers, whichever loop sent the request.
function tokens(value: unknown): number {
  return Math.max(1, Math.ceil(JSON.stringify(value).length / 4));
}

/** Scripts a chain job for the run with this marker. */
export function scriptChain(fake: FakeClaude, mark: string, job: ChainJob): void {
  const fanOut = job.fanOut ?? 1;
  const asked = new Map<number, number>();
  const reply: FakeTurn = ({ body }) => {
    const done = toolResults(body);
    const turn = Math.floor(done / fanOut) + 1;
    const times = (asked.get(turn) ?? 0) + 1;
    asked.set(turn, times);
    const delayMs = typeof job.delayMs === 'function' ? job.delayMs(turn, times) : (job.delayMs ?? 0);
    const content: FakeReply['content'] =
      done >= job.steps
        ? `All ${job.steps} steps of the job are done.`
        : Array.from({ length: Math.min(fanOut, job.steps - done) }, (_, i) => {
            const n = done + i + 1;
            const ms = typeof job.toolMs === 'function' ? job.toolMs(n) : job.toolMs;
            const input = job.bytes === undefined ? { n, ms } : { n, ms, bytes: job.bytes };
            return { type: 'tool_use', name: job.tool ?? 'bench_step', input };
          });
    const inputTokens = tokens([body.system ?? null, body.tools ?? [], body.messages]);
    const outputTokens = tokens(content);
    job.ledger?.requests.push({ turn, inputTokens, outputTokens });
    return {
      content,
      delayMs,
      usage: { input_tokens: inputTokens, output_tokens: outputTokens },
    };
  };
  // Enough turns for every retry and restart a benchmark causes; leftovers are never looked at.
  const turns = Math.ceil(job.steps / fanOut) + 1;
  fake.script(
    Array.from({ length: turns * 3 + 5 }, () => reply),
    { match: mark },
  );
}

/** The model requests of one run, in arrival order, with the turn each one was for. */
export function requestsOf(
  fake: FakeClaude,
  mark: string,
  fanOut = 1,
): Array<{ turn: number; receivedAt: number; record: RecordedRequest }> {
  return fake.requests
    .filter((r) => r.match === mark && r.path === '/v1/messages')
    .map((record) => ({
      turn: Math.floor(toolResults(record.body as MessagesRequestBody) / fanOut) + 1,
      receivedAt: record.receivedAt,
      record,
    }));
}

/**
 * Time of each step of a run: from the model request of turn i to the model request of turn i+1 (the model
 * call, its tool calls and everything the loop does in between). The first request of each turn counts.
 */
export function stepTimes(fake: FakeClaude, mark: string, fanOut = 1): number[] {
  const firstAt = new Map<number, number>();
  for (const r of requestsOf(fake, mark, fanOut)) if (!firstAt.has(r.turn)) firstAt.set(r.turn, r.receivedAt);
  const times: number[] = [];
  for (let turn = 1; firstAt.has(turn + 1); turn++)
    times.push((firstAt.get(turn + 1) as number) - (firstAt.get(turn) as number));
  return times;
}
