// Your own workflow, with the agent loop as one step of it (runAgent), next to durable-agent's own agentRun.
// Workflow code: it is bundled and replayed by the worker, so it only calls deterministic functions.
const { agentRun, runAgent } = require('durable-agent/workflow');

/** Triages a support ticket: the agent looks things up, the workflow decides what happens with the answer. */
async function triageTicket(ticket) {
  const result = await runAgent({
    prompt: `Ticket ${ticket.id}: ${ticket.text}`,
    tools: ['look_up_invoice'],
  });
  return { ticket: ticket.id, status: result.status, answer: result.text, turns: result.iterations };
}

module.exports = { agentRun, triageTicket };
