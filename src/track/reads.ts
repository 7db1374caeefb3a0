/**
 * The tracker's one-off reads through the runtime's REST client (src/runtime/rest.ts): objects and lists as the API
 * server's JSON, slimmed the way the watch caches slim them, and error messages fit for a person.
 */
import { isApiError, type KubeClient, type QueryParams } from '../runtime/rest.ts';
import type { KObject } from './model.ts';

/** Drops what the tracker never reads and what makes cached objects large. */
export function slim<T extends KObject>(obj: T): T {
  const meta = obj.metadata;
  if (meta?.managedFields !== undefined) delete meta.managedFields;
  const annotations = meta?.annotations;
  if (annotations?.['kubectl.kubernetes.io/last-applied-configuration'] !== undefined) {
    delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
  }
  return obj;
}

export async function readObject<T extends KObject = KObject>(client: KubeClient, path: string): Promise<T> {
  return slim(await client.get<T>(path));
}

/** A list's items, each with the apiVersion and kind that list items lack (rules read both, as watch events carry them). */
export async function listObjects(client: KubeClient, path: string, query: QueryParams = {}): Promise<KObject[]> {
  const body = await client.get<{ apiVersion?: string; kind?: string; items?: KObject[] }>(path, query);
  const kind = body.kind?.endsWith('List') === true ? body.kind.slice(0, -'List'.length) : undefined;
  return (body.items ?? []).map((item) => slim({ apiVersion: body.apiVersion, kind, ...item }));
}

export const isForbidden = (error: unknown): boolean => isApiError(error, 403);

/** The API server's own message from an error response (without the request line), else the error's message. */
export function errorMessage(error: unknown): string {
  if (isApiError(error)) {
    const body = error.body as { message?: unknown } | string | undefined;
    if (typeof body === 'object' && typeof body.message === 'string' && body.message !== '') return body.message;
    if (typeof body === 'string' && body !== '') return body;
    return `HTTP ${error.code}`;
  }
  return error instanceof Error ? error.message : String(error);
}
