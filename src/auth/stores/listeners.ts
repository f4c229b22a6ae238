/** A set of listeners for one kind of store notification. */
export class Listeners<T> {
  private readonly listeners = new Set<(value: T) => void>();

  add(listener: (value: T) => void): () => void {
    // A wrapper per call, so the same function added twice is removed one subscription at a time.
    const entry = (value: T): void => listener(value);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  emit(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (error) {
        // A failing listener must neither undo a committed write nor starve the other listeners.
        process.emitWarning(`store listener failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
