// The scripted conversation the demo plays when no ANTHROPIC_API_KEY is set: Claude looks up an order and the
// customer's other orders in one turn (two tools at once), then answers from what the tools returned.
import type { FakeTurn, MessagesRequestBody } from '../testing';

/** The demo's default prompt. */
export const DEMO_PROMPT =
  'Where is my order 48810, and is anything else of mine on the way? I ordered with ada@example.com.';

/** Turns for the fake Claude that make the demo prompt a real two-turn tool-use run. */
export function demoScript(): FakeTurn[] {
  return [
    {
      content: [
        { type: 'text', text: "I'll look up order 48810 and your other orders." },
        { type: 'tool_use', name: 'get_order_status', input: { order_id: '48810' } },
        { type: 'tool_use', name: 'find_orders_by_email', input: { email: 'ada@example.com' } },
      ],
      usage: { input_tokens: 1210, output_tokens: 96 },
      delayMs: 400,
    },
    ({ body }) => ({
      content: answerFrom(body),
      usage: { input_tokens: 1585, output_tokens: 88 },
      delayMs: 400,
    }),
  ];
}

function answerFrom(body: MessagesRequestBody): string {
  const last = body.messages[body.messages.length - 1];
  const results = Array.isArray(last?.content) ? last.content : [];
  const parsed = results.map((block) => {
    try {
      return JSON.parse(String(block.content)) as unknown;
    } catch {
      return undefined;
    }
  });
  const order = parsed.find(
    (p): p is Record<string, string> => !!p && !Array.isArray(p) && typeof p === 'object',
  );
  const others = (parsed.find(Array.isArray) ?? []) as Array<Record<string, string>>;
  if (!order) return 'I could not look up order 48810 just now; please try again in a moment.';
  const pending = others.filter((o) => o.orderId !== order.orderId && o.status !== 'delivered');
  const also = pending.map((o) => `order ${o.orderId} is ${o.status} (placed ${o.placedAt})`).join('; ');
  return (
    `Order ${order.orderId} has ${order.status} with ${order.carrier ?? 'the carrier'} ` +
    `(tracking ${order.trackingNumber ?? 'not yet assigned'}) and should arrive by ${order.estimatedDelivery ?? 'soon'}.` +
    (also ? ` You have one more on the way: ${also}.` : ' Nothing else of yours is on the way.')
  );
}
