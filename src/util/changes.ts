/** Lets a worker pool's callers wait for a state of its workers, checked again at every change. */
export class Changes {
  private waiters: (() => void)[] = [];

  /** Something changed (a worker became ready, was replaced, or the pool closed). */
  notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves once `state()` is true; rejects with the Error it returns instead. */
  async until(state: () => boolean | Error): Promise<void> {
    for (;;) {
      const s = state();
      if (s instanceof Error) throw s;
      if (s) return;
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }
}
