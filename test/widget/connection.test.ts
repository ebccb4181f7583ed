// @vitest-environment jsdom
// The socket layer of the widget: how a batch of frames is read (docs/protocol.md, "Batches").
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServerFrame } from '../../shared/protocol.js';
import { Connection } from '../../widget/panel/connection.js';
import { FakeSocket } from './fake-socket.js';

const at = '2026-11-23T10:00:00.000Z';
const frames: ServerFrame[] = [
  { type: 'reply_start', id: 'a1' },
  { type: 'delta', id: 'a1', text: 'Hi' },
  { type: 'message', seq: 2, id: 'a1', role: 'assistant', text: 'Hi', at },
];

describe('a batch on the socket (docs/protocol.md, "Batches")', () => {
  let conn: Connection;
  let got: ServerFrame[];
  let stopAt: string | null;

  beforeEach(() => {
    FakeSocket.all = [];
    got = [];
    stopAt = null;
    conn = new Connection({
      url: 'wss://chat.example.com/ws?batch=1',
      hello: async () => ({ type: 'hello', v: 1, site: 'demo' }),
      onFrame: (f) => {
        got.push(f);
        if (f.type === stopAt) conn.stop();
      },
      onState: () => {},
      WebSocket: FakeSocket as unknown as typeof WebSocket,
    });
    conn.start();
  });
  afterEach(() => conn.stop());

  it('hands its frames on one by one, in order, like separate messages', async () => {
    await FakeSocket.last.open();
    FakeSocket.last.receiveBatch(...frames);
    FakeSocket.last.receive(...frames);
    expect(got).toEqual([...frames, ...frames]);
  });

  it('drops the rest of a batch once a frame has closed the socket, as later messages are dropped', async () => {
    await FakeSocket.last.open();
    stopAt = 'delta';
    FakeSocket.last.receiveBatch(...frames);
    expect(got.map((f) => f.type)).toEqual(['reply_start', 'delta']);
  });

  it('ignores what is not a frame inside a batch', async () => {
    await FakeSocket.last.open();
    FakeSocket.last.onmessage?.({ data: JSON.stringify([null, 7, { no: 'type' }, frames[0]]) });
    expect(got).toEqual([frames[0]]);
  });
});
