import { runCharm } from './charm/charm.ts';
import { parseCharmConfig } from './charm/config.ts';
import { fileStateStore } from './charm/unit-state.ts';
import { contextFromEnv } from './juju/context.ts';
import { createHookTools, type HookTools } from './juju/hook-tools.ts';
import { runHookTool } from './juju/run.ts';
import { createWorkload } from './workload/create.ts';

const oneLine = (error: unknown): string => (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' | ');

/** Logs an uncaught error as ops does (juju-log ERROR with the stack) and prints one clear line. */
async function reportFailure(tools: HookTools, hook: string, error: unknown): Promise<void> {
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  try {
    await tools.log('ERROR', `Uncaught exception while in charm code:\n${stack}`);
  } catch {
    // juju-log itself failed: stderr still reaches the unit log.
  }
  process.stderr.write(`tinyproxy charm: ${hook} failed: ${oneLine(error)}\n`);
}

/** The hook entry point: parse the context, run the event, set the status; exit 1 on failure. */
async function main(): Promise<number> {
  const tools = createHookTools(runHookTool);
  let hook = process.env.JUJU_DISPATCH_PATH ?? 'unknown hook';
  try {
    const juju = contextFromEnv(process.env, process.cwd());
    hook = juju.event.name;
    const workload = createWorkload();
    // The serving probe waits on tinyproxy, config-get on Juju: let them overlap.
    workload.startCheck();
    const config = parseCharmConfig(await tools.configGet());
    const damaged: string[] = [];
    const state = fileStateStore(juju.charmDir, (problem) => damaged.push(problem));
    state.load();
    for (const problem of damaged) await tools.log('WARNING', problem);
    await runCharm(juju.event, { tools, workload, config, state });
    return 0;
  } catch (error) {
    await reportFailure(tools, hook, error);
    return 1;
  }
}

// CommonJS output (it starts faster) has no top-level await.
void main().then((code) => {
  process.exitCode = code;
});
