import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';

/**
 * WAL checkpoints off the event loop (bench/FINDINGS.md, "The tail at the steady rate"). SQLite's
 * automatic checkpoint runs inside the COMMIT that takes the WAL past 1,000 pages: it copies them
 * into the database file and syncs it, holding the event loop 5–20 ms on this kind of machine a few
 * times a second under load, with every turn waiting behind it. Here a worker thread with its own
 * connection checkpoints instead, and the server's connection never does.
 *
 * Its checkpoints are PASSIVE: they neither wait for nor block the server's reads and writes. The
 * WAL starts over from its beginning when a write finds every frame copied, which under a steady
 * stream of writes a checkpoint on another thread seldom leaves behind it. So once the WAL is past
 * RESTART_FRAMES the worker checkpoints back to back (each copies only what was written meanwhile,
 * so each is shorter), and then asks the server's connection to checkpoint once itself, between
 * two of its transactions: nearly everything is copied by then (a millisecond or two on the loop,
 * once per RESTART_FRAMES pages), and its next write starts the WAL over. (A RESTART checkpoint
 * from the worker would bound the WAL too, but a write it blocks inside a transaction that has
 * already read fails with SQLITE_BUSY at once instead of waiting.) Durability is unchanged: commits
 * are as before (synchronous=NORMAL), and a checkpoint syncs the WAL before copying it, wherever
 * it runs.
 */

/** The WAL's size (pages) past which the worker works to make it start over. */
const RESTART_FRAMES = 2000;
/** How often the worker checkpoints while the WAL is smaller and being written. */
const CHECK_EVERY_MS = 50;
/**
 * With nothing written since its last pass, the worker waits twice as long each time, up to this:
 * an idle server wakes the thread once a second, not twenty times. The first pass that finds new
 * frames goes back to CHECK_EVERY_MS; a burst meanwhile is what RESTART_FRAMES catches up on.
 */
const IDLE_EVERY_MS = 1000;
/** Back-to-back checkpoints before the server's connection is asked to finish the job. */
const CATCH_UP_TRIES = 2;
/** A WAL file that grew past this under a burst is cut back to it when it starts over (bytes). */
const WAL_SIZE_LIMIT = 16 * 1024 * 1024;

/**
 * The worker's code. An eval'd CommonJS script rather than a module file of its own: the server ships
 * as one bundle (scripts/build-server.mjs), and the native module is loaded by its resolved path.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
const passive = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
let timer = null;
let immediate = null;
let tries = 0;
let closed = false;
let wait = workerData.everyMs;
let lastLog = -1;
function run() {
  timer = immediate = null;
  if (closed) return;
  try {
    const r = passive.get();
    // Nothing new since the last pass (the WAL only starts over on a write): back off.
    const idle = r.log === lastLog && r.checkpointed === r.log;
    wait = idle ? Math.min(wait * 2, workerData.idleEveryMs) : workerData.everyMs;
    lastLog = r.log;
    if (r.log > workerData.restartFrames) {
      if (++tries <= workerData.catchUpTries) {
        immediate = setImmediate(run);
        return;
      }
      parentPort.postMessage('behind');
    }
  } catch (err) {
    // Busy or locked: tried again at the next tick. Anything else the server's own connection sees too.
  }
  tries = 0;
  timer = setTimeout(run, wait);
}
run();
parentPort.on('message', (m) => {
  if (m !== 'close') return;
  closed = true;
  clearTimeout(timer);
  clearImmediate(immediate);
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  /** Stops the worker and closes its connection (before the server's, which then checkpoints last). */
  close(): Promise<void>;
}

/**
 * Turns off `sqlite`'s automatic checkpoint and starts the worker that checkpoints `file` instead.
 * If the worker cannot start, the connection keeps checkpointing itself, as before.
 */
export function startCheckpointer(sqlite: SQLite.Database, file: string): Checkpointer {
  let worker: Worker;
  try {
    worker = new Worker(WORKER, {
      eval: true,
      workerData: {
        module: createRequire(import.meta.url).resolve('better-sqlite3'),
        file,
        everyMs: CHECK_EVERY_MS,
        idleEveryMs: IDLE_EVERY_MS,
        restartFrames: RESTART_FRAMES,
        catchUpTries: CATCH_UP_TRIES,
      },
    });
  } catch {
    return { close: async () => {} };
  }
  sqlite.pragma('wal_autocheckpoint = 0');
  sqlite.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
  worker.on('message', (m) => {
    // Between two of the connection's transactions (a Kysely one may be open across awaits: then
    // the next request does it).
    if (m === 'behind' && !stopped && !sqlite.inTransaction) sqlite.pragma('wal_checkpoint(PASSIVE)');
  });
  // The worker never keeps the process alive: the store's close stops it, and a process exiting
  // without closing leaves a WAL that the next open recovers, as it would anyway.
  worker.unref();
  let stopped = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('error', () => {
    // The worker died (it cannot open the file?): the connection checkpoints itself again.
    stopped = true;
    try {
      sqlite.pragma('wal_autocheckpoint = 1000');
    } catch {
      // The connection is already closed.
    }
  });
  return {
    async close() {
      if (stopped) return;
      stopped = true;
      // Held until it has closed its connection (unreferenced, the process could exit first).
      worker.ref();
      worker.postMessage('close');
      await exited;
    },
  };
}
