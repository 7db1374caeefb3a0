/** A memo with a bounded number of entries, evicting the oldest: compiled conditions and patterns repeat a lot. */
export function boundedMemo<T>(limit: number, compute: (key: string) => T): (key: string) => T {
  const entries = new Map<string, T>();
  return (key) => {
    const cached = entries.get(key);
    if (cached !== undefined) return cached;
    const value = compute(key);
    if (entries.size >= limit) {
      const oldest = entries.keys().next();
      if (oldest.done !== true) entries.delete(oldest.value);
    }
    entries.set(key, value);
    return value;
  };
}
