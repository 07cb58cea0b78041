// What tracing adds to a worker's options: the workflow interceptor module (turn spans and Temporal's
// OpenTelemetry interceptors), the activity interceptors (attempt spans) and the sink workflow spans leave by.
import {
  makeWorkflowExporter,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkerOptions } from '@temporalio/worker';
import { tracingActivityInterceptors } from './activity-interceptors';
import type { Tracing } from './setup';

/**
 * Path of the workflow interceptor module. A worker given `workflowsPath` gets it added; a prebuilt workflow
 * bundle must have been built with it (`bundleWorkflowCode({ workflowInterceptorModules: [this] })`).
 */
export const TRACING_WORKFLOW_INTERCEPTORS = require.resolve('./workflow-interceptors');

/**
 * Worker options with tracing added: `workflows: false` for a worker that runs activities only; `content`
 * false keeps prompts and tool contents out of spans even where the tracing config allows them.
 */
export function withTracing(
  options: WorkerOptions,
  tracing: Tracing | undefined,
  { workflows, content }: { workflows: boolean; content: boolean },
): WorkerOptions {
  if (!tracing) return options;
  const interceptors = options.interceptors ?? {};
  return {
    ...options,
    interceptors: {
      ...interceptors,
      ...(workflows
        ? { workflowModules: [...(interceptors.workflowModules ?? []), TRACING_WORKFLOW_INTERCEPTORS] }
        : {}),
      activity: [
        ...(interceptors.activity ?? []),
        ...tracingActivityInterceptors(tracing, content && tracing.config.content),
      ],
    },
    // The SDK calls sinks only outside replay: this is what keeps a replayed workflow from emitting its spans again.
    sinks: { ...options.sinks, ...replaySafeSinks(tracing) },
  };
}

/**
 * The sink workflow spans are exported through; also for `Worker.runReplayHistory`. Temporal's exporter copies
 * the whole workflow info onto every span (memo, last result and failure included); only its names are kept.
 */
export function replaySafeSinks(tracing: Tracing): NonNullable<WorkerOptions['sinks']> {
  const upstream = makeWorkflowExporter(tracing.spanProcessor, tracing.resource).export;
  type Info = Parameters<typeof upstream.fn>[0];
  return {
    exporter: {
      export: {
        ...upstream,
        fn: (info: Info, spans: Parameters<typeof upstream.fn>[1]) =>
          upstream.fn(
            {
              workflowId: info.workflowId,
              runId: info.runId,
              workflowType: info.workflowType,
              taskQueue: info.taskQueue,
              namespace: info.namespace,
            } as Info,
            spans,
          ),
      },
    },
  };
}

/** Client interceptors that start a run's trace at the client: the start span is the trace's root. */
export function tracingClientInterceptors(): OpenTelemetryWorkflowClientInterceptor[] {
  return [new OpenTelemetryWorkflowClientInterceptor()];
}
