// HTTP client for the hook bench; runs inside the client network namespace (ip netns exec) and
// talks to the bench over stdin/stdout, one JSON object a line. No curl forks: one long-lived
// process, a new TCP connection per request (agent: false), requests back to back.
//   argv: <server address> <port>
//   {"cmd":"get","path":"/x/"}                -> {"status":200,"ok":true} or {"error":"ECONNREFUSED"}
//   {"cmd":"watch","old":"/a/","new":"/b/"}   -> {"watching":true}; then GETs both paths in a loop
//   {"cmd":"stop"}                            -> summary of the watch (times: process.hrtime.bigint, ns)
import http from 'node:http';
import { createInterface } from 'node:readline';

const [host = '127.0.0.1', portText = '8000'] = process.argv.slice(2);
const port = Number(portText);
const MARKER = 'UPSTREAM-OK';

/** One GET: status and whether the body is the upstream's; error code if no response. */
function get(path) {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path, agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ok: res.statusCode === 200 && body.startsWith(MARKER) }));
      res.on('error', (error) => resolve({ error: error.code ?? error.message }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (error) => resolve({ error: error.code ?? error.message }));
  });
}

let watch;

/** Loops on one path until stopped; counts anything but 200-from-upstream or 400 (unmapped) as failed. */
async function loop(state, path, isNew) {
  while (!state.stopped) {
    const r = await get(path);
    const t = process.hrtime.bigint();
    state.requests += 1;
    const fine = r.error === undefined && (r.ok || r.status === 400);
    if (!fine) state.failures.push({ path, t: String(t), what: r.error ?? `HTTP ${r.status}${r.status === 200 ? ' (not the upstream body)' : ''}` });
    if (isNew) {
      if (r.ok && state.firstNew200 === undefined) state.firstNew200 = t;
      else if (!r.ok && state.firstNew200 !== undefined) state.newRegressions += 1;
    } else if (r.ok) state.lastOld200 = t;
  }
}

const reply = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

createInterface({ input: process.stdin }).on('line', async (line) => {
  const msg = JSON.parse(line);
  if (msg.cmd === 'get') {
    reply(await get(msg.path));
  } else if (msg.cmd === 'watch') {
    const state = { stopped: false, requests: 0, failures: [], newRegressions: 0, firstNew200: undefined, lastOld200: undefined };
    watch = { state, done: Promise.all([loop(state, msg.old, false), loop(state, msg.new, true)]) };
    reply({ watching: true });
  } else if (msg.cmd === 'stop') {
    const { state, done } = watch;
    state.stopped = true;
    await done;
    reply({
      requests: state.requests,
      failures: state.failures,
      newRegressions: state.newRegressions,
      firstNew200: state.firstNew200 === undefined ? null : String(state.firstNew200),
      lastOld200: state.lastOld200 === undefined ? null : String(state.lastOld200),
    });
  }
});
process.stdin.on('end', () => process.exit(0));
reply({ ready: true });
