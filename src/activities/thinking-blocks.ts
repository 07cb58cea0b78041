// Thinking blocks go back to the API exactly as received, signature included. The one exception is a block the
// reply was cut inside (stop_reason max_tokens): it never got its signature, the API refuses it unsigned, and it
// holds no decision the run acts on, so it is not kept.
import type { ContentBlock } from '../shared';

/** The reply's blocks as they are stored and sent back: all of them but unsigned (cut-off) thinking. */
export function keptBlocks(content: ContentBlock[]): ContentBlock[] {
  return content.filter(
    (block) =>
      block.type !== 'thinking' || (typeof block['signature'] === 'string' && block['signature'] !== ''),
  );
}
