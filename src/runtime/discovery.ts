import { isNotFound, type KubeClient } from './rest.ts';

/**
 * Whether the API server serves a resource in an API version (`aviary.dev/v1alpha1`, `analysisruns`): its CRD is
 * installed and established. Optional kinds are probed this way before an informer is started for them, since an
 * informer of a resource that is not served would never sync.
 */
export async function servesResource(client: KubeClient, apiVersion: string, plural: string): Promise<boolean> {
  try {
    const list = await client.get<{ resources?: { name: string }[] }>(`/apis/${apiVersion}`);
    return (list.resources ?? []).some((r) => r.name === plural);
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}
