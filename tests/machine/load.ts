import { httpGet } from '../../testkit/http.ts';

/** A bounded HTTP load: `requests` GETs of `path` on 127.0.0.1:port, `concurrency` at a time. */
export async function runLoad(options: { port: number; path: string; requests: number; concurrency: number }): Promise<{ ok: number; failed: number }> {
  let next = 0;
  let ok = 0;
  let failed = 0;
  const worker = async (): Promise<void> => {
    while (next < options.requests) {
      next += 1;
      const r = await httpGet(options.port, options.path);
      if ('status' in r && r.status === 200) ok += 1;
      else failed += 1;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { ok, failed };
}
