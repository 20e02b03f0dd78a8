// The juju CLI, driven with execa: one method per command the suite uses, JSON output parsed.
// Model-scoped commands get `--model <name>` right after the command name, as Jubilant does.
import { execa } from 'execa';
import { type ConfigSetting, type ExecResult, parseConfigOutput, parseExecOutput } from './outputs.ts';
import { type JujuStatus, parseStatus } from './status.ts';

const MINUTE = 60_000;

/** A juju command that exited non-zero, timed out or could not start. */
export class JujuCommandError extends Error {
  override readonly name = 'JujuCommandError';
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | undefined,
    readonly stdout: string,
    readonly stderr: string,
    why: string,
  ) {
    super(`\`${argv.join(' ')}\` ${why}${stderr.trim() ? `: ${stderr.trim().slice(-2000)}` : ''}`);
  }
}

/** A config value as `juju config` takes it on the command line. */
export type ConfigValue = string | number | boolean;

/** How to run juju. */
export interface JujuCliOptions {
  /** The juju executable (default `juju`, found on PATH). */
  readonly binary?: string;
  /** The model for model-scoped commands; none means the command fails rather than touch the current model. */
  readonly model?: string;
  /** Prints each command that changes something (status and exec are not printed). */
  readonly log?: (line: string) => void;
}

interface RunOptions {
  readonly timeoutMs?: number;
  /** Insert `--model <model>` (default true). */
  readonly scoped?: boolean;
  /** Do not print the command. */
  readonly quiet?: boolean;
  /** Return instead of throwing when the command exits non-zero. */
  readonly allowFailure?: boolean;
}

/** What a finished juju command printed. */
export interface JujuOutput {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The juju CLI, optionally bound to one model. */
export class JujuCli {
  readonly binary: string;
  readonly model: string | undefined;
  readonly #log: (line: string) => void;

  constructor(options: JujuCliOptions = {}) {
    this.binary = options.binary ?? 'juju';
    this.model = options.model;
    this.#log = options.log ?? (() => {});
  }

