/**
 * The words of a balance alert, the same in the header's bell and in the email: plain values,
 * safe to import on either side.
 */
export interface AlertFacts {
  type: string;
  customerName: string | null;
  data: Record<string, unknown>;
}

const num = (v: unknown) => (typeof v === 'number' ? v.toLocaleString('en-US') : String(v));
const day = (v: unknown) => (typeof v === 'string' ? v.slice(0, 10) : String(v));

export function describeAlert({ type, customerName, data }: AlertFacts): { title: string; message: string } {
  const who = customerName ?? `Customer #${num(data.customerId)}`;
  switch (type) {
    case 'credits.low':
      return {
        title: `Low balance: ${who}`,
        message: `${who} has ${num(data.balance)} credits left, below its low-balance threshold of ${num(data.threshold)}.`,
      };
    case 'credits.depleted':
      return { title: `Credits depleted: ${who}`, message: `${who} has 0 credits left: look-ups are refused until credits are added.` };
    case 'credits.expiring':
      return {
        title: `Credits expiring: ${who}`,
        message: `${num(data.remaining)} credits of grant #${num(data.grantId)} expire on ${day(data.expiresAt)} (UTC) unless they are spent.`,
      };
    case 'webhook.disabled':
      return {
        title: 'Webhook disabled',
        message: `The webhook ${String(data.url)} was disabled: every delivery to it has failed since ${day(data.failingSince)} (last error: ${String(data.lastError ?? 'unknown')}).`,
      };
    default:
      return { title: type, message: JSON.stringify(data) };
  }
}
