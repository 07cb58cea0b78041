import data from './orders.json';

/** One order of the bundled demo data set. */
export type Order = (typeof data)[number];

/** The demo's orders, read-only. */
export const orders: readonly Order[] = data;
