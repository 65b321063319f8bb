import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDatabase } from '../support/db';

// The one Db interface must answer the same on PGlite and PostgreSQL: code relies on rowCount.
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDb({ migrateTo: 'none' });
  await t.db.exec('CREATE TABLE rc (id int PRIMARY KEY, v int); INSERT INTO rc VALUES (1, 0), (2, 0), (3, 0);');
});
afterAll(() => t.drop());

describe('Db.query rowCount, as node-postgres reports it', () => {
  it.each([
    ['SELECT returning rows', 'SELECT * FROM rc WHERE id <= 2', 2],
    ['SELECT returning nothing', 'SELECT * FROM rc WHERE id > 9', 0],
    ['SELECT … FOR UPDATE', 'SELECT 1 FROM rc WHERE id = 1 FOR UPDATE', 1],
    ['UPDATE without RETURNING', 'UPDATE rc SET v = v + 1 WHERE id >= 2', 2],
    ['UPDATE … RETURNING', 'UPDATE rc SET v = v + 1 WHERE id = 3 RETURNING id', 1],
    ['UPDATE matching nothing', 'UPDATE rc SET v = 0 WHERE id = 42', 0],
  ])('%s', async (_name, sql, expected) => {
    const res = await t.db.transaction((tx) => tx.query(sql));
    expect(res.rowCount).toBe(expected);
    expect((await t.db.query(sql)).rowCount).toBe(expected);
  });
});
