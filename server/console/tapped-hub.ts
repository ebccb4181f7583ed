import type { ServerFrame } from '../../shared/protocol.js';
import { ConversationHub } from '../gateway/hub.js';

/**
 * The conversation hub, with every frame also offered to the consoles: the visitor's messages, the
 * bot's replies and tool activity reach an operator's console the moment a widget gets them.
 */
export class TappedHub extends ConversationHub {
  tap: ((conversationId: string, frame: ServerFrame) => void) | null = null;

  override broadcast(conversationId: string, frame: ServerFrame): void {
    super.broadcast(conversationId, frame);
    if (frame.type === 'message' || frame.type === 'tool') this.tap?.(conversationId, frame);
  }
}
