/** Resolves with what the promise rejected with (and fails the test if it resolved). */
export async function rejection(p: Promise<unknown>): Promise<any> {
  return p.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (err: unknown) => err,
  );
}
