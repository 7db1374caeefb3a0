/**
 * API groups. A kind's schema does not depend on the group that serves it: the same Rollout definition is served
 * as aviary.dev/v1alpha1 (Aviary's own group) and as argoproj.io/v1alpha1 (compatibility with Argo Rollouts
 * manifests); the Canary kinds likewise as aviary.dev/v1alpha1 and flagger.app/v1beta1 (Flagger's manifests). Everything group-specific lives here, as configuration.
 */

export interface ApiGroup {
  /** The API group, e.g. `aviary.dev`. */
  readonly name: string;
  /** The served and stored version. */
  readonly version: string;
  /**
   * `native`: Aviary's own group, which may show Aviary-only extras (e.g. a Status printer column).
   * `compatibility`: a peer project's group served unmodified, so its manifests and tools keep working.
   */
  readonly role: 'native' | 'compatibility';
  /** CRD categories for this group's kinds (`kubectl get <category>`). */
  readonly categories: readonly string[];
}

export const aviaryGroup: ApiGroup = { name: 'aviary.dev', version: 'v1alpha1', role: 'native', categories: ['aviary'] };

export const argoprojGroup: ApiGroup = {
  name: 'argoproj.io',
  version: 'v1alpha1',
  role: 'compatibility',
  categories: [],
};

export const flaggerGroup: ApiGroup = {
  name: 'flagger.app',
  version: 'v1beta1',
  role: 'compatibility',
  // As Flagger's CRDs: `kubectl get all` lists Canaries, MetricTemplates and AlertProviders.
  categories: ['all'],
};

/** Every group Aviary knows, its own first. */
export const apiGroups: readonly ApiGroup[] = [aviaryGroup, argoprojGroup, flaggerGroup];

/** `group/version`, the value of an object's apiVersion. */
export function apiVersionOf(group: ApiGroup): string {
  return `${group.name}/${group.version}`;
}

/** The group an apiVersion belongs to (any version of it), or undefined for a group Aviary does not serve. */
export function groupOfApiVersion(apiVersion: string): ApiGroup | undefined {
  const name = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return apiGroups.find((group) => group.name === name);
}
