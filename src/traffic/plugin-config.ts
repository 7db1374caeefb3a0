import type { TSchema } from '@sinclair/typebox';
import type { Rollout, RolloutTrafficRouting } from '../api/rollout.ts';
import { validateAgainstSchema } from '../api/validate.ts';
import type { DeepReadonly } from '../runtime/objects.ts';

type NativeField = 'gatewayAPI' | 'contour' | 'gloo';

/**
 * A router Aviary has natively that Argo Rollouts has only as a plugin: the native field, or — in a manifest written
 * for Argo — the plugin's configuration in its place, read as if native (Aviary runs no plugins).
 */
export interface PluginShapedRouter<F extends NativeField> {
  field: F;
  /** The plugin's name under trafficRouting.plugins. */
  plugin: string;
  /** The native field's schema, which the plugin's configuration must also satisfy. */
  schema: TSchema;
}

export function pluginShapedConfig<F extends NativeField>(rollout: DeepReadonly<Rollout>, router: PluginShapedRouter<F>): DeepReadonly<NonNullable<RolloutTrafficRouting[F]>> | undefined {
  const routing = rollout.spec.strategy?.canary?.trafficRouting;
  const native = routing?.[router.field];
  if (native !== undefined) return native as DeepReadonly<NonNullable<RolloutTrafficRouting[F]>>;
  const plugin = routing?.plugins?.[router.plugin];
  return plugin === undefined ? undefined : (plugin as DeepReadonly<NonNullable<RolloutTrafficRouting[F]>>);
}

/** Problems with the plugin's configuration, named by field (the native field is checked by the CRD schema). */
export function pluginConfigIssues(rollout: DeepReadonly<Rollout>, router: PluginShapedRouter<NativeField>): { field: string; message: string }[] {
  const routing = rollout.spec.strategy?.canary?.trafficRouting;
  const plugin = routing?.plugins?.[router.plugin];
  if (plugin === undefined || routing?.[router.field] !== undefined) return [];
  const base = `spec.strategy.canary.trafficRouting.plugins["${router.plugin}"]`;
  return validateAgainstSchema(router.schema, plugin).map((i) => ({ field: i.path === '' ? base : `${base}.${i.path}`, message: i.message }));
}
