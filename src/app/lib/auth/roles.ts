import 'server-only';
export const ROLES = ['SUPER_ADMIN', 'CUSTOMER_ADMIN', 'USER'] as const;
export type Role = (typeof ROLES)[number];
