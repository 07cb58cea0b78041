import { z } from 'zod';
import { defineTool } from '../../src';
import { orders } from './orders';

/** Lists the orders placed with an email address in the bundled demo data set. */
export default defineTool({
  name: 'find_orders_by_email',
  description:
    "List a customer's orders (number, status, date, total) by the email address they ordered with. " +
    'Use it when the user does not know the order number. Returns an empty list when there are none.',
  input: z.object({
    email: z.email().describe('The email address the orders were placed with.'),
  }),
  effect: 'read',
  timeout: '5s',
  run({ email }) {
    return orders
      .filter((o) => o.email.toLowerCase() === email.toLowerCase())
      .map(({ orderId, status, placedAt, totalUsd }) => ({ orderId, status, placedAt, totalUsd }));
  },
});
