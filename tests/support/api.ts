/** The API suites' helpers, one module per concern (tests/support/api/). */
export * from './api/clients';
export * from './api/errors';
export * from './api/ledger';
export * from './api/sign-in';