  /** The same CLI bound to `model`. */
  withModel(model: string): JujuCli {
    return new JujuCli({ binary: this.binary, model, log: this.#log });
  }

  /** Runs `juju <args>` (stdin closed, so a prompt reads EOF instead of hanging). */
  async run(args: readonly string[], options: RunOptions = {}): Promise<JujuOutput> {
    const [command, ...rest] = args;
    if (command === undefined) throw new Error('JujuCli.run: no command');
    const scoped = options.scoped ?? true;
    if (scoped && this.model === undefined) throw new Error(`juju ${command} needs a model, and this JujuCli has none`);
    const argv = scoped ? [command, '--model', this.model ?? '', ...rest] : [command, ...rest];
    if (!options.quiet) this.#log(`$ juju ${argv.join(' ')}`);
    const result = await execa(this.binary, argv, {
      reject: false,
      stdin: 'ignore',
      timeout: options.timeoutMs ?? 5 * MINUTE,
      forceKillAfterDelay: 5_000,
    });
    const output = { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
    if (result.timedOut) throw new JujuCommandError([this.binary, ...argv], result.exitCode, result.stdout, result.stderr, `timed out after ${options.timeoutMs ?? 5 * MINUTE} ms`);
    if (result.exitCode === undefined) {
      throw new JujuCommandError([this.binary, ...argv], undefined, result.stdout, result.stderr, `did not run (${result.shortMessage})`);
    }
    if (result.exitCode !== 0 && !options.allowFailure) {
      throw new JujuCommandError([this.binary, ...argv], result.exitCode, result.stdout, result.stderr, `exited ${result.exitCode}`);
    }
    return output;
  }

  /**
   * `juju add-model --no-switch [--controller <c>] [--config <file>] <name> [<cloud>]`: a new
   * model (the CLI's current model stays), on `controller` (default: the current one), in
   * `cloud` (or cloud/region; default: the controller's), with the model config in `config`.
   */
  async addModel(name: string, options: { readonly controller?: string; readonly cloud?: string; readonly config?: string } = {}): Promise<void> {
    const controller = options.controller === undefined ? [] : ['--controller', options.controller];
    const config = options.config === undefined ? [] : ['--config', options.config];
    const cloud = options.cloud === undefined ? [] : [options.cloud];
    await this.run(['add-model', '--no-switch', ...controller, ...config, name, ...cloud], { scoped: false, timeoutMs: 5 * MINUTE });
  }

  /** Whether `juju show-model <model>` finds the model (`[controller:]name`); other failures throw. */
  async modelExists(model: string): Promise<boolean> {
    const output = await this.run(['show-model', model, '--format=json'], { scoped: false, quiet: true, allowFailure: true });
    if (output.exitCode === 0) return true;
    if (/not found/i.test(output.stderr)) return false;
    throw new JujuCommandError([this.binary, 'show-model', model, '--format=json'], output.exitCode, output.stdout, output.stderr, `exited ${output.exitCode}`);
  }

  /** `juju destroy-model <model> --no-prompt --destroy-storage --force`, as Jubilant's temp_model does. */
  async destroyModel(model: string): Promise<void> {
    await this.run(['destroy-model', model, '--no-prompt', '--destroy-storage', '--force'], { scoped: false, timeoutMs: 15 * MINUTE });
  }

  /** `juju deploy <charm> <app>`. */
  async deploy(charm: string, app: string): Promise<void> {
    await this.run(['deploy', charm, app], { timeoutMs: 10 * MINUTE });
  }

  /** `juju refresh <app> --path <charm>`: the application moves to that local charm (a new revision); each unit runs upgrade-charm, then config-changed. */
  async refresh(app: string, charm: string): Promise<void> {
    await this.run(['refresh', app, '--path', charm], { timeoutMs: 10 * MINUTE });
  }

  /** `juju expose <app>`: opened ports become reachable where the cloud has a firewall. */
  async expose(app: string): Promise<void> {
    await this.run(['expose', app]);
  }

  /** `juju config <app> --format=json`: the charm options and their values. */
  async config(app: string): Promise<Readonly<Record<string, ConfigSetting>>> {
    return parseConfigOutput((await this.run(['config', app, '--format=json'], { quiet: true })).stdout);
  }

  /** `juju config <app> key=value ...`. */
  async setConfig(app: string, values: Readonly<Record<string, ConfigValue>>): Promise<void> {
    await this.run(['config', app, ...Object.entries(values).map(([key, value]) => `${key}=${String(value)}`)]);
  }

  /** `juju config <app> --reset key[,key]`: back to the charm's defaults. */
  async resetConfig(app: string, keys: readonly string[]): Promise<void> {
    await this.run(['config', app, '--reset', keys.join(',')]);
  }

  /** `juju status --format=json`, as printed. */
  async statusText(): Promise<string> {
    return (await this.run(['status', '--format=json'], { quiet: true, timeoutMs: 2 * MINUTE })).stdout;
  }

  /** `juju status --format=json`, parsed. */
  async status(): Promise<JujuStatus> {
    return parseStatus(await this.statusText());
  }

  /**
   * `juju exec --format=json --unit <unit> -- <command...>` (as root, in the unit's hook context).
   * A command that exits non-zero is a result, not an error (juju itself then exits 1: "task failed").
   */
  async exec(unit: string, command: readonly string[], timeoutMs = 5 * MINUTE): Promise<ExecResult> {
    const output = await this.run(['exec', '--format=json', '--unit', unit, '--', ...command], { quiet: true, allowFailure: true, timeoutMs });
    if (output.stdout.trim() === '') {
      throw new JujuCommandError([this.binary, 'exec', unit, ...command], output.exitCode, output.stdout, output.stderr, `exited ${output.exitCode} with no result`);
    }
    return parseExecOutput(output.stdout, unit);
  }

  /** `juju add-unit <app>`: one more unit, on a new machine. */
  async addUnit(app: string): Promise<void> {
    await this.run(['add-unit', app]);
  }

  /** `juju remove-unit --no-prompt <unit>` (Juju also removes the machine if nothing else is on it). */
  async removeUnit(unit: string): Promise<void> {
    await this.run(['remove-unit', '--no-prompt', unit]);
  }

  /**
   * `juju debug-log --no-tail` and `--lines <n>` (the model's last n lines), or `--replay` (all
   * of them), of one entity with `include` (e.g. `tinyproxy/0`). Juju 3.6 does not tail when stdout
   * is not a terminal, and then prints only the last 10 lines unless told `--lines`; `--limit`
   * cuts that window, it does not widen it.
   */
  async debugLog(selection: { readonly lines?: number; readonly include?: string }): Promise<string> {
    const window = selection.lines === undefined ? ['--replay'] : ['--lines', String(selection.lines)];
    const include = selection.include === undefined ? [] : ['--include', selection.include];
    return (await this.run(['debug-log', ...window, ...include, '--no-tail'], { quiet: true, timeoutMs: 2 * MINUTE })).stdout;
  }
}
