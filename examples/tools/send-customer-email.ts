import { appendFile, mkdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { defineTool } from '../../src';

/** Where the demo's "sent" emails go: one JSON line each. */
export function outboxFile(): string {
  const dir = process.env.DURABLE_AGENT_DATA_DIR ?? path.join(os.tmpdir(), 'durable-agent');
  return path.join(dir, 'outbox.jsonl');
}

/**
 * Sends an email to a customer (into a local outbox file). Idempotent: the outbox keeps the idempotency key,
 * so a retried or replayed call finds its earlier send and does not send again.
 */
export default defineTool({
  name: 'send_customer_email',
  description:
    'Send a short email to a customer, for example to confirm what you found about their order. ' +
    'Use it only when the user asks you to contact the customer. The email is sent once even if retried.',
  input: z.object({
    to: z.email().describe('Recipient address.'),
    subject: z.string().min(1).max(200),
    body: z.string().min(1).max(5000),
  }),
  effect: 'idempotent',
  timeout: '10s',
  async run(email, { idempotencyKey }) {
    const file = outboxFile();
    await mkdir(path.dirname(file), { recursive: true });
    const sent = await readFile(file, 'utf8').catch(() => '');
    const keys = sent
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => (JSON.parse(line) as { idempotencyKey: string }).idempotencyKey);
    if (keys.includes(idempotencyKey)) {
      return { sent: true, duplicate: true, idempotencyKey };
    }
    await appendFile(
      file,
      `${JSON.stringify({ idempotencyKey, ...email, sentAt: new Date().toISOString() })}\n`,
    );
    return { sent: true, duplicate: false, idempotencyKey };
  },
});
