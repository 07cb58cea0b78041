import type { JsonObject } from './json';
import type { MessageJson } from './reply';

/** One server-sent event: the `event:` name and the JSON for its `data:` line. */
interface SseEvent {
  event: string;
  data: JsonObject;
}

// Real streams split text and tool input into many small deltas; a few pieces are enough to prove the client
// reassembles them, without making every test stream hundreds of events.
const PIECES = 3;

/** The wire form of one event, exactly as the real API frames it. */
export function formatSse({ event, data }: SseEvent): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Splits text into at most `pieces` chunks without cutting a surrogate pair in half. */
function splitText(text: string, pieces: number = PIECES): string[] {
  const chars = Array.from(text);
  const size = Math.max(1, Math.ceil(chars.length / pieces));
  const chunks: string[] = [];
  for (let start = 0; start < chars.length; start += size)
    chunks.push(chars.slice(start, start + size).join(''));
  return chunks;
}

/** The events of a streamed reply that reassemble into `message`; text and thinking in `pieces` deltas each. */
export function messageEvents(message: MessageJson, pieces: number = PIECES): SseEvent[] {
  const { content, stop_reason, stop_sequence, usage, ...head } = message;
  const events: SseEvent[] = [
    {
      event: 'message_start',
      data: {
        type: 'message_start',
        message: {
          ...head,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          // Output is still to come; the real API reports a token or so here and the total in message_delta.
          usage: { ...usage, output_tokens: Math.min(1, usage.output_tokens) },
        },
      },
    },
    { event: 'ping', data: { type: 'ping' } },
  ];
  content.forEach((block, index) => events.push(...blockEvents(block, index, pieces)));
  events.push(
    {
      event: 'message_delta',
      data: {
        type: 'message_delta',
        delta: { stop_reason, stop_sequence },
        usage: {
          output_tokens: usage.output_tokens,
          ...(usage.server_tool_use ? { server_tool_use: usage.server_tool_use } : {}),
        },
      },
    },
    { event: 'message_stop', data: { type: 'message_stop' } },
  );
  return events;
}

function blockEvents(block: JsonObject, index: number, pieces: number): SseEvent[] {
  const start = (contentBlock: JsonObject): SseEvent => ({
    event: 'content_block_start',
    data: { type: 'content_block_start', index, content_block: contentBlock },
  });
  const delta = (payload: JsonObject): SseEvent => ({
    event: 'content_block_delta',
    data: { type: 'content_block_delta', index, delta: payload },
  });
  const stop: SseEvent = { event: 'content_block_stop', data: { type: 'content_block_stop', index } };

  if (block['type'] === 'text' && typeof block['text'] === 'string') {
    const { text, ...rest } = block;
    const deltas = splitText(text, pieces).map((piece) => delta({ type: 'text_delta', text: piece }));
    return [start({ ...rest, text: '' }), ...deltas, stop];
  }
  // Server tool calls stream their input like client tool calls.
  if (block['type'] === 'tool_use' || block['type'] === 'server_tool_use') {
    const { input, ...rest } = block;
    const json = JSON.stringify(input ?? {});
    // The real API opens with an empty partial_json before the first real piece.
    const pieces = json === '{}' ? [''] : ['', ...splitText(json)];
    return [
      start({ ...rest, input: {} }),
      ...pieces.map((piece) => delta({ type: 'input_json_delta', partial_json: piece })),
      stop,
    ];
  }
  if (block['type'] === 'thinking' && typeof block['thinking'] === 'string') {
    const { thinking, signature, ...rest } = block;
    const deltas = splitText(thinking, pieces).map((piece) =>
      delta({ type: 'thinking_delta', thinking: piece }),
    );
    const signed =
      typeof signature === 'string' && signature !== ''
        ? [delta({ type: 'signature_delta', signature })]
        : [];
    return [start({ ...rest, thinking: '', signature: '' }), ...deltas, ...signed, stop];
  }
  // Other blocks (redacted thinking, server tool results) arrive whole in content_block_start.
  return [start(block), stop];
}
