import type { ClientFrame, ServerFrame } from '../../shared/protocol.js';
import { type ConfigResult, readConfig } from '../../widget/config.js';
import type { WidgetConfig } from '../../widget/types.js';

/** A WebSocket stand-in the test drives: open it, push server frames, close it with a code. */
export class FakeSocket {
  static all: FakeSocket[] = [];
  static get last(): FakeSocket {
    const s = FakeSocket.all.at(-1);
    if (!s) throw new Error('no socket was opened');
    return s;
  }
  readyState = 0;
  sent: ClientFrame[] = [];
  closedByClient: number | null = null;
  onopen: ((e: unknown) => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  onerror: ((e: unknown) => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data) as ClientFrame);
  }
  close(code = 1000): void {
    this.closedByClient = code;
    this.readyState = 3;
  }
  /** The server accepts the connection; the widget then sends its hello. */
  async open(): Promise<void> {
    this.readyState = 1;
    this.onopen?.({});
    await tick();
  }
  receive(...frames: ServerFrame[]): void {
    for (const f of frames) this.onmessage?.({ data: JSON.stringify(f) });
  }
  /** Several frames as one message, as the server sends them to a widget that announced `batch`. */
  receiveBatch(...frames: ServerFrame[]): void {
    this.onmessage?.({ data: JSON.stringify(frames) });
  }
  serverClose(code: number): void {
    this.readyState = 3;
    this.onclose?.({ code });
  }
  sentOfType<T extends ClientFrame['type']>(type: T): Extract<ClientFrame, { type: T }>[] {
    return this.sent.filter((f): f is Extract<ClientFrame, { type: T }> => f.type === type);
  }
}

export async function tick(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** A visitor token with the given claims (unsigned: the widget never verifies, the server does). */
export function fakeToken(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.c2lnbmF0dXJl`;
}

export function testConfig(data: Record<string, string> = {}): WidgetConfig {
  const result: ConfigResult = readConfig({ site: 'demo', ...data }, 'https://chat.example.com/widget.js', {
    url: 'https://shop.example.com/',
    lang: 'en',
  });
  if (!result.ok) throw new Error(result.error);
  return result.config;
}
