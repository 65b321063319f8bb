// `npm run seed:demo`: demo customers, users and credits for trying the app offline
// (start it with ROBLOX_PROVIDER=fixture). Idempotent: existing demo rows are left as they are.
// Uses DATABASE_URL, or the embedded database (stop the app first: PGlite allows one process).
import { hashPassword } from '../src/app/lib/auth/password';
import { addCredits } from '../src/app/lib/credits';
import { openDatabase } from '../src/app/lib/db';
import { migrate } from '../src/app/lib/db/migrate';

const PASSWORD = process.env.DEMO_PASSWORD || 'demo-password';

const CUSTOMERS = [
  { name: 'Acme Game Studio', credits: 500, maxUsers: 10, admin: 'acme-admin', users: ['acme-analyst', 'acme-support'] },
  { name: 'Pixel Parents Network', credits: 120, maxUsers: 5, admin: 'pixel-admin', users: ['pixel-moderator'] },
  { name: 'Trial Prospect Ltd', credits: 3, maxUsers: 3, admin: 'trial-admin', users: ['trial-user'] },
];

async function main() {
  const db = await openDatabase();
  try {
    await migrate(db);
    const hash = await hashPassword(PASSWORD);
    for (const c of CUSTOMERS) {
      const existing = await db.query<{ id: number }>('SELECT id FROM customers WHERE name = $1', [c.name]);
      if (existing.rows[0]) {
        console.log(`= ${c.name} exists (id ${existing.rows[0].id})`);
        continue;
      }
      await db.transaction(async (tx) => {
        const { rows } = await tx.query<{ id: number }>(
          `INSERT INTO customers (name, contact_email, max_users) VALUES ($1, $2, $3) RETURNING id`,
          [c.name, `billing@${c.name.toLowerCase().replace(/[^a-z]+/g, '')}.example`, c.maxUsers],
        );
        const customerId = rows[0]!.id;
        for (const [username, role] of [[c.admin, 'CUSTOMER_ADMIN'], ...c.users.map((u) => [u, 'USER'])] as const) {
          await tx.query('INSERT INTO users (username, password_hash, role, customer_id) VALUES ($1, $2, $3, $4)', [username, hash, role, customerId]);
        }
        await addCredits(tx, { customerId, userId: null, type: 'purchase', amount: c.credits, description: 'Demo starter pack', paymentId: `DEMO_${customerId}` });
        console.log(`+ ${c.name} (id ${customerId}): ${c.credits} credits; users ${c.admin} (admin), ${c.users.join(', ')}`);
      });
    }
    console.log(`\nDemo users sign in with the password "${PASSWORD}". Start the app with ROBLOX_PROVIDER=fixture to look up the offline data set.`);
  } finally {
    await db.close();
  }
}

main().catch((err) => {
  console.error(`seed:demo failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
