import type { DeputyEvent, DeputyEvents, Emit } from './types.js';

type Listener = (data: never) => void;

/**
 * A tiny event emitter for `Deputy.on`. `ready` is sticky: a listener added after the widget became
 * ready is called at once, because host code usually subscribes after the async script has run.
 * A throwing listener is reported and never breaks the widget or other listeners.
 */
export function createEmitter(): {
  on<K extends DeputyEvent>(event: K, fn: (data: DeputyEvents[K]) => void): () => void;
  emit: Emit;
  clear(): void;
} {
  const listeners = new Map<string, Set<Listener>>();
  let ready: DeputyEvents['ready'] | undefined;
  const call = (fn: Listener, data: unknown): void => {
    try {
      fn(data as never);
    } catch (err) {
      console.error('[Deputy] A Deputy.on() listener threw:', err);
    }
  };
  return {
    on(event, fn) {
      const set = listeners.get(event) ?? new Set<Listener>();
      listeners.set(event, set);
      set.add(fn as Listener);
      if (event === 'ready' && ready) call(fn as Listener, ready);
      return () => {
        set.delete(fn as Listener);
      };
    },
    emit(event, data) {
      if (event === 'ready') ready = data as DeputyEvents['ready'];
      for (const fn of [...(listeners.get(event) ?? [])]) call(fn, data);
    },
    clear() {
      listeners.clear();
    },
  };
}
