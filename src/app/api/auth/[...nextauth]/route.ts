import { nextAuthGet, nextAuthPost } from '@/app/lib/http/next-auth';

/** NextAuth's routes; sign-in attempts pass the login throttle (lib/http/next-auth). */
export { nextAuthGet as GET, nextAuthPost as POST };
