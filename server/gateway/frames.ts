import type { MessageFrame } from '../../shared/protocol.js';
import type { StoredMessage } from '../store/conversations.js';

/** A stored message as the widget receives it (replayed on resume, broadcast when stored). */
export function messageFrame(m: StoredMessage): MessageFrame {
  const frame: MessageFrame = {
    type: 'message',
    seq: m.seq,
    id: m.id,
    role: m.role,
    text: m.text,
    at: m.created_at,
  };
  if (m.client_id) frame.clientId = m.client_id;
  if (m.author) frame.name = m.author;
  return frame;
}
