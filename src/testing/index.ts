/** Test helpers shipped with durable-agent, for testing agents without Temporal Cloud or the real Claude API. */
export * from './fake-claude';
