// The environment variables the Juju suite reads.

/** How the suite runs, from the environment. */
export interface SuiteSettings {
  /** `CHARM_PATH`: the .charm to deploy (default: the single *.charm at the repository root, or the one for the host's architecture). */
  readonly charmPath: string | undefined;
  /** `KEEP_MODEL=1`: do not destroy the model at the end (its name is printed). */
  readonly keepModel: boolean;
  /** `JUJU_TEST_NO_EGRESS=1`: the units cannot reach the internet (skip the example.com case). */
  readonly noEgress: boolean;
  /** `JUJU_TEST_POLL_MS`: how often waits re-read `juju status` (default 2000). */
  readonly pollMs: number;
  /** `JUJU_TEST_TIMEOUT_SCALE`: multiplies every wait's bound (default 1; e.g. 2 on a slow cloud). */
  readonly timeoutScale: number;
  /** `JUJU_TEST_HTTP_PROXY`: reach the units' HTTP ports through this HTTP proxy instead of directly. */
  readonly httpProxy: URL | undefined;
}

const flag = (value: string | undefined): boolean => value !== undefined && /^(1|true|yes)$/i.test(value.trim());

/** Reads the suite's settings; throws on a malformed value rather than guessing. */
export function readSettings(env: Readonly<Record<string, string | undefined>>): SuiteSettings {
  const pollText = env.JUJU_TEST_POLL_MS?.trim() || '2000';
  const pollMs = Number(pollText);
  if (!Number.isInteger(pollMs) || pollMs < 1 || pollMs > 60_000) throw new Error(`JUJU_TEST_POLL_MS=${pollText}: expected 1..60000`);
  const scaleText = env.JUJU_TEST_TIMEOUT_SCALE?.trim() || '1';
  const timeoutScale = Number(scaleText);
  if (!(timeoutScale > 0 && timeoutScale <= 10)) throw new Error(`JUJU_TEST_TIMEOUT_SCALE=${scaleText}: expected a number above 0, at most 10`);
  const proxy = env.JUJU_TEST_HTTP_PROXY?.trim();
  let httpProxy: URL | undefined;
  if (proxy) {
    httpProxy = new URL(proxy);
    if (httpProxy.protocol !== 'http:') throw new Error(`JUJU_TEST_HTTP_PROXY=${proxy}: expected http://host:port`);
  }
  return { charmPath: env.CHARM_PATH, keepModel: flag(env.KEEP_MODEL), noEgress: flag(env.JUJU_TEST_NO_EGRESS), pollMs, timeoutScale, httpProxy };
}
