import 'server-only';

/**
 * Admin grant operations (issue 13): bulk grants with a dry run, grant approvals, and the
 * operator's grant controls (approval threshold, customer admins' own grants, daily limit). Every
 * credit they book is an ordinary admin grant of the credits domain.
 */
export * from './approvals';
export * from './bulk';
export { runBulkBatches } from './bulk-run';
export { approvalExpiryJob, bulkGrantJob, wakeBulkJob } from './jobs';
