import { httpGet } from '../../testkit/http.ts';

/** What a load run saw: answers by kind, and how its failures were grouped. */
export interface LoadResult {
  ok: number;
  failed: number;
  /** HTTP answers other than 200, by status: a tinyproxy that answered, but wrongly. */
  wrongAnswers: Record<string, number>;
  /** Requests that got no HTTP answer at all, by error (ECONNREFUSED, ECONNRESET, timeout, ...). */
  unanswered: Record<string, number>;
  /** Runs of consecutive failed requests of one client: each is one stretch without a proxy. */
  outages: number;
}

/** A bounded HTTP load: `requests` GETs of `path` on 127.0.0.1:port, `concurrency` clients at a time. */
export async function runLoad(options: { port: number; path: string; requests: number; concurrency: number }): Promise<LoadResult> {
  let next = 0;
  const result: LoadResult = { ok: 0, failed: 0, wrongAnswers: {}, unanswered: {}, outages: 0 };
  const count = (tally: Record<string, number>, key: string): void => {
    tally[key] = (tally[key] ?? 0) + 1;
  };
  const client = async (): Promise<void> => {
    let failing = false;
    while (next < options.requests) {
      next += 1;
      const r = await httpGet(options.port, options.path);
      if ('status' in r && r.status === 200) {
        result.ok += 1;
        failing = false;
        continue;
      }
      result.failed += 1;
      if ('status' in r) count(result.wrongAnswers, String(r.status));
      else count(result.unanswered, r.error);
      if (!failing) result.outages += 1;
      failing = true;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  return result;
}
