// The last few results of a costly function of byte strings (an authenticator, a decryption),
// with copies of their inputs: a relayed copy of a message carries the same bytes as the hop
// before it, a few frames earlier, and is answered without computing again.

/** True when the two byte strings are equal (not constant-time: for lookups, not for verdicts). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class RecentResults<T> {
  private readonly entries: Array<{ kind: string; inputs: Uint8Array[]; result: T }> = [];
  private at = 0;
  private on = true;
  constructor(private readonly size: number) {}

  /** Turns remembering off or on, forgetting what was kept (a test compares both over every sample). */
  remember(on: boolean): void { this.on = on; this.entries.length = 0; this.at = 0; }

  /** The result kept for these inputs, or undefined. */
  find(kind: string, inputs: readonly Uint8Array[]): T | undefined {
    if (!this.on) return undefined;
    next: for (const e of this.entries) {
      if (e.kind !== kind) continue;
      for (let i = 0; i < inputs.length; i++) if (!sameBytes(e.inputs[i]!, inputs[i]!)) continue next;
      return e.result;
    }
    return undefined;
  }

  /** Keeps a result with copies of its inputs, in place of the oldest one past `size`. */
  add(kind: string, inputs: readonly Uint8Array[], result: T): void {
    if (!this.on) return;
    this.entries[this.at] = { kind, inputs: inputs.map(b => b.slice()), result };
    this.at = (this.at + 1) % this.size;
  }
}
