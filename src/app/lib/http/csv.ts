import 'server-only';
import { csvRow } from '@/app/shared/csv';

/**
 * A CSV download streamed row by row. The first row is fetched before answering, so a failing
 * query is still a proper error response rather than a 200 cut off mid-stream.
 */
export async function csvResponse<T>(filename: string, header: string[], rows: AsyncGenerator<T>, fields: (row: T) => Array<string | number | null>): Promise<Response> {
  let next = await rows.next();
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(csvRow(header)));
    },
    async pull(controller) {
      if (next.done) return controller.close();
      controller.enqueue(encoder.encode(csvRow(fields(next.value))));
      next = await rows.next();
    },
  });
  return new Response(body, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${filename}"`,
      'Cache-Control': 'no-store',
    },
  });
}
