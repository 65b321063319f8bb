// Generates the offline Roblox data set (src/app/lib/searches/roblox/fixture-users.json) used by
// ROBLOX_PROVIDER=fixture and by the tests' fake Roblox server. Deterministic: the same seed gives
// the same file. Run: npx tsx scripts/generate-roblox-fixture.ts
import fs from 'node:fs';
import path from 'node:path';

const COUNT = 300;
let seed = 0x5eed_2026;
// mulberry32: small, fast, and reproducible across Node versions.
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const chance = (p: number) => random() < p;

const FIRST = ['Blox', 'Pixel', 'Shadow', 'Turbo', 'Nova', 'Cyber', 'Lucky', 'Frost', 'Ember', 'Storm', 'Mega', 'Ninja', 'Cosmic', 'Sky', 'Dino', 'Rocket', 'Crystal', 'Golden', 'Silent', 'Epic'];
const SECOND = ['Builder', 'Racer', 'Knight', 'Wizard', 'Gamer', 'Hunter', 'Panda', 'Dragon', 'Pilot', 'Miner', 'Coder', 'Fox', 'Tiger', 'Ranger', 'Chef', 'Spark', 'Bolt', 'Star', 'Wolf', 'Craft'];
const DISPLAY = ['Alex', 'Sam', 'Jordan', 'Riley', 'Casey', 'Morgan', 'Taylor', 'Jamie', 'Quinn', 'Avery', 'Kai', 'Noa', 'Luca', 'Mia', 'Zoe', 'Leo', 'Ivy', 'Max', 'Ada', 'Eli'];
const BIO = ['Building obbies since 2015.', 'Tycoon enthusiast.', 'I make games with my friends!', 'Speedrunner. Ask me about routes.', 'Trading limiteds. DM for offers.', 'Roleplay fan and map designer.', '', 'Learning Luau one script at a time.', 'Competitive racer, casual builder.', 'Pet simulator collector.'];

function username(): string {
  const base = `${pick(FIRST)}${pick(SECOND)}`;
  const suffix = chance(0.7) ? String(Math.floor(random() * 9999)) : '';
  const sep = chance(0.2) ? '_' : '';
  return `${base}${sep}${suffix}`.slice(0, 20);
}

const seen = new Set<string>();
const users = [];
while (users.length < COUNT) {
  const name = username();
  if (seen.has(name.toLowerCase())) continue;
  seen.add(name.toLowerCase());
  const created = new Date(Date.UTC(2006 + Math.floor(random() * 19), Math.floor(random() * 12), 1 + Math.floor(random() * 28)));
  users.push({
    id: 1_000_000 + Math.floor(random() * 4_000_000_000),
    name,
    displayName: chance(0.6) ? pick(DISPLAY) + (chance(0.3) ? ` ${pick(SECOND)}` : '') : name,
    hasVerifiedBadge: chance(0.05),
    previousUsernames: chance(0.25) ? Array.from({ length: 1 + Math.floor(random() * 2) }, username) : [],
    description: pick(BIO),
    created: created.toISOString(),
    isBanned: chance(0.02),
  });
}

const out = path.join(__dirname, '..', 'src', 'app', 'lib', 'roblox', 'fixture-users.json');
fs.writeFileSync(out, `${JSON.stringify(users, null, 1)}\n`);
console.log(`wrote ${users.length} users to ${path.relative(process.cwd(), out)}`);
