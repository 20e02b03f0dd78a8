import type { HookTools } from '../../src/juju/hook-tools.ts';
import type { LogLevel } from '../../src/juju/tools/log.ts';
import type { Port } from '../../src/juju/tools/ports.ts';
import type { StatusName } from '../../src/juju/tools/status.ts';

/** Juju in memory: config in, status, version, ports and logs out. */
export class FakeHookTools implements HookTools {
  status: { name: StatusName; message: string } | undefined;
  workloadVersion: string | undefined;
  readonly ports = new Set<string>();
  readonly logs: { level: LogLevel; message: string }[] = [];
  statusSets = 0;

  private readonly config: Record<string, unknown>;

  /** Juju hands the charm every option, with charmcraft.yaml's defaults where unset. */
  constructor(overrides: Record<string, unknown> = {}) {
    this.config = { slug: 'example', 'server-port': 8000, upstream: 'http://www.example.com/', ...overrides };
  }

  configGet = () => Object.freeze({ ...this.config });
  statusSet = (name: StatusName, message: string): void => {
    this.statusSets += 1;
    this.status = { name, message };
  };
  applicationVersionSet = (version: string): void => {
    this.workloadVersion = version;
  };
  openPort = (port: Port): void => {
    this.ports.add(`${port.port}/${port.protocol}`);
  };
  closePort = (port: Port): void => {
    this.ports.delete(`${port.port}/${port.protocol}`);
  };
  openedPorts = (): Port[] =>
    [...this.ports].map((text) => {
      const [port, protocol] = text.split('/');
      return { port: Number(port), protocol: protocol as Port['protocol'] };
    });
  log = (level: LogLevel, message: string): void => {
    this.logs.push({ level, message });
  };
}
