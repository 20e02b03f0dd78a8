import type { ProxySettings } from '../workload/config-file.ts';
import type { CharmConfig } from './config.ts';

/** tinyproxy's port, as in the tutorial. */
export const PROXY_PORT = 8000;
/** Where `/<slug>/` is proxied to, as in the tutorial. */
export const UPSTREAM = 'http://www.example.com/';

/** Turns the validated config into what the workload serves. */
export const proxySettings = (config: CharmConfig): ProxySettings => ({ port: PROXY_PORT, slug: config.slug, upstream: UPSTREAM });
