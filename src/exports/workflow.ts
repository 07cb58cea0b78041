// `durable-agent/workflow`: the agent's workflows, for a worker's workflow bundle or a user's own workflow
// code. Workflow-safe: it imports only @temporalio/workflow and the JSON contract.
export * from '../workflows';
