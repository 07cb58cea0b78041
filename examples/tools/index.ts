import findOrdersByEmail from './find-orders-by-email';
import getOrderStatus from './get-order-status';
import sendCustomerEmail from './send-customer-email';

/** The demo's tools: a module like this one can be loaded with DURABLE_AGENT_TOOLS. */
export default [getOrderStatus, findOrdersByEmail, sendCustomerEmail];
