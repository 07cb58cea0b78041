// A tool module for worker processes (DURABLE_AGENT_TOOLS): the test tool that needs a person's approval.
import { closeAccount } from './tools';

export default [closeAccount];
