// pinRun's part about structured output: the schema checked and normalized, the way the model answers decided from
// the model (native output_config or the output tool), both stored with the request and recorded in the plan.
import type { OutputInput, OutputPlan } from '../shared';
import type { PinnedRequest } from './call-claude';
import { invalidAgentInput } from './invalid-input';
import { pinOutput } from './output-schema';

const DEFAULT_DESCRIPTION =
  'Give your final answer by calling this tool, once you have everything you need. Its input is the answer; ' +
  'the run ends when it matches the schema.';

/**
 * Adds the run's output to the stored request (and, on the tool path, the output tool to its tools); returns
 * the plan's part. A schema the API would refuse, or a name taken by a tool, fails with InvalidAgentInput.
 */
export function outputRequest(output: OutputInput, model: string, request: PinnedRequest): OutputPlan {
  const pinned = pinOutput(output, model);
  if (!pinned.ok) throw invalidAgentInput(pinned.problems);
  const { mode, name } = pinned.output;
  if (request.tools.some((tool) => tool.name === name)) {
    throw invalidAgentInput([
      `output.name: "${name}" is already the name of one of the run's tools; give the output another name`,
    ]);
  }
  request.output = pinned.output;
  if (mode === 'tool') {
    request.tools.push({
      name,
      description: output.description ?? DEFAULT_DESCRIPTION,
      input_schema: pinned.output.schema as { type: 'object' },
    });
  }
  return { mode, name };
}
