import type { ConsoleServerFrame } from '../../shared/console-protocol.js';
import type { Operator } from './operators.js';

/** One signed-in console socket. */
export interface ConsoleClient {
  operator: Operator;
  /** The conversation it shows, for presence. */
  viewing: string | null;
  send(frame: ConsoleServerFrame): void;
}

/**
 * The consoles connected to this process, by site: presence (who is online, who views what) and the
 * fan-out of conversation events. Nothing here ever reaches a widget: notes and presence travel only
 * on console sockets (C5).
 */
export class ConsoleHub {
  readonly #bySite = new Map<string, Set<ConsoleClient>>();
  /** With several nodes: the operators online on every node (presence-board.ts). */
  cluster: { online(siteId: string): number; poke(local: boolean): void } | undefined;

  join(client: ConsoleClient): () => void {
    const site = client.operator.siteId;
    let set = this.#bySite.get(site);
    if (!set) {
      set = new Set();
      this.#bySite.set(site, set);
    }
    set.add(client);
    this.cluster?.poke(true);
    this.publish(site, { type: 'presence', online: this.online(site) });
    return () => {
      set.delete(client);
      if (set.size === 0) this.#bySite.delete(site);
      this.cluster?.poke(true);
      this.publish(site, { type: 'presence', online: this.online(site) });
      if (client.viewing) this.#viewersChanged(site, client.viewing);
    };
  }

  /**
   * Distinct operators of the site with a console open: on this node, exactly; with several nodes,
   * at least as many as the last presence sync counted on all of them.
   */
  online(siteId: string): number {
    const here = new Set([...(this.#bySite.get(siteId) ?? [])].map((c) => c.operator.id)).size;
    return Math.max(here, this.cluster?.online(siteId) ?? 0);
  }

  /** The operators with a console open on this node, once each. */
  members(): { siteId: string; operatorId: string }[] {
    const out = new Map<string, string>();
    for (const [siteId, set] of this.#bySite) for (const c of set) out.set(c.operator.id, siteId);
    return [...out].map(([operatorId, siteId]) => ({ operatorId, siteId }));
  }

  /** Sites with a console open on this node (the live delivery reads their conversations). */
  sites(): string[] {
    return [...this.#bySite.keys()];
  }

  /** Whether a console of the site is open on this node. */
  watches(siteId: string): boolean {
    return this.#bySite.has(siteId);
  }

  /** Distinct operators online on this node, all sites. */
  onlineTotal(): number {
    return new Set([...this.#bySite.values()].flatMap((set) => [...set].map((c) => c.operator.id))).size;
  }

  publish(siteId: string, frame: ConsoleServerFrame): void {
    for (const c of this.#bySite.get(siteId) ?? []) {
      try {
        c.send(frame);
      } catch {
        // A broken console socket is cleaned up by its close handler.
      }
    }
  }

  view(client: ConsoleClient, conversationId: string | null): void {
    const before = client.viewing;
    client.viewing = conversationId;
    const site = client.operator.siteId;
    if (before && before !== conversationId) this.#viewersChanged(site, before);
    if (conversationId) this.#viewersChanged(site, conversationId);
  }

  viewers(siteId: string, conversationId: string): string[] {
    const names = [...(this.#bySite.get(siteId) ?? [])]
      .filter((c) => c.viewing === conversationId)
      .map((c) => c.operator.name);
    return [...new Set(names)];
  }

  #viewersChanged(siteId: string, conversationId: string): void {
    this.publish(siteId, { type: 'viewers', conversationId, names: this.viewers(siteId, conversationId) });
  }
}
