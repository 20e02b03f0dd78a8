import { afterAll, beforeAll, describe } from 'vitest';
import { describeIfReady, missingPrerequisites } from '../../testkit/prereq.ts';
import { registerCharmFileFaults } from './cases/charm-files.ts';
import { registerDaemonFaults } from './cases/daemon.ts';
import { registerFileFaults } from './cases/files.ts';
import { registerFirstStart } from './cases/first-start.ts';
import { registerHostileAccount } from './cases/hostile-account.ts';
import { registerHostileConfig } from './cases/hostile-config.ts';
import { registerInstallFaults } from './cases/install.ts';
import { registerKills } from './cases/kills.ts';
import { registerLimits } from './cases/limits.ts';
import { registerLogFaults } from './cases/logs.ts';
import { registerPortFaults } from './cases/ports.ts';
import { registerServingClaims } from './cases/serving.ts';
import { registerToolFaults } from './cases/tools.ts';
import { registerTwice } from './cases/twice.ts';
import { createFaultFixture, type FaultFixture } from './fixture.ts';
import { probeForwardingThroughout, type SuiteContext } from './suite.ts';
import { createTally } from './tally.ts';

const PREFIX = 'tp-fault';
const missing = missingPrerequisites({ root: true, commands: ['ip', 'unzip', 'apt-get', 'dpkg-query', 'npm', 'perl', 'useradd'], files: ['/usr/bin/curl'] });

describeIfReady('fault suite: the packed charm converges from any state', missing, () => {
  let fixture: FaultFixture | undefined;
  const tally = createTally();
  const context: SuiteContext = {
    tally,
    fixture: () => {
      if (!fixture) throw new Error('the fault fixture was not set up');
      return fixture;
    },
  };

  beforeAll(async () => {
    fixture = await createFaultFixture(PREFIX);
  }, 300_000);

  afterAll(async () => {
    console.log(['fault suite summary:', ...tally.summary().map((line) => `  ${line}`)].join('\n'));
    const problems = (await fixture?.cleanup()) ?? [];
    if (problems.length > 0) throw new Error(`cleanup problems:\n${problems.join('\n')}`);
  }, 300_000);

  describe('install under apt faults (root namespace)', () => registerInstallFaults(context));
  describe('first start and security properties', () => registerFirstStart(context));
  describe('hostile config on a running unit', () => {
    probeForwardingThroughout(context, 'the hostile config');
    registerHostileConfig(context);
    registerLimits(context);
  });
  describe('hooks SIGKILLed mid-way', () => {
    probeForwardingThroughout(context, 'the hook kills');
    registerKills(context);
  });
  describe('files changed behind the charm', () => registerFileFaults(context));
  describe('the daemon and its port behind the charm', () => registerDaemonFaults(context));
  describe('active is a claim: what really answers on the port', () => registerServingClaims(context));
  describe('a hostile tinyproxy account', () => registerHostileAccount(context));
  describe("the charm's own files damaged", () => registerCharmFileFaults(context));
  describe('tinyproxy.log rotation (bare daemon)', () => registerLogFaults(context));
  describe('failing hook tools', () => registerToolFaults(context));
  describe('port changes Juju never applied (failed hook, dropped commit, killed hook)', () => registerPortFaults(context));
  describe('every hook run twice, then remove', () => registerTwice(context));
});
