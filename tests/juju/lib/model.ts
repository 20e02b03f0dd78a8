// Which model the suite works in, and what happens to it at the end, as pytest-operator does it:
// a new model `tinyproxy-test-<random>` destroyed at the end (unless kept), or the model named by
// JUJU_TEST_MODEL, used if it exists and created otherwise, and left in place either way.
import type { JujuCli } from './juju.ts';
import type { SuiteSettings } from './settings.ts';

/** The model the suite runs in. */
export interface SuiteModel {
  /** The model's name. */
  readonly name: string;
  /** How commands name it: `<controller>:<name>` when a controller was chosen, else the name. */
  readonly ref: string;
  /** The suite created it (it did not exist before). */
  readonly created: boolean;
  /** Why the model is left in place at the end (a model named by JUJU_TEST_MODEL, or KEEP_MODEL=1); undefined: it is destroyed. */
  readonly keep: string | undefined;
  /** The CLI bound to this model. */
  readonly juju: JujuCli;
}

type ModelSettings = Pick<SuiteSettings, 'controller' | 'cloud' | 'model' | 'modelConfig' | 'keepModel'>;

/** Finds or creates the model (`randomName` when JUJU_TEST_MODEL is unset); `log` says what was decided. */
export async function openModel(cli: JujuCli, settings: ModelSettings, randomName: string, log: (line: string) => void): Promise<SuiteModel> {
  const name = settings.model ?? randomName;
  const ref = settings.controller === undefined ? name : `${settings.controller}:${name}`;
  if (settings.model !== undefined && (await cli.modelExists(ref))) {
    log(`model: using the existing model ${ref} (JUJU_TEST_MODEL), left in place at the end`);
    if (settings.modelConfig !== undefined) log(`model: JUJU_TEST_MODEL_CONFIG=${settings.modelConfig} not applied: it applies only to a model the suite creates`);
    if (settings.cloud !== undefined) log(`model: JUJU_TEST_CLOUD=${settings.cloud} not applied: the model exists`);
    return { name, ref, created: false, keep: 'JUJU_TEST_MODEL names a model that existed before', juju: cli.withModel(ref) };
  }
  const options: { controller?: string; cloud?: string; config?: string } = {};
  if (settings.controller !== undefined) options.controller = settings.controller;
  if (settings.cloud !== undefined) options.cloud = settings.cloud;
  if (settings.modelConfig !== undefined) options.config = settings.modelConfig;
  await cli.addModel(name, options);
  const keep = settings.model !== undefined ? 'JUJU_TEST_MODEL' : settings.keepModel ? 'KEEP_MODEL=1' : undefined;
  log(`model: created ${ref}${settings.modelConfig === undefined ? '' : ` with the model config in ${settings.modelConfig}`}${keep === undefined ? '' : `, left in place at the end (${keep})`}`);
  return { name, ref, created: true, keep, juju: cli.withModel(ref) };
}

/** Destroys the model, or says how to once the user is done with a kept one. */
export async function closeModel(cli: JujuCli, model: SuiteModel, log: (line: string) => void): Promise<void> {
  if (model.keep === undefined) {
    await cli.destroyModel(model.ref);
    return;
  }
  log(`keeping model ${model.ref} (${model.keep}); remove it with: juju destroy-model ${model.ref} --no-prompt --destroy-storage --force`);
}
