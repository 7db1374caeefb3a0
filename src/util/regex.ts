/** A literal inside a regular expression (JavaScript's, RE2's and Envoy's agree on these metacharacters). */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
