// The Messages API's sampling and request settings a run may set (temperature, top_p, top_k, stop sequences,
// metadata, service tier, beta flags, extended thinking), in the run input's camelCase. They are pinned once in the run plan and
// passed with every model call, so they are bounded here: each call's input is kept in history.
import { z } from 'zod';
import { thinkingSchema } from './thinking';
import type { ThinkingConfig } from './thinking';

/** Most stop sequences a run may give (the API documents no limit; each one is sent with every call). */
export const MAX_STOP_SEQUENCES = 32;
/** Longest stop sequence a run may give. */
export const MAX_STOP_SEQUENCE_CHARS = 256;
/** Longest `metadata.userId`, as the API allows for `metadata.user_id`. */
export const MAX_USER_ID_CHARS = 256;
/** Most beta flags a run may give. */
export const MAX_BETAS = 32;

const nonBlank = /\S/;

/** The fields of the run input that go to the Messages API as they are (in snake_case). */
export const requestParamsFields = {
  temperature: z.number().min(0).max(1).optional(),
  topP: z.number().min(0).max(1).optional(),
  topK: z.number().int().min(0).optional(),
  stopSequences: z
    .array(
      z
        .string()
        .regex(nonBlank, 'a stop sequence must contain a character other than whitespace')
        .max(MAX_STOP_SEQUENCE_CHARS),
    )
    .max(MAX_STOP_SEQUENCES)
    .optional(),
  // The API asks for an opaque id (a hash, a uuid), never a name, email or phone number.
  metadata: z
    .object({ userId: z.string().min(1).max(MAX_USER_ID_CHARS) })
    .strict()
    .optional(),
  serviceTier: z.enum(['auto', 'standard_only']).optional(),
  // Flags are joined with commas into the anthropic-beta header, so one flag holding a comma would become two.
  betas: z
    .array(z.string().regex(/^[^,\s]+$/, 'a beta flag is one non-empty name, without commas or spaces'))
    .max(MAX_BETAS)
    .optional(),
  thinking: thinkingSchema.optional(),
};

/** The request settings a run gave, only those it gave. */
export interface RequestParams {
  temperature?: number;
  topP?: number;
  topK?: number;
  stopSequences?: string[];
  metadata?: { userId: string };
  serviceTier?: 'auto' | 'standard_only';
  betas?: string[];
  /** Extended thinking; its blocks are kept in the transcript and sent back as the API requires. */
  thinking?: ThinkingConfig;
}

const KEYS = Object.keys(requestParamsFields) as Array<keyof RequestParams>;

/** The request settings of a parsed run input; undefined when it gave none. */
export function pickRequestParams(input: {
  [K in keyof RequestParams]?: RequestParams[K] | undefined;
}): RequestParams | undefined {
  const picked: Record<string, unknown> = {};
  for (const key of KEYS) if (input[key] !== undefined) picked[key] = input[key];
  return Object.keys(picked).length > 0 ? (picked as RequestParams) : undefined;
}
