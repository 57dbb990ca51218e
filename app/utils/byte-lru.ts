/**
 * A cache of recently used values within a budget of bytes, each value's size
 * given by the caller (for text, two bytes per character). The least recently
 * used go first; a value over a quarter of the budget is not kept. A count of
 * entries would let 500 long regulations hold hundreds of megabytes.
 */

export const MB = 1024 * 1024;

export class ByteLru<V> {
  private map = new Map<string, { value: V; bytes: number }>();
  private bytes = 0;
  constructor(
    private readonly maxBytes: number,
    private readonly sizeOf: (value: V) => number,
  ) {}

  /** Bytes held now. */
  get bytesHeld(): number {
    return this.bytes;
  }

  get(key: string): V | undefined {
    const hit = this.map.get(key);
    if (hit === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, hit);
    return hit.value;
  }

  set(key: string, value: V) {
    this.drop(key);
    const bytes = this.sizeOf(value);
    if (bytes > this.maxBytes / 4) return;
    this.map.set(key, { value, bytes });
    this.bytes += bytes;
    while (this.bytes > this.maxBytes) this.drop(this.map.keys().next().value as string);
  }

  private drop(key: string) {
    const old = this.map.get(key);
    if (!old) return;
    this.map.delete(key);
    this.bytes -= old.bytes;
  }
}
