import type { ServerFrame } from '../../shared/protocol.js';
import { ConversationHub } from '../gateway/hub.js';

/**
 * The conversation hub, with every frame this node delivers also offered to the consoles: the
 * visitor's messages, the bot's replies and tool activity reach an operator's console the moment a
 * widget gets them. Stored messages arrive here from every node (server/live), once each.
 */
export class TappedHub extends ConversationHub {
  tap: ((conversationId: string, frame: ServerFrame) => void) | null = null;

  override deliver(conversationId: string, frame: ServerFrame): void {
    super.deliver(conversationId, frame);
    if (frame.type === 'message' || frame.type === 'tool') this.tap?.(conversationId, frame);
  }
}
