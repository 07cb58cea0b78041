// Connecting and looking up one run, with the errors a person can act on.
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { connectClient } from '../client';
import type { AgentConfig } from '../config';
import { CliError, CliErrorType, ExitCode } from './exit-codes';

/** Connects to the configured server; an unreachable server is exit code 4 with what to do. */
export async function connect(config: Pick<AgentConfig, 'address' | 'namespace'>): Promise<Client> {
  try {
    return await connectClient(config);
  } catch (err) {
    throw new CliError((err as Error).message, ExitCode.Unreachable, CliErrorType.ServerUnreachable);
  }
}

/** Describes a run; an unknown ID is a RunNotFound error that names the namespace searched. */
export async function describeRun(client: Client, workflowId: string): Promise<WorkflowExecutionDescription> {
  try {
    return await client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError || /not found/i.test((err as Error).message)) {
      throw new CliError(
        `no run with ID "${workflowId}" in namespace ${client.options.namespace}. \`durable-agent list\` shows the runs there; TEMPORAL_NAMESPACE picks another namespace.`,
        ExitCode.Failed,
        CliErrorType.RunNotFound,
      );
    }
    throw new CliError(`cannot describe run "${workflowId}": ${(err as Error).message}`);
  }
}
