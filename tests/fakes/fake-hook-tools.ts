import type { HookTools } from '../../src/juju/hook-tools.ts';
import { HookToolError } from '../../src/juju/run.ts';
import type { LogLevel } from '../../src/juju/tools/log.ts';
import type { Port } from '../../src/juju/tools/ports.ts';
import type { StatusName } from '../../src/juju/tools/status.ts';

type ToolName = 'config-get' | 'status-set' | 'application-version-set' | 'open-port' | 'close-port' | 'opened-ports' | 'juju-log';

const portText = ({ port, protocol }: Port): string => `${port}/${protocol}`;

/**
 * Juju in memory, for one unit: config in; status, version, logs and ports out. As Juju does,
 * port changes stay pending until the hook ends, and are committed only if it exited 0 and the
 * commit went through; `opened-ports` shows committed ports only.
 */
export class FakeJuju implements HookTools {
  status: { name: StatusName; message: string } | undefined;
  workloadVersion: string | undefined;
  readonly committedPorts: Set<string>;
  readonly logs: { level: LogLevel; message: string }[] = [];
  /** The hook tools called in the current hook, in order. */
  calls: ToolName[] = [];
  /** Tools that fail (exit 1 with this stderr) when called. */
  readonly failing = new Map<ToolName, string>();
  private pending: { open: boolean; port: string }[] = [];
  private readonly config: Record<string, unknown>;

  /** Juju hands the charm every option, with charmcraft.yaml's defaults where unset. */
  constructor(overrides: Record<string, unknown> = {}, openPorts: readonly string[] = []) {
    this.config = { slug: 'example', 'server-port': 8000, upstream: 'http://www.example.com/', ...overrides };
    this.committedPorts = new Set(openPorts);
  }

  /** `juju config`: changes options for the next hooks. */
  setConfig(overrides: Record<string, unknown>): void {
    Object.assign(this.config, overrides);
  }

  /** The hook ended: its port changes are committed only if it succeeded and the commit did. */
  endHook(exitedZero: boolean, commitSucceeds = true): void {
    if (exitedZero && commitSucceeds) {
      for (const change of this.pending) {
        if (change.open) this.committedPorts.add(change.port);
        else this.committedPorts.delete(change.port);
      }
    }
    this.pending = [];
    this.calls = [];
  }

  private call(tool: ToolName, ...args: string[]): void {
    this.calls.push(tool);
    const stderr = this.failing.get(tool);
    if (stderr !== undefined) throw new HookToolError([tool, ...args], 1, stderr);
  }

  configGet = async () => {
    this.call('config-get', '--format=json');
    return Object.freeze({ ...this.config });
  };
  statusSet = async (name: StatusName, message: string): Promise<void> => {
    this.call('status-set', name, message);
    this.status = { name, message };
  };
  applicationVersionSet = async (version: string): Promise<void> => {
    this.call('application-version-set', version);
    this.workloadVersion = version;
  };
  openPort = async (port: Port): Promise<void> => {
    this.call('open-port', portText(port));
    this.pending.push({ open: true, port: portText(port) });
  };
  closePort = async (port: Port): Promise<void> => {
    this.call('close-port', portText(port));
    this.pending.push({ open: false, port: portText(port) });
  };
  openedPorts = async (): Promise<Port[]> => {
    this.call('opened-ports', '--format=json');
    return [...this.committedPorts].map((text) => {
      const [port, protocol] = text.split('/');
      return { port: Number(port), protocol: protocol as Port['protocol'] };
    });
  };
  log = async (level: LogLevel, message: string): Promise<void> => {
    this.call('juju-log', level, message);
    this.logs.push({ level, message });
  };
}
