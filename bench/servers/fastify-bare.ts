// Cold-start baseline: a bare Fastify app answering /readyz, started the same way (tsx).
import Fastify from 'fastify';

const app = Fastify();
app.get('/readyz', async () => ({ ok: true }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
