import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { defineTool } from '../../src';
import { orders } from './orders';

/** Looks up one order of the bundled demo data set. */
export default defineTool({
  name: 'get_order_status',
  description:
    'Look up one order by its order number and return its status, carrier, tracking number, items and dates. ' +
    'Use it when the user gives an order number. Do not use it to find orders by email; use find_orders_by_email.',
  input: z.object({
    order_id: z
      .string()
      .regex(/^\d{5}$/, 'an order number is five digits')
      .describe('The five-digit order number, e.g. "48810".'),
  }),
  effect: 'read',
  timeout: '5s',
  run({ order_id }) {
    const order = orders.find((o) => o.orderId === order_id);
    // Not found is an answer, not a transient failure: retrying cannot change it.
    if (!order) throw ApplicationFailure.nonRetryable(`no order ${order_id} exists`, 'OrderNotFound');
    return order;
  },
});
