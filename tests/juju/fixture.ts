// The recorded-style `juju status --format=json` documents in fixtures/, for the helpers' tests.
import { readFileSync } from 'node:fs';
import { type JujuStatus, parseStatus } from './lib/status.ts';

/** A fixture document's text. */
export const fixtureText = (name: string): string => readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8');

/** A fixture document, parsed. */
export const fixture = (name: string): JujuStatus => parseStatus(fixtureText(name));
